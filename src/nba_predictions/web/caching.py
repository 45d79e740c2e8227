"""HTTP caching for every GET the web layer answers from the database: ETag, Cache-Control, 304s.

A pure ASGI middleware.  The ETag of a response is a hash of what decides its body:

- the database's *version* (:func:`database_version`), which every committed write changes, so
  storing or re-rating a game changes every ETag at once.  On a SQLite file in its default
  (rollback journal) mode it is the file change counter of the database header, which SQLite
  increments on every committed write (bytes 24-27; one 28-byte read, microseconds); elsewhere
  (PostgreSQL, a SQLite database in WAL mode, where that counter does not move) it is
  :func:`queries.version` (how many games, the newest id, the newest ``updated_at``);
- the method-independent request: path and query string;
- for pages (not ``/api/``): the Cookie header, since the viewer's saved choices shape the page
  (and ``Vary: Cookie`` tells caches so).

Because the ETag is known before the page is built, a matching ``If-None-Match`` is answered 304
without rendering anything; a client or proxy that revalidates pays one aggregate query.  Only
200 answers get an ETag; a response that sets a cookie (the settings form) is ``private,
no-store``.  Paths whose body does not follow the database (``/api/v1/health`` carries a
timestamp; ``/static``, ``/docs``: files) are passed through untouched.  Any new route that answers
from the database (an Atom feed, say) is covered as it is; on PostgreSQL the version reads only
``games``, so a route that reads other tables (votes, say) must add them to
:func:`queries.version` or be listed in :data:`UNCACHED`.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from nba_predictions.web import queries
from nba_predictions.web.context import WebContext

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNCACHED = ("/api/v1/health", "/static/", "/docs", "/openapi.json")
API = "/api/"
# Revalidate on every use (max-age=0): a game stored shows at once, and a 304 is cheap.
PUBLIC = b"public, max-age=0, must-revalidate"
PRIVATE = b"private, no-store"


SQLITE_HEADER = b"SQLite format 3\x00"
CHANGE_COUNTER = slice(24, 28)  # the header's file change counter (https://sqlite.org/fileformat.html)
WAL_MODE = 2  # header byte 18 (read format version): 1 = rollback journal, 2 = WAL


def sqlite_version(engine: Engine) -> str | None:
    """A SQLite file's change counter and size, or None where they do not track every commit.

    None for any other database, an in-memory one, and a file in WAL mode (commits go to the
    ``-wal`` file and leave the counter alone).
    """
    name = engine.url.database if engine.dialect.name == "sqlite" else None
    if not name or name == ":memory:":
        return None
    descriptor = os.open(name, os.O_RDONLY)  # no buffered file object: this runs on every request
    try:
        header = os.pread(descriptor, 100, 0)
        size = os.fstat(descriptor).st_size
    finally:
        os.close(descriptor)
    if not header.startswith(SQLITE_HEADER) or header[18] == WAL_MODE:
        return None
    return f"sqlite:{int.from_bytes(header[CHANGE_COUNTER], 'big')}:{size}"


async def database_version(web: WebContext) -> str:
    """What changes whenever a committed write changes the database (see the module's docstring)."""
    try:
        found = sqlite_version(web.engine)
    except OSError:
        found = None
    return found if found is not None else await web.read(queries.version)


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return b""


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    """RFC 9110: ``*`` or any listed tag, weak or strong, compared weakly."""
    tags = {t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")}
    return b"*" in tags or etag in tags


def etag_for(version: str, scope: Scope) -> bytes:
    path = scope["path"]
    parts = [version.encode(), path.encode(), scope.get("query_string", b"")]
    if not path.startswith(API):
        parts.append(_header(scope, b"cookie"))
    return b'"' + hashlib.sha256(b"\0".join(parts)).hexdigest()[:32].encode() + b'"'


class CachingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or path.startswith(UNCACHED):
            await self.app(scope, receive, send)
            return
        try:
            version = await database_version(WebContext.of_app(scope["app"]))
        except SQLAlchemyError:  # the route itself answers the database's failure, as it always does
            await self.app(scope, receive, send)
            return
        etag = etag_for(version, scope)
        vary = [] if path.startswith(API) else [(b"vary", b"Cookie")]
        if _matches(_header(scope, b"if-none-match"), etag):
            headers = [(b"etag", etag), (b"cache-control", PUBLIC), *vary]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def tag(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"set-cookie" in names:
                    headers.append((b"cache-control", PRIVATE))
                else:
                    headers += [(b"etag", etag), (b"cache-control", PUBLIC), *vary]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, tag)
