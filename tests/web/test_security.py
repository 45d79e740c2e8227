"""Security headers on every answer, the request body limit, and forwarded headers from trusted proxies only.

Over real HTTP: the app on uvicorn in a thread (headers, body limit), and ``nba-predictions
serve`` as a process for the trusted proxies (uvicorn's own forwarded-header handling, configured
by ``NBA_TRUSTED_PROXIES``).  The browser test checks that the policies let /docs (Swagger UI)
and our page render in Chromium with no violation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel

from nba_predictions.config import Settings
from nba_predictions.web import contract, security
from tests.web.conftest import DAY, start_server
from tests.web.test_serve import serving

LIMIT = 2048
ANSWERS = [  # (method, path, extra headers, status): one of each kind of answer the server gives
    ("GET", f"/?date={DAY}", {}, 200),
    ("GET", "/best", {}, 200),
    ("GET", "/?date=2024-02-30", {}, 400),
    ("GET", "/nowhere", {}, 404),
    ("POST", "/", {}, 405),
    ("GET", "/api/v1/health", {}, 200),
    ("GET", "/api/v1/predictions?limit=0", {}, 400),
    ("GET", "/api/v1/predictions/0022399999", {}, 404),
    ("GET", "/api/v1/nothing", {}, 404),
    ("GET", "/static/style.css", {}, 200),
    ("GET", "/static/missing.css", {}, 404),
    ("GET", "/docs", {}, 200),
    ("GET", "/docs-assets/swagger-ui.css", {}, 200),
    ("GET", "/openapi.json", {}, 200),
    (
        "OPTIONS",
        "/api/v1/predictions",
        {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"},
        200,
    ),
    ("POST", "/api/v1/echo", {"content-length": str(LIMIT + 1)}, 413),
    ("GET", "/api/v1/boom", {}, 500),
    ("GET", "/boom", {}, 500),
]


class Note(BaseModel):
    text: str


@pytest.fixture(scope="module")
def guarded(rated_db: Path) -> Iterator[str]:
    """Our app with a body limit of LIMIT bytes, plus test routes: an echo of a POST body and two bugs."""
    from nba_predictions.web.app import create_app
    from nba_predictions.web.database import open_read_only

    engine = open_read_only(f"sqlite:///{rated_db}")
    app = create_app(engine, Settings(web_max_body_bytes=LIMIT), default_day=lambda: DAY)

    @app.post("/api/v1/echo")
    def echo(note: Note) -> dict:
        return {"length": len(note.text)}

    @app.get("/api/v1/boom")
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a planted bug")

    live, stop = start_server(app)
    yield live.url
    stop()
    engine.dispose()


@pytest.mark.parametrize(("method", "path", "headers", "status"), ANSWERS, ids=[f"{a[0]} {a[1]}" for a in ANSWERS])
def test_every_kind_of_answer_has_the_security_headers(
    guarded: str, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    content = b"x" * (LIMIT + 1) if status == 413 else None
    answer = httpx.request(method, guarded + path, headers=headers, content=content, timeout=30)
    assert answer.status_code == status, answer.text[:300]
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy and "base-uri 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"
    if status >= 500:
        assert "Traceback" not in answer.text and "planted" not in answer.text


def test_only_the_docs_page_may_run_its_one_inline_script(guarded: str) -> None:
    page = httpx.get(guarded + "/?date=2024-01-15")
    assert "script-src 'self';" in page.headers["content-security-policy"]
    docs = httpx.get(guarded + "/docs")
    inline = security.script_hashes(docs.text)
    assert len(inline) == 1
    assert f"script-src 'self' {inline[0]};" in docs.headers["content-security-policy"]


def test_a_body_over_the_limit_is_413_in_the_api_shape_and_one_within_reaches_the_app(guarded: str) -> None:
    within = httpx.post(guarded + "/api/v1/echo", json={"text": "y" * (LIMIT - 100)})
    assert within.status_code == 200 and within.json() == {"length": LIMIT - 100}
    for sent in ({"content": b'{"text": "' + b"y" * LIMIT + b'"}'}, {"content": iter([b"y" * 1000] * 5)}):
        refused = httpx.post(guarded + "/api/v1/echo", headers={"content-type": "application/json"}, **sent)
        assert refused.status_code == 413
        error = contract.ErrorEnvelope.model_validate_json(refused.content).error
        assert error.code == "PAYLOAD_TOO_LARGE" and str(LIMIT) in error.message


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("limit=%D9%A5", "invalid limit '\u0665'"),  # ARABIC-INDIC DIGIT FIVE is not 5 here
        ("date=9999-12-31", "expected a date from 1900-01-01 to 2999-12-31"),
        ("date=0001-01-01", "expected a date from 1900-01-01 to 2999-12-31"),
    ],
)
def test_digits_are_ascii_and_dates_in_range(guarded: str, query: str, says: str) -> None:
    for path in ("/api/v1/predictions", *(("/best", "/") if query.startswith("date") else ())):
        answer = httpx.get(f"{guarded}{path}?{query}")
        assert answer.status_code == 400, (path, answer.text[:200])
        if path.startswith("/api"):
            assert says in answer.json()["error"]["message"]


# -- forwarded headers: a real `serve` process ---------------------------------------------------------


def _client_seen(url: str, proc, forwarded: dict[str, str]) -> tuple[str, str]:
    """(the client address in the access log line, the scheme in a slash redirect's Location)."""
    answer = httpx.get(f"{url}/best/", headers=forwarded, follow_redirects=False)
    assert answer.status_code in (307, 308), answer.text[:200]
    httpx.get(f"{url}/api/v1/health?mark=1", headers=forwarded)
    for line in proc.stderr:
        if "/api/v1/health?mark=1" in line:
            found = re.search(r"(\S+):\d+ - \"GET", line)
            assert found, line
            return found.group(1), answer.headers["location"].split(":", 1)[0]
    raise AssertionError("no access log line")


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


@pytest.mark.parametrize(
    ("trusted", "environment", "client", "scheme"),
    [
        (None, {"FORWARDED_ALLOW_IPS": "*"}, "127.0.0.1", "http"),  # none trusted, whatever uvicorn's variable says
        ("10.0.0.1,192.168.0.0/16", {}, "127.0.0.1", "http"),  # the loopback peer is not a listed proxy
        ("127.0.0.1", {}, "203.0.113.7", "https"),
        ("10.0.0.0/8,127.0.0.0/8", {}, "203.0.113.7", "https"),
    ],
    ids=["none", "others", "loopback", "networks"],
)
def test_forwarded_headers_are_believed_only_from_trusted_proxies(
    rated_db: Path, tmp_path: Path, trusted: str | None, environment: dict[str, str], client: str, scheme: str
) -> None:
    env = {**environment, **({"NBA_TRUSTED_PROXIES": trusted} if trusted else {})}
    with serving("--database", f"sqlite:///{rated_db}", cwd=tmp_path, **env) as (url, proc):
        assert _client_seen(url, proc, FORWARDED) == (client, scheme)


def test_a_bad_trusted_proxy_entry_is_one_line(rated_db: Path, tmp_path: Path) -> None:
    from tests.web.test_serve import _error_line, _run

    result = _run("serve", "--database", f"sqlite:///{rated_db}", cwd=tmp_path, NBA_TRUSTED_PROXIES="10.0.0.1/8")
    assert result.returncode == 2, result.stderr
    assert "NBA_TRUSTED_PROXIES entry '10.0.0.1/8' is not an IP address or network" in _error_line(result)


# -- the policies in a browser -------------------------------------------------------------------------


@pytest.mark.browser
def test_the_docs_and_our_page_render_under_their_policies(guarded: str, browser) -> None:
    # The session's one Chromium (tests/web/conftest.py): a second sync Playwright started in a
    # test would find the first one's event loop running in this thread.
    context = browser.new_context()
    try:
        page = context.new_page()
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(guarded + "/docs")
        page.wait_for_selector(".opblock", timeout=60_000)
        assert page.locator(".opblock").count() >= 3  # health, the listing, one game
        page.goto(f"{guarded}/?date={DAY}")
        assert page.locator("li.game").count() == 11
        assert refused == [], refused
    finally:
        context.close()
