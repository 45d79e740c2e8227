"""``nba-predictions serve`` as a user runs it: a real process, its exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import DAY, ROOT

MAIN = ROOT / "main.py"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL", "CORS_"))}
    return {**env, **extra}


def _run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MAIN), *args], cwd=cwd, env=_env(**env), capture_output=True, text=True, timeout=120
    )


def _error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("nba-predictions:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


@contextmanager
def serving(
    *args: str, cwd: Path, entry: list[str] | None = None, **env: str
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``serve --port 0 ARGS`` running; yields its base URL (read from its log line) and the process."""
    command = (entry or [sys.executable, str(MAIN)]) + ["serve", "--port", "0", *args]
    proc = subprocess.Popen(command, cwd=cwd, env=_env(**env), stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for line in proc.stderr:  # ends when the process exits
            found = re.search(r"read-only on (http://127\.0\.0\.1:\d+)/", line)
            if found:
                url = found.group(1)
                break
        assert url, f"serve did not start (exit {proc.wait()})"
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(60)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_serve_answers_the_page_and_the_api_and_stops_cleanly(rated_db: Path, tmp_path: Path, stop: int) -> None:
    with serving("--database", f"sqlite:///{rated_db}", cwd=tmp_path) as (url, proc):
        health = httpx.get(f"{url}/api/v1/health").json()
        assert health["data"]["status"] == "healthy"
        listing = httpx.get(f"{url}/api/v1/predictions", params={"date": DAY.isoformat()}).json()
        assert listing["data"]["pagination"]["total"] == 11
        page = httpx.get(f"{url}/", params={"date": DAY.isoformat()})
        assert page.status_code == 200 and page.text.count('<li class="game">') == 11
        proc.send_signal(stop)
        assert proc.wait(60) == 0
        assert "stopped" in proc.stderr.read()


def _quick_start() -> tuple[str, str]:
    """The README's first screen: its run command (the first set-up line's last part) and its serve command."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    screen = text[text.index("## Quick start") : text.index("\n## ", text.index("## Quick start") + 1)]
    blocks = re.findall(r"```bash\n(.*?)```", screen, re.S)
    assert len(blocks) == 2, "the first screen: one block with the two set-up commands, one with serve"
    setup, serve = (block.strip().splitlines() for block in blocks)
    assert len(setup) == 2 and len(serve) == 1, blocks
    return setup[0].split(" && ")[-1], serve[0]


def test_the_readme_quick_start_serves_the_embedded_default(tmp_path: Path) -> None:
    """First set-up command's run, then the README's serve line (on a free port): the 11 games of 2024-01-15."""
    run, serve = _quick_start()
    assert run == "python main.py --date 2024-01-15" and serve == "python main.py serve"
    rated = _run(*run.split()[2:], "--quiet", cwd=tmp_path)
    assert rated.returncode == 0, rated.stderr
    assert (tmp_path / "data" / "nba_predictions.db").is_file()  # the default database, relative to the folder
    with serving(cwd=tmp_path) as (url, _):
        page = httpx.get(f"{url}/", params={"date": DAY.isoformat()})
        assert page.status_code == 200 and page.text.count('<li class="game">') == 11


def test_the_database_comes_from_database_url_too(rated_db: Path, tmp_path: Path) -> None:
    entry = [str(Path(sys.executable).parent / "nba-predictions")]
    with serving(cwd=tmp_path, entry=entry, DATABASE_URL=f"sqlite:///{rated_db}") as (url, _):
        assert httpx.get(f"{url}/api/v1/predictions/0022300565").status_code == 200


def test_a_missing_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = _run("serve", "--database", f"sqlite:///{tmp_path}/nothing.db", cwd=tmp_path)
    assert result.returncode == 1
    assert _error_line(result) == (
        f"nba-predictions: error: no database at {tmp_path}/nothing.db: rate some games "
        "first (nba-predictions --date 2024-01-15) or point --database / DATABASE_URL at one"
    )
    assert not (tmp_path / "nothing.db").exists()


def test_a_database_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE teams (id TEXT PRIMARY KEY)")
    conn.close()
    before = other.read_bytes()
    result = _run("serve", "--database", f"sqlite:///{other}", cwd=tmp_path)
    assert result.returncode == 1
    assert _error_line(result) == (
        f"nba-predictions: error: sqlite:///{other} is not an nba-predictions database "
        "(table teams exists without table games (the web app makes both)): point "
        "--database / DATABASE_URL at ours"
    )
    assert other.read_bytes() == before


def test_an_empty_database_and_the_web_apps_own_are_refused_with_what_to_do(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    result = _run("serve", "--database", f"sqlite:///{empty}", cwd=tmp_path)
    assert result.returncode == 1 and "has no ratings tables: rate games into it first" in _error_line(result)
    theirs = tmp_path / "theirs.db"  # the original web app's set-up, before our job ever ran
    with sqlite3.connect(theirs) as conn:
        conn.executescript(
            "CREATE TABLE teams (id TEXT PRIMARY KEY, abbreviation TEXT UNIQUE NOT NULL, name TEXT NOT NULL, "
            "conference TEXT NOT NULL CHECK (conference IN ('East', 'West')));"
            "CREATE TABLE games (id TEXT PRIMARY KEY, date TEXT NOT NULL, home_team_id TEXT NOT NULL REFERENCES "
            "teams (id), away_team_id TEXT NOT NULL REFERENCES teams (id), prediction_rating REAL, "
            "created_at DATETIME DEFAULT CURRENT_TIMESTAMP, updated_at DATETIME DEFAULT CURRENT_TIMESTAMP);"
        )
    conn.close()
    before = theirs.read_bytes()
    result = _run("serve", "--database", f"sqlite:///{theirs}", cwd=tmp_path)
    assert result.returncode == 1
    assert "is the original web app's database, not adopted yet" in _error_line(result)
    assert theirs.read_bytes() == before
    assert f"adopt it first: nba-predictions adopt --database sqlite:///{theirs}" in _error_line(result)
    adopt = _run("adopt", "--database", f"sqlite:///{theirs}", cwd=tmp_path)
    assert adopt.returncode == 0, adopt.stderr  # what the message suggests: now it is ours
    with serving("--database", f"sqlite:///{theirs}", cwd=tmp_path) as (url, _):
        assert httpx.get(f"{url}/api/v1/health").json()["data"]["status"] == "healthy"


def test_an_older_schema_is_refused_with_the_way_to_upgrade(rated_db: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    shutil.copy(rated_db, old)
    with sqlite3.connect(old) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0000'")
    conn.close()
    result = _run("serve", "--database", f"sqlite:///{old}", cwd=tmp_path)
    assert result.returncode == 1
    assert "is at schema revision '0000', this nba-predictions serves revision" in _error_line(result)
    assert f"bring it up to date first with nba-predictions adopt --database sqlite:///{old}" in _error_line(result)


def test_a_port_in_use_is_one_line_and_exit_1(rated_db: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("serve", "--port", str(port), "--database", f"sqlite:///{rated_db}", cwd=tmp_path)
    assert result.returncode == 1
    assert _error_line(result) == (
        f"nba-predictions: error: 127.0.0.1:{port} is already in use by another server: "
        "stop it, or serve on another port with --port (the original front end calls port 3001)"
    )


@pytest.mark.parametrize(
    ("args", "env", "code", "says"),
    [
        (["--port", "http"], {}, 2, "argument --port: invalid port 'http': expected a number from 0 to 65535"),
        (["--port", "70000"], {}, 2, "invalid port '70000'"),
        (["--host", "no such host.invalid"], {}, 1, "cannot listen on 'no such host.invalid'"),
        ([], {"CORS_ORIGINS": "localhost:5173"}, 2, "CORS_ORIGINS entry 'localhost:5173' is not an origin"),
    ],
)
def test_bad_options_are_one_line(
    rated_db: Path, tmp_path: Path, args: list[str], env: dict[str, str], code: int, says: str
) -> None:
    result = _run("serve", *args, "--database", f"sqlite:///{rated_db}", cwd=tmp_path, **env)
    assert result.returncode == code, result.stderr
    assert says in _error_line(result)


def test_serve_help_names_its_options(tmp_path: Path) -> None:
    result = _run("serve", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for flag in ("--host", "--port", "--database", "127.0.0.1", "3001", "CORS_ORIGINS"):
        assert flag in result.stdout


def test_the_web_server_loads_no_model_and_no_data_source(rated_db: Path, tmp_path: Path) -> None:
    """What ``serve`` imports to answer a request: no xgboost, numpy, nba_api or requests."""
    probe = (
        "import asyncio, json, sys\n"
        "import httpx\n"
        "from nba_predictions.cli import main, serve_parser\n"
        "from nba_predictions.config import Settings\n"
        "from nba_predictions.web.app import create_app\n"
        "from nba_predictions.web.database import open_read_only\n"
        "import nba_predictions.web.server\n"
        f"app = create_app(open_read_only({f'sqlite:///{rated_db}'!r}), Settings())\n"
        "async def get(url):\n"
        "    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url='http://t') as c:\n"
        "        return (await c.get(url)).status_code\n"
        "codes = [asyncio.run(get(u)) for u in ('/api/v1/predictions', '/?date=2024-01-15', '/best')]\n"
        "print(json.dumps([codes, sorted({m.split('.')[0] for m in sys.modules})]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    codes, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert codes == [200, 200, 200]
    heavy = set(modules) & {"xgboost", "numpy", "pandas", "scipy", "nba_api", "requests", "matplotlib"}
    assert not heavy, f"the web server imported {sorted(heavy)}"
