"""Fixtures of the web tests: rated databases, the app on a real loopback server, the original web app.

The server is our application on uvicorn in a background thread, on a port the OS picks; tests
talk to it over real HTTP with httpx.  Everything that needs the original web app
(``../shared/webapp``) skips when it is absent, as it is from a user's clone.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import tarfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from nba_predictions import teams as nba_teams
from nba_predictions.config import Settings
from nba_predictions.storage.schema import SCHEMA_REVISION

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2024, 1, 15)  # 11 completed games in the archive
PREDICTIONS = ROOT / "tests" / "fixtures" / "documents" / "predictions_2024-01-15.json"
WEBAPP_ENV = "NBA_WEBAPP_DIR"


# -- rated databases -------------------------------------------------------------------------------


def standin_database(path: Path) -> Path:
    """A database at the target schema's front-end tables, filled from the predictions fixture."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY);
        CREATE TABLE teams (id TEXT PRIMARY KEY, abbreviation TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
                            conference TEXT NOT NULL CHECK (conference IN ('East', 'West')));
        CREATE TABLE games (id TEXT PRIMARY KEY, date TEXT NOT NULL, home_team_id TEXT NOT NULL REFERENCES teams (id),
                            away_team_id TEXT NOT NULL REFERENCES teams (id), prediction_rating REAL,
                            created_at DATETIME DEFAULT CURRENT_TIMESTAMP, updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
                            season TEXT, classification TEXT, model_version TEXT, predicted_at DATETIME);
        CREATE INDEX idx_games_date ON games (date);
        CREATE TABLE game_details (game_id TEXT PRIMARY KEY REFERENCES games (id), features JSON NOT NULL,
                                   explanation JSON NOT NULL);
        """
    )
    conn.execute("INSERT INTO alembic_version VALUES (?)", (SCHEMA_REVISION,))
    for team_id in nba_teams.team_ids():
        team = nba_teams.team(team_id)
        conn.execute("INSERT INTO teams VALUES (?, ?, ?, ?)", (str(team_id), team.abbreviation, team.name, team.conference))
    document = json.loads(PREDICTIONS.read_text())
    for p in document["predictions"]:
        raw = p["raw_data"]
        conn.execute("INSERT INTO games (id, date, home_team_id, away_team_id, prediction_rating, season, classification) "
                     "VALUES (?, ?, ?, ?, ?, '2023-24', ?)",
                     (p["game_id"], raw["date"], str(raw["home_team_id"]), str(raw["away_team_id"]), p["rating"],
                      p["classification"]))
        conn.execute("INSERT INTO game_details VALUES (?, ?, ?)",
                     (p["game_id"], json.dumps(p["features"]), json.dumps(p["top_features"])))
    conn.commit()
    conn.close()
    return path


@pytest.fixture(scope="session")
def rated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 11 rated games of 2024-01-15 (shared by the session: never write to it)."""
    return standin_database(tmp_path_factory.mktemp("rated") / "ratings.db")


@pytest.fixture(scope="session")
def stored_games(rated_db: Path) -> list[dict]:
    """What the database holds for 2024-01-15, read with plain sqlite3 (the tests' reference)."""
    conn = sqlite3.connect(rated_db)
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        "SELECT g.id, g.date, g.prediction_rating AS rating, h.abbreviation AS home, a.abbreviation AS away "
        "FROM games g JOIN teams h ON h.id = g.home_team_id JOIN teams a ON a.id = g.away_team_id "
        "WHERE g.date = ? ORDER BY g.id", (DAY.isoformat(),)).fetchall()
    conn.close()
    return [dict(r) for r in rows]


# -- our server --------------------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    port: int
    engine: object = None  # the app's read-only engine (tests listen to its statements)


def start_server(app, host: str = "127.0.0.1") -> tuple[LiveServer, Callable[[], None]]:  # noqa: ANN001
    """Run ``app`` on uvicorn in a thread on a free port; returns the server and its stop function."""
    import uvicorn

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


# -- the original web app (../shared/webapp) --------------------------------------------------------


def find_webapp() -> Path | None:
    """``$NBA_WEBAPP_DIR``, else ``shared/webapp`` beside the checkout or one of its parents."""
    if os.environ.get(WEBAPP_ENV):
        found = Path(os.environ[WEBAPP_ENV])
        return found if (found / "fe-dist.tar.gz").is_file() else None
    for parent in ROOT.parents:
        candidate = parent / "shared" / "webapp"
        if (candidate / "fe-dist.tar.gz").is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def webapp() -> Path:
    found = find_webapp()
    if found is None:
        pytest.skip(f"the original web app is not here (../shared/webapp, or set {WEBAPP_ENV}); "
                    "a user's clone does not have it")
    return found


@pytest.fixture(scope="session")
def front_end_files(webapp: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The original front end's built files (index.html, assets/), unpacked unchanged."""
    target = tmp_path_factory.mktemp("fe")
    with tarfile.open(webapp / "fe-dist.tar.gz") as archive:
        archive.extractall(target, filter="data")
    assert (target / "index.html").is_file()
    return target


@pytest.fixture(scope="session")
def node_api_files(webapp: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("node") is None:
        pytest.skip("node is not installed (apt-get install nodejs): the original API cannot run")
    target = tmp_path_factory.mktemp("node-api")
    with tarfile.open(webapp / "api-runtime.tar.gz") as archive:
        archive.extractall(target, filter="data")
    assert (target / "dist" / "server.js").is_file()
    return target


def start_node_api(files: Path, database: Path, workdir: Path) -> tuple[str, Callable[[], None]]:
    """The original web API (Node) on ``database``; its base URL and its stop function.

    Production mode (it creates nothing), rate limit lifted (tests and benchmarks send more than
    its default 100 requests per 15 minutes).  In production it logs only to LOG_FILE, so that is
    the log :func:`tests.services.spawn` watches.  It cannot bind port 0: a free port is picked
    and the start retried if another process took it meanwhile.
    """
    from tests.services import free_port, spawn

    log = workdir / "node-api.log"
    env = {**os.environ, "DB_PATH": str(database), "NODE_ENV": "production", "RATE_LIMIT_MAX_REQUESTS": "100000000",
           "LOG_LEVEL": "info", "LOG_FILE": str(log)}
    problem = ""
    for _ in range(5):
        port = free_port()
        try:
            service = spawn("node-api", ["node", str(files / "dist" / "server.js")], log, ready=r"running on port \d+",
                            env={**env, "PORT": str(port)}, cwd=workdir)
        except RuntimeError as exc:
            problem = str(exc)
            continue
        return f"http://127.0.0.1:{port}", service.stop
    raise AssertionError(f"the original web API did not start: {problem}")


def copy_with_games(source: Path, target: Path, games: list[tuple[str, str, str, str, float]]) -> Path:
    """A copy of ``source`` with more rated games ``(game_id, YYYY-MM-DD, home, away, rating)``."""
    shutil.copy(source, target)
    with sqlite3.connect(target) as conn:
        ids = dict(conn.execute("SELECT abbreviation, id FROM teams"))
        conn.executemany("INSERT INTO games (id, date, home_team_id, away_team_id, prediction_rating) VALUES (?, ?, ?, ?, ?)",
                         [(gid, day, ids[home], ids[away], rating) for gid, day, home, away, rating in games])
    conn.close()
    return target
