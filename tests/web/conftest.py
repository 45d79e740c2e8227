"""Fixtures of the web tests: rated databases, the app on a real loopback server, the original web app.

The server is our application on uvicorn in a background thread, on a port the OS picks; tests
talk to it over real HTTP with httpx.  Everything that needs the original web app
(``../shared/webapp``, see :mod:`tests.webapp`) skips when it is absent, as from a user's clone.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from nba_predictions.config import Settings
from tests.services import service_missing
from tests.web.port_proxy import PortProxy, port_proxy

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2024, 1, 15)  # 11 completed games in the archive


# -- rated databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def rated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where our real pipeline rated 2024-01-15: ``ratings.db`` and ``predictions.json``.

    Shared by the session: never write to it (copy it).  The ratings are whatever the shipped
    model gives; tests compare against what was stored, never against fixed values.
    """
    folder = tmp_path_factory.mktemp("rated")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--date",
            DAY.isoformat(),
            "--database",
            f"sqlite:///{folder / 'ratings.db'}",
            "--output",
            str(folder / "predictions.json"),
            "--quiet",
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture(scope="session")
def rated_db(rated: Path) -> Path:
    """The 11 rated games of 2024-01-15, as our pipeline stored them."""
    return rated / "ratings.db"


@pytest.fixture(scope="session")
def final_scores(rated: Path) -> dict[str, tuple[int, int]]:
    """game id -> (home, away) final score, from the run's predictions document: what must never show."""
    document = json.loads((rated / "predictions.json").read_text())
    return {
        p["game_id"]: (p["raw_data"]["home_team_score"], p["raw_data"]["away_team_score"])
        for p in document["predictions"]
    }


@pytest.fixture(scope="session")
def stored_games(rated_db: Path) -> list[dict]:
    """What the database holds for 2024-01-15, read with plain sqlite3 (the tests' reference)."""
    conn = sqlite3.connect(rated_db)
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        "SELECT g.id, g.date, g.prediction_rating AS rating, h.abbreviation AS home, a.abbreviation AS away "
        "FROM games g JOIN teams h ON h.id = g.home_team_id JOIN teams a ON a.id = g.away_team_id "
        "WHERE g.date = ? ORDER BY g.id",
        (DAY.isoformat(),),
    ).fetchall()
    conn.close()
    return [dict(r) for r in rows]


# -- our server --------------------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    port: int
    engine: object = None  # the app's read-only engine (tests listen to its statements)


def _import_anyio_now() -> None:
    """Resolve anyio's lazily imported names in the test's own thread, before a server thread needs them.

    anyio (Starlette's async layer) imports its parts on first use, and anyio is a pytest plugin, so
    pytest's assertion rewriter parses each part as it is imported. A server thread's first file
    response (``anyio.open_file``) then ran ``ast.parse`` beside the test's thread, and CPython 3.11's
    AST conversion keeps its recursion depth in global state: "SystemError: AST constructor recursion
    depth mismatch", a 500 and a dropped connection (seen once in CI for /docs-assets). Importing them
    all here, in one thread, leaves nothing to parse concurrently.
    """
    import anyio

    for name in dir(anyio):
        if not name.startswith("_"):
            getattr(anyio, name)


def start_server(app, host: str = "127.0.0.1") -> tuple[LiveServer, Callable[[], None]]:
    """Run ``app`` on uvicorn in a thread on a free port; returns the server and its stop function."""
    import uvicorn

    _import_anyio_now()

    sock = socket.socket()
    sock.bind((host, 0))
    config = uvicorn.Config(app, log_config=None, lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    ready = threading.Event()

    def watch() -> None:
        while not server.started and thread.is_alive():
            ready.wait(0.02)
        ready.set()

    threading.Thread(target=watch, daemon=True).start()
    assert ready.wait(60) and server.started, "the test server did not start"
    port = sock.getsockname()[1]

    def stop() -> None:
        server.should_exit = True
        thread.join(30)
        sock.close()

    return LiveServer(f"http://{host}:{port}", port), stop


@pytest.fixture
def serve_app() -> Iterator[Callable[..., LiveServer]]:
    """``serve_app(database_path, settings=None, default_day=None)``: our app on a live server."""
    from nba_predictions.web.app import create_app
    from nba_predictions.web.database import open_read_only

    stops: list[Callable[[], None]] = []

    def serve(path: Path | str, settings: Settings | None = None, default_day: date | None = None) -> LiveServer:
        url = path if isinstance(path, str) else f"sqlite:///{path}"
        engine = open_read_only(url)
        extra = {"default_day": (lambda: default_day)} if default_day else {}
        live, stop = start_server(create_app(engine, settings or Settings(), **extra))
        live.engine = engine
        stops.append(stop)
        stops.append(engine.dispose)
        return live

    yield serve
    for stop in stops:
        stop()


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, rated_db: Path) -> Iterator[LiveServer]:
    """Our app on the session's rated database, default date 2024-01-15."""
    from nba_predictions.web.app import create_app
    from nba_predictions.web.database import open_read_only

    engine = open_read_only(f"sqlite:///{rated_db}")
    server, stop = start_server(create_app(engine, Settings(), default_day=lambda: DAY))
    server.engine = engine
    yield server
    stop()
    engine.dispose()


@pytest.fixture
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


# -- the original web app (../shared/webapp, see tests.webapp) --------------------------------------


@pytest.fixture(scope="session")
def front_end_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The original front end's built files (index.html, assets/), unpacked unchanged."""
    from tests.webapp import FRONT_END, require

    target = require(FRONT_END, tmp_path_factory.mktemp("fe"))
    assert (target / "index.html").is_file()
    return target


@pytest.fixture(scope="session")
def node_api_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.webapp import API_RUNTIME, require

    return require(API_RUNTIME, tmp_path_factory.mktemp("node-api"))


def copy_with_games(source: Path, target: Path, games: list[tuple[str, str, str, str, float | None]]) -> Path:
    """A copy of ``source`` with more rated games ``(game_id, YYYY-MM-DD, home, away, rating)``."""
    shutil.copy(source, target)
    with sqlite3.connect(target) as conn:
        ids = dict(conn.execute("SELECT abbreviation, id FROM teams"))
        conn.executemany(
            "INSERT INTO games (id, date, home_team_id, away_team_id, prediction_rating) VALUES (?, ?, ?, ?, ?)",
            [(gid, day, ids[home], ids[away], rating) for gid, day, home, away, rating in games],
        )
    conn.close()
    return target


# -- the browser (Debian's Chromium through Playwright; tests marked ``browser``) ----------------------

CHROMIUM = os.environ.get("NBA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(reason: str) -> None:
    service_missing("the browser tests", reason)


@pytest.fixture(scope="session")
def proxy() -> Iterator[PortProxy]:
    with port_proxy() as running:
        yield running


@pytest.fixture(scope="session")
def browser(proxy: PortProxy):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed: pip install -e '.[test]'")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set NBA_CHROMIUM)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + proxy.chromium_args)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = (
        Path(os.environ["NBA_SCREENSHOT_DIR"])
        if os.environ.get("NBA_SCREENSHOT_DIR")
        else tmp_path_factory.mktemp("screenshots")
    )
    target.mkdir(parents=True, exist_ok=True)
    return target
