"""The OpenAPI docs at ``/docs``, with Swagger UI served by this server instead of a CDN.

FastAPI's default ``/docs`` page loads Swagger UI's script and style sheet from cdn.jsdelivr.net,
so it is a blank page on a machine without internet (a deployment behind a firewall, these
build machines). The ``fastapi-offline`` package (part of the ``web`` extra) ships those files;
they are served from ``/docs-assets`` and the page is FastAPI's own Swagger UI page pointing at
them. The page keeps no state and sends no request outside this server.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def swagger_ui_files() -> Path:
    """The folder with ``swagger-ui-bundle.js``, ``swagger-ui.css`` and ``favicon.png``."""
    return Path(str(files("fastapi_offline") / "static"))


def add_docs(app: FastAPI) -> str:
    """Serve ``/docs`` (the app must be created with ``docs_url=None``) from local files.

    Returns the page's HTML, whose one inline script (Swagger UI's set-up) the page's
    Content-Security-Policy allows by its hash (see :mod:`.security`).
    """
    app.mount(ASSETS, StaticFiles(directory=swagger_ui_files()), name="docs-assets")
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} - API docs",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
    )
    html = bytes(page.body).decode()

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html)

    return html
