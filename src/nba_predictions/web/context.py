"""What every request handler needs: the one engine of the process and the rating thresholds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from starlette.requests import Request


@dataclass(frozen=True)
class WebContext:
    engine: Engine
    database_name: str  # masked URL, for logs
    good_threshold: float
    mediocre_threshold: float
    default_day: Callable[[], date]  # the page's date when none is asked for, evaluated per request

    @staticmethod
    def of(request: Request) -> WebContext:
        return request.app.state.web
