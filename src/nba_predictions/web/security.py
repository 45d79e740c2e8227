"""Security headers on every answer and a limit on request bodies: one pure ASGI middleware.

:class:`Guard` wraps the whole application (outside CORS), so the headers are on the API's JSON,
the pages, the static files, the CORS preflights and every error answer alike.  The one answer
sent from outside it, the 500 of an unexpected exception (Starlette's outermost error middleware
sends it), gets the same headers from :func:`add_headers` in its handler.

* ``Content-Security-Policy``: the page's own scripts, styles and images only, no inline script
  or style, no framing, no ``<base>``, forms to this server only.  ``/docs`` (Swagger UI) runs one
  inline script, FastAPI's set-up of the UI: its policy allows that script by its hash and
  nothing else inline.
* ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (what ``frame-ancestors 'none'``
  says, for browsers that predate it), ``Referrer-Policy: no-referrer``.
* A request body longer than the limit is refused with 413 in the API's error shape before the
  application reads it.  A declared ``Content-Length`` over the limit is refused at once; a body
  without one (chunked) is read until it passes the limit and then refused, so no request holds
  more than the limit and one more chunk of it in memory.  GET, HEAD and OPTIONS carry no body
  the app reads: only a declared oversized one is refused.

Nothing here buffers an answer: headers are added to the ``http.response.start`` message as it
passes, the body streams through untouched.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nba_predictions.web import contract

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
COMMON_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def script_hashes(html: str) -> list[str]:
    """The CSP source expressions (``'sha256-…'``) of every inline ``<script>`` in ``html``."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def docs_policy(docs_html: str) -> str:
    """The page policy, with the inline scripts of the docs page (Swagger UI's set-up) allowed by hash."""
    allowed = " ".join(["'self'", *script_hashes(docs_html)])
    return PAGE_POLICY.replace("script-src 'self'", f"script-src {allowed}")


class Headers:
    """Which policy each path gets: the page policy, or the docs page's own."""

    def __init__(self, policies: dict[str, str] | None = None) -> None:
        self.policies = dict(policies or {})

    def for_path(self, path: str) -> dict[str, str]:
        return {"content-security-policy": self.policies.get(path, PAGE_POLICY), **COMMON_HEADERS}


def add_headers(response: Response, headers: Headers, path: str) -> Response:
    """``response`` with the security headers of ``path`` (for answers sent outside :class:`Guard`)."""
    for name, value in headers.for_path(path).items():
        response.headers.setdefault(name, value)
    return response


def too_large(limit: int) -> Response:
    body = contract.failure(
        "PAYLOAD_TOO_LARGE",
        f"the request body is larger than {limit} bytes: send a smaller one",
        {"field": "body", "expected": f"at most {limit} bytes"},
    )
    return Response(body, status_code=413, media_type="application/json", headers={"connection": "close"})


class Guard:
    """The security headers on every answer and the request body limit (see the module's docstring)."""

    def __init__(self, app: ASGIApp, headers: Headers, max_body_bytes: int) -> None:
        self.app = app
        self.headers = headers
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers.for_path(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        declared = _content_length(scope["headers"])
        if declared is not None and declared > self.max_body_bytes:
            await too_large(self.max_body_bytes)(scope, receive, send_with_headers)
            return
        if scope["method"] in BODILESS:
            await self.app(scope, receive, send_with_headers)
            return
        buffered = await self._read_body(receive)
        if buffered is None:
            await too_large(self.max_body_bytes)(scope, receive, send_with_headers)
            return
        await self.app(scope, _replay(buffered, receive), send_with_headers)

    async def _read_body(self, receive: Receive) -> list[Message] | None:
        """The request's body messages, or None once they pass ``max_body_bytes`` (the rest is not read)."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages  # the client went away: the app sees the disconnect
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return None
            if not message.get("more_body", False):
                return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands out the buffered messages, then whatever the client sends next."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _content_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    """The declared body length; an unreadable one is left to the server (uvicorn refuses it)."""
    for name, value in headers:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() else None
    return None
