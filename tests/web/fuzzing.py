"""The web fuzzer's parts: the app's routes as the app itself lists them, hostile values, the checks.

:func:`surface` reads the routes from the app (its OpenAPI document for the API, including any
POST route with a JSON body, its other GET routes for the pages, its mounts for the static
files), so a route added later is fuzzed without touching the tests.  :func:`check` is what
every answer must satisfy, whatever was sent: below 500, no traceback or internal name, the
security headers, no file from outside the static folders, API errors in the original API's
error shape, injected markup never echoed raw into a page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from nba_predictions.web import api, contract

PAGE_FIELDS = (
    "date",
    "team",
    "teams",
    "spoilers",
    "order",
    "mine",
    "reveal",
    "remember",
    "tz",
)  # the pages' query string (not in the OpenAPI document)
SCRIPT = "<script>alert(1)</script>"
# Hostile values: traversal, NUL, oversized, SQL and template injection, unicode, numbers and dates
# out of every range, header injection.  Sent to every parameter of every route.
NASTY = [
    "../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "....//....//etc/passwd",
    "..\\..\\app.py",
    "/etc/passwd",
    "../app.py",
    "../templates/base.html",
    "\x00",
    "2024-01-15\x00",
    "LAL\x00",
    "%00",
    "%ff%fe",
    "x" * 10240,
    "9" * 5000,
    "' OR '1'='1",
    "1; DROP TABLE games;--",
    '"',
    "\\",
    SCRIPT,
    "{{7*7}}",
    "${7*7}",
    "\r\nSet-Cookie: x=1",
    "\u202eLAL",
    "LAL\u0301",
    "\U0001f3c0",
    "\u0665",  # ARABIC-INDIC DIGIT FIVE
    "\u0662\u0660\u0662\u0664-\u0660\u0661-\u0661\u0665",  # 2024-01-15 in Arabic-Indic digits
    "\uff12\uff10\uff12\uff14-\uff10\uff11-\uff11\uff15",  # 2024-01-15 in full-width digits
    "",
    " ",
    "-1",
    "0",
    "+5",
    "2.5",
    "1e309",
    "NaN",
    "-99999999999999999999",
    "99999999999999999999",
    "2147483648",
    "2024-02-30",
    "2023-02-29",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "99999-01-01",
    "2024-13-01",
    "2024-1-5",
    "2024-01-15T00:00:00",
    "lal",
    "LAKERS",
    "0022300565",
]
TRACEBACK = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|sqlalchemy\.|sqlite3\.|psycopg\.|"
    r"starlette\.|fastapi\.|nba_predictions\.|/site-packages/|root:x:0:0"
)


@dataclass
class Surface:
    """What can be asked of the app: query routes, path-parameter routes, mounts, routes with bodies."""

    query_routes: list[str] = field(default_factory=list)  # GET paths without path parameters
    field_names: list[str] = field(default_factory=list)  # every query parameter name any route reads
    path_routes: list[str] = field(default_factory=list)  # GET paths with {parameters}
    mounts: dict[str, Path] = field(default_factory=dict)  # prefix -> folder served
    body_routes: list[tuple[str, str, dict]] = field(default_factory=list)  # (method, path, JSON schema)
    schemas: dict = field(default_factory=dict)  # the OpenAPI document's components.schemas


def surface(app: FastAPI) -> Surface:
    found = Surface()
    document = app.openapi()
    found.schemas = document.get("components", {}).get("schemas", {})
    names = set(PAGE_FIELDS)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            names.update(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if method != "get":
                found.body_routes.append((method.upper(), path, body or {}))
            elif "{" in path:
                found.path_routes.append(path)
            else:
                found.query_routes.append(path)
    for path, methods, in_schema in _flat_routes(app):
        if in_schema or methods is None or "GET" not in methods:
            continue
        routes = found.path_routes if "{" in path else found.query_routes
        if path not in routes:
            routes.append(path)
    for route in app.routes:
        if isinstance(route, Mount) and route.app is not None and hasattr(route.app, "directory"):
            found.mounts[route.path] = Path(str(route.app.directory))
    found.field_names = sorted(names)
    return found


def _flat_routes(app: FastAPI) -> Iterator[tuple[str, set[str] | None, bool]]:
    """(path, methods, in the OpenAPI document) of every route, included routers' routes too.

    FastAPI 0.150 keeps an included router as one entry whose routes are its
    ``effective_route_contexts()``; earlier versions copy the routes into ``app.routes``.
    """
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for context in contexts():
                yield context.path, context.methods, bool(context.include_in_schema)
        elif isinstance(route, Route):
            yield route.path, route.methods, isinstance(route, APIRoute) and route.include_in_schema


def fill(path: str, value: str) -> str:
    """``path`` with each ``{parameter}`` replaced by ``value``, percent-encoded (a ``/`` in it too)."""
    return re.sub(r"\{[^}]+\}", quote(value, safe=""), path)


def sample_body(schema: dict, schemas: dict, value: object) -> object:
    """A JSON body shaped like ``schema`` with ``value`` in every leaf (a string, a number, null …)."""
    if "$ref" in schema:
        return sample_body(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas, value)
    if schema.get("type") == "object" or "properties" in schema:
        return {name: sample_body(sub, schemas, value) for name, sub in schema.get("properties", {}).items()}
    if schema.get("type") == "array":
        return [sample_body(schema.get("items", {}), schemas, value)]
    return value


def check(response: httpx.Response, sent: str, surface_: Surface) -> None:
    """Every rule an answer must keep, whatever was asked (``sent`` names the request in messages)."""
    where = f"{response.request.method} {sent[:200]!r} -> {response.status_code}"
    assert response.status_code < 500, f"{where}: {response.text[:300]}"
    assert response.headers.get("x-content-type-options") == "nosniff", where
    assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), where
    assert response.headers.get("x-frame-options") == "DENY", where
    assert "referrer-policy" in response.headers, where
    text = response.content.decode("utf-8", errors="replace")
    leaked = TRACEBACK.search(text)
    assert leaked is None, f"{where}: the answer shows {leaked.group(0)!r}"
    path = response.request.url.path
    for prefix, folder in surface_.mounts.items():
        if path.startswith(prefix + "/") and response.status_code == 200:
            served = {f.read_bytes() for f in folder.rglob("*") if f.is_file()}
            assert response.content in served, f"{where}: a file from outside {folder} was served"
    if path == api.PREFIX or path.startswith(api.PREFIX + "/") or response.status_code == 413:
        assert response.headers["content-type"].startswith("application/json"), where
        if response.status_code >= 400:
            contract.ErrorEnvelope.model_validate(json.loads(text))  # the original API's error shape
    elif response.status_code >= 400 and not any(path.startswith(p + "/") for p in surface_.mounts):
        assert response.headers["content-type"].startswith("text/html"), where
    if response.headers.get("content-type", "").startswith("text/html"):
        assert SCRIPT not in text, f"{where}: injected markup is in the page unescaped"
