"""What every request handler needs: the process's one engine, the thresholds, the default date.

:meth:`WebContext.read` runs a function of a connection.  On SQLite it runs right in the event
loop: a query there takes a fraction of a millisecond, less than handing it to a worker thread
and back, and every request waits for the same file lock anyway.  On PostgreSQL (a network round
trip) it runs in Starlette's thread pool, so a slow query never stalls the other requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

T = TypeVar("T")


@dataclass(frozen=True)
class WebContext:
    engine: Engine
    database_name: str  # masked URL, for logs
    good_threshold: float
    mediocre_threshold: float
    # The page's date when none is asked for, evaluated per request; None: the newest date with ratings.
    default_day: Callable[[], date] | None

    @staticmethod
    def of(request: Request) -> WebContext:
        return request.app.state.web

    @staticmethod
    def of_app(app: Any) -> WebContext:
        """The context of an application (what an ASGI middleware has, from ``scope["app"]``)."""
        return app.state.web

    @property
    def reads_in_loop(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def read_now(self, work: Callable[..., T], *args: object) -> T:
        with self.engine.connect() as conn:
            return work(conn, *args)

    async def read(self, work: Callable[..., T], *args: object) -> T:
        """``work(connection, *args)`` on a connection of the pool (see the module's docstring)."""
        if self.reads_in_loop:
            return self.read_now(work, *args)
        return await run_in_threadpool(self.read_now, work, *args)
