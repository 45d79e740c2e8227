"""The application factory: API, pages, static files, CORS, security headers and the error answers.

:func:`create_app` takes the process's one read-only engine (see :mod:`.database`); it opens
nothing itself, so tests build apps on their own databases and ``serve`` on the configured one.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from nba_predictions import __version__
from nba_predictions.config import Settings
from nba_predictions.errors import InvalidRequestError
from nba_predictions.storage.engine import masked, reason
from nba_predictions.web import api, docs, feed, pages, security, votes
from nba_predictions.web.caching import CachingMiddleware
from nba_predictions.web.context import WebContext

logger = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
# CORS_ORIGINS unset: any local origin, as the original API's development mode lets a front end
# served from another port (vite on 5173, a static server) call it.
LOCAL_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?"
DESCRIPTION = (
    "Completed NBA games rated 0-100 for how worth watching they were, without spoilers. "
    "The `/api/v1` routes answer exactly what the original nba-predictions web API answers "
    "(its React front end works unchanged); the page at `/` is server-rendered HTML."
)


def create_app(
    engine: Engine,
    settings: Settings,
    *,
    database_name: str | None = None,
    default_day: Callable[[], date] | None = None,
    vote_box: votes.VoteBox | None = None,
) -> FastAPI:
    app = FastAPI(
        title="nba-predictions",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_tags=[{"name": "predictions", "description": "the original web API's contract"}],
    )
    app.state.web = WebContext(
        engine=engine,
        database_name=database_name or masked(engine.url),
        good_threshold=settings.good_threshold,
        mediocre_threshold=settings.mediocre_threshold,
        default_day=default_day,
    )
    app.state.templates = pages.templates()
    app.state.templates.env.globals.update(
        good_threshold=settings.good_threshold, mediocre_threshold=settings.mediocre_threshold
    )
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(feed.router)
    app.state.votes = vote_box  # None: no voting (the page shows no vote control)
    app.include_router(votes.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    docs_html = docs.add_docs(app)  # /docs with Swagger UI from local files, not a CDN
    app.state.security = security.Headers({"/docs": security.docs_policy(docs_html)})
    app.add_middleware(CachingMiddleware)  # inside CORS: a 304 gets the CORS headers too
    app.add_middleware(CORSMiddleware, **cors_options(settings.cors_origins))
    # Added last, so outermost: its headers are on CORS preflights and every error answer too.
    app.add_middleware(security.Guard, headers=app.state.security, max_body_bytes=settings.web_max_body_bytes)
    app.add_exception_handler(InvalidRequestError, _invalid_request)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_exception_handler(Exception, _internal_error)
    return app


def cors_options(origins: Sequence[str]) -> dict[str, Any]:
    """Starlette's CORS settings for ``CORS_ORIGINS`` (empty = local origins, ``*`` = any)."""
    common = {"allow_methods": ["GET", "HEAD", "OPTIONS"], "allow_headers": ["*"], "allow_credentials": True}
    if "*" in origins:
        # Any origin, echoed back (a literal * may not go with credentials).
        return {**common, "allow_origin_regex": r"https?://.+"}
    if not origins:
        return {**common, "allow_origin_regex": LOCAL_ORIGINS}
    return {**common, "allow_origins": list(origins)}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(api.PREFIX + "/") or request.url.path == api.PREFIX


def _page(request: Request, status_code: int, heading: str, message: str) -> HTMLResponse:
    response = request.app.state.templates.TemplateResponse(
        request, "error.html", {"title": heading, "heading": heading, "message": message}, status_code=status_code
    )
    return response


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidRequestError)  # registered for InvalidRequestError only
    if _is_api(request):
        details = {"field": exc.field, "provided": exc.provided, "expected": exc.expected}
        return api.error_response(400, "INVALID_REQUEST", str(exc), details)
    return _page(request, 400, "Bad request", str(exc))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # registered for RequestValidationError only
    first = exc.errors()[0] if exc.errors() else {}
    field = str(first.get("loc", ("", "request"))[-1])
    raised = InvalidRequestError(
        field, str(first.get("input", "")), f"invalid {field}: {first.get('msg', 'malformed')}", "see /docs"
    )
    return await _invalid_request(request, raised)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)  # registered for HTTPException only
    if _is_api(request):
        if exc.status_code in (404, 405):  # the original API answers an unknown route or method alike
            return api.error_response(404, "NOT_FOUND", f"Route {request.url.path} not found")
        return api.error_response(exc.status_code, "HTTP_ERROR", str(exc.detail))
    if exc.status_code == 404:
        return _page(request, 404, "Not found", f"there is no page at {request.url.path}")
    return _page(request, exc.status_code, "Request refused", str(exc.detail))


async def _database_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SQLAlchemyError)  # registered for SQLAlchemyError only
    request_id = f"req_{uuid.uuid4().hex[:12]}"
    web = WebContext.of(request)
    logger.error(
        "%s %s: reading %s failed: %s (%s)",
        request.method,
        request.url.path,
        web.database_name,
        _one_line(reason(exc)),
        request_id,
    )
    if _is_api(request):
        return api.error_response(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred", request_id=request_id)
    return _page(
        request,
        500,
        "Ratings unavailable",
        f"the ratings database cannot be read right now; try again shortly (reference {request_id})",
    )


async def _internal_error(request: Request, exc: Exception) -> Response:
    """A bug: the traceback goes to the log under a request id, the client gets the contract's 500.

    Starlette sends this answer from outside every middleware, so it gets its security headers here.
    """
    request_id = f"req_{uuid.uuid4().hex[:12]}"
    logger.error("%s %s failed (%s)", request.method, request.url.path, request_id, exc_info=exc)
    if _is_api(request):
        response = api.error_response(
            500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred", request_id=request_id
        )
    else:
        response = _page(request, 500, "Something went wrong", f"this page failed to render (reference {request_id})")
    return security.add_headers(response, request.app.state.security, request.url.path)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
