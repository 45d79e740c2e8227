"""Every route and parameter under hostile input: a 4xx in the right shape, never a 500 or a leak.

The routes come from the app itself (:func:`tests.web.fuzzing.surface`): the API's OpenAPI
document (any POST route in it too, e.g. votes once they exist), the other GET routes (the
pages, /docs, /openapi.json) and the static mounts.  Each hostile value of
:data:`~tests.web.fuzzing.NASTY` goes to each parameter of each route (a fixed sweep), then
Hypothesis combines parameters and values (derandomized, a fixed number of examples, so CI time
is the same each run).  Requests go over real HTTP to uvicorn on loopback; the raw-socket tests
send what no HTTP client library would (a literal ``../``, a NUL byte, bytes that are not ASCII,
a 100 KB request line).  :func:`tests.web.fuzzing.check` is what every answer must satisfy.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from nba_predictions.config import Settings
from nba_predictions.web import contract
from tests.web import test_postgres
from tests.web.conftest import DAY, start_server
from tests.web.fuzzing import NASTY, Surface, check, fill, sample_body, surface

BODY_LIMIT = 4096
METHODS = ("POST", "PUT", "PATCH", "DELETE")
JSON = {"content-type": "application/json"}
FUZZ = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class Target:
    client: httpx.Client
    surface: Surface
    port: int


def _serve(app) -> Iterator[Target]:
    live, stop = start_server(app)
    try:
        with httpx.Client(base_url=live.url, timeout=60) as client:
            yield Target(client, surface(app), live.port)
    finally:
        stop()


def _app(database: Path | str):
    from nba_predictions.web.app import create_app
    from nba_predictions.web.database import open_read_only

    engine = open_read_only(database if isinstance(database, str) else f"sqlite:///{database}")
    return create_app(engine, Settings(web_max_body_bytes=BODY_LIMIT), default_day=lambda: DAY), engine


@pytest.fixture(scope="module")
def target(rated_db: Path) -> Iterator[Target]:
    app, engine = _app(rated_db)
    yield from _serve(app)
    engine.dispose()


# -- the sweeps (shared with the test that plants bugs) ------------------------------------------------


def _collect(failures: list[str], target: Target, sent: str, method: str, url: str, **options: Any) -> None:
    """Send one request; a broken rule or a dropped connection is added to ``failures``."""
    try:
        check(target.client.request(method, url, **options), sent, target.surface)
    except AssertionError as failed:
        failures.append(str(failed).splitlines()[0])
    except httpx.TransportError as dropped:  # the server closed the connection: it met an exception
        failures.append(f"{sent[:200]!r} -> 500 or worse: the connection dropped ({dropped!r})")


def sweep_queries(target: Target, routes: list[str] | None = None) -> list[str]:
    failures: list[str] = []
    for route in target.surface.query_routes if routes is None else routes:
        for name in [*target.surface.field_names, "unknown"]:
            for value in NASTY:
                _collect(failures, target, f"{route}?{name}", "GET", route, params={name: value})
    return failures


def sweep_paths(target: Target) -> list[str]:
    failures: list[str] = []
    for route in target.surface.path_routes:
        for value in NASTY:
            path = fill(route, value)
            _collect(failures, target, path, "GET", path)
    for prefix in target.surface.mounts:
        for value in NASTY:
            kept_slashes = quote(value, safe="/%").replace("../", "%2e%2e/")  # the folders stay folders
            for path in (f"{prefix}/{kept_slashes}", fill(f"{prefix}/{{file}}", value)):
                _collect(failures, target, path, "GET", path)
    return failures


def sweep_bodies(target: Target) -> list[str]:
    """Every route with a body (from the OpenAPI document): bodies of every hostile leaf, malformed JSON."""
    failures: list[str] = []
    for method, route, schema in target.surface.body_routes:
        path = fill(route, "0022300565")
        leaves: list[object] = [*NASTY, None, -1, 2**63, 1e308, True, [], {}]
        for leaf in leaves:
            body = json.dumps(sample_body(schema, target.surface.schemas, leaf))
            _collect(failures, target, f"{method} {path} {body[:80]}", method, path, content=body, headers=JSON)
        for raw, kind in ((b"{", "application/json"), (b"\xff\xfe", "application/json"), (b"a=1", "text/plain")):
            _collect(
                failures, target, f"{method} {path} {raw!r}", method, path, content=raw, headers={"content-type": kind}
            )
    return failures


# -- the sweeps over our app ---------------------------------------------------------------------------


def test_the_surface_is_read_from_the_app(target: Target) -> None:
    found = target.surface
    assert {"/", "/best", "/docs", "/openapi.json", "/api/v1/health", "/api/v1/predictions"} <= set(found.query_routes)
    assert "/api/v1/predictions/{game_id}" in found.path_routes
    assert {"/static", "/docs-assets"} <= set(found.mounts)
    assert {"date", "team", "limit", "offset"} <= set(found.field_names)


def test_every_hostile_value_in_every_query_parameter_of_every_route(target: Target) -> None:
    failures = sweep_queries(target)
    assert not failures, f"{len(failures)} bad answers, e.g.\n" + "\n".join(failures[:10])


def test_every_hostile_value_in_every_path_parameter_and_static_path(target: Target) -> None:
    failures = sweep_paths(target)
    assert not failures, f"{len(failures)} bad answers, e.g.\n" + "\n".join(failures[:10])


def test_every_route_with_a_body_and_every_method_on_the_others(target: Target) -> None:
    failures = sweep_bodies(target)
    for route in [*target.surface.query_routes, *(fill(r, "x") for r in target.surface.path_routes)]:
        for method in METHODS:
            for body in (b"", b'{"rating": 100}', b"x" * (BODY_LIMIT + 1)):
                _collect(failures, target, f"{method} {route}", method, route, content=body)
    assert not failures, f"{len(failures)} bad answers, e.g.\n" + "\n".join(failures[:10])


VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2024-01-15", "LAL", "lal", "BOS", "5", "0", "100", "101"]),
    st.tuples(st.sampled_from(NASTY), st.text(max_size=10)).map("".join),
)


@FUZZ
@given(data=st.data())
def test_random_combinations_of_parameters(target: Target, data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(target.surface.query_routes), label="route")
    names = st.sampled_from([*target.surface.field_names, "x", "DATE", "limit[]"])
    pairs = data.draw(st.lists(st.tuples(names, VALUES), max_size=4), label="query")
    check(target.client.get(route, params=pairs), f"{route} {pairs}", target.surface)


@FUZZ
@given(value=VALUES)
def test_random_values_in_path_parameters(target: Target, value: str) -> None:
    for route in target.surface.path_routes:
        path = fill(route, value)
        check(target.client.get(path), path, target.surface)


pg_rated = test_postgres.pg_rated  # the 11 games of 2024-01-15 rated into a fresh PostgreSQL database


@pytest.mark.postgres
def test_the_sweeps_on_postgres(pg_rated: str) -> None:
    """PostgreSQL refuses what SQLite takes (a NUL byte in a text parameter): no hostile value reaches it.

    The routes that query (the static files and the docs read no database), to keep it short.
    """
    app, engine = _app(pg_rated)
    assert engine.dialect.name == "postgresql"
    for target in _serve(app):
        querying = [r for r in target.surface.query_routes if r not in ("/docs", "/openapi.json")]
        target.surface.mounts = {}  # the static files read no database
        failures = sweep_queries(target, querying) + sweep_paths(target) + sweep_bodies(target)
        assert not failures, f"{len(failures)} bad answers, e.g.\n" + "\n".join(failures[:10])
    engine.dispose()


# -- what no HTTP library sends: raw bytes to uvicorn ---------------------------------------------------


def _raw(port: int, request: bytes) -> bytes:
    """Send ``request`` as is (with ``Connection: close`` after its request line); the whole answer."""
    line, rest = request.split(b"\r\n", 1)
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(line + b"\r\nConnection: close\r\n" + rest)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# (request, refused): a refused one must get a 4xx (or no answer); the others just no 5xx.
RAW = [
    (b"GET /static/../app.py HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /static/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /static/..%2f..%2fapp.py HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /docs-assets/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /static/%00 HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /api/v1/predictions/\x00 HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /api/v1/predictions/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /api/v1/predictions?date=\xff HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /api/v1/predictions?date=%zz HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /?team=%E2%80 HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /api/v1/predictions?team=" + b"A" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 100_000 + b"\r\n\r\n", False),
    (b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", True),
    (b"POST /api/v1/predictions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", True),
    (b"POST /api/v1/predictions HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", True),
    (b"POST /api/v1/predictions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", True),
    (
        b"POST /api/v1/predictions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"1000\r\n"
        + b"y" * 4096
        + b"\r\n1000\r\n"
        + b"y" * 4096
        + b"\r\n0\r\n\r\n",
        True,
    ),
    (b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", False),
    (b"BREW /api/v1/predictions HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /api/v1/predictions HTTP/9.9\r\nHost: x\r\n\r\n", True),
]
CHUNKED_TOO_LARGE = RAW[16][0]


@pytest.mark.parametrize(("request_bytes", "refused"), RAW, ids=range(len(RAW)))
def test_raw_requests_get_no_5xx_and_no_leak(target: Target, request_bytes: bytes, refused: bool) -> None:
    """uvicorn refuses what is not HTTP itself (a plain 400); what reaches the app gets its 4xx."""
    answer = _raw(target.port, request_bytes)
    assert answer, "the connection was closed without an answer"
    status = int(answer.split(b" ", 2)[1])
    assert status < 500 and (status >= 400 or not refused), answer[:300]
    body = answer.split(b"\r\n\r\n", 1)[-1]
    assert b"root:x:0:0" not in body and b"def create_app" not in body and b"Traceback" not in body
    if b"content-security-policy" in answer.lower():  # the app answered, not uvicorn's parser
        assert b"x-content-type-options: nosniff" in answer.lower()


def test_an_oversized_chunked_body_is_413_in_the_api_shape(target: Target) -> None:
    answer = _raw(target.port, CHUNKED_TOO_LARGE)
    head, body = answer.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 413 ")
    assert contract.ErrorEnvelope.model_validate_json(body).error.code == "PAYLOAD_TOO_LARGE"


# -- the fuzzer finds what it is for ----------------------------------------------------------------------


class Vote(BaseModel):
    game_id: str
    stars: int


def test_the_fuzzer_finds_planted_bugs_in_new_routes(rated_db: Path) -> None:
    """A GET route and a POST route added to the app that fail on hostile input: both are caught."""
    app, engine = _app(rated_db)

    @app.get("/api/v1/planted")
    def planted(team: str = "") -> dict:
        if ".." in team:
            raise RuntimeError("a bug on traversal input")
        return {}

    @app.post("/api/v1/planted-votes")
    def planted_vote(vote: Vote) -> dict:
        return {"per_star": 100 // vote.stars}  # ZeroDivisionError on 0

    for target in _serve(app):
        assert "/api/v1/planted" in target.surface.query_routes  # found in the OpenAPI document
        assert any("/api/v1/planted?team" in f and "-> 500" in f for f in sweep_queries(target, ["/api/v1/planted"]))
        assert ("POST", "/api/v1/planted-votes") in [(m, p) for m, p, _ in target.surface.body_routes]
        assert any("POST /api/v1/planted-votes" in f and "-> 500" in f for f in sweep_bodies(target))
    engine.dispose()
