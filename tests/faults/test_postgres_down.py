"""PostgreSQL stopped or restarted under a run: the run fails in one line naming the database and
the fix (exit 1, only whole chunks stored), or reconnects; the rerun ends with the same rows as an
uninterrupted run.

The server is a throw-away one of this module's own (:class:`tests.faults.postgres.ThrowawayPostgres`),
so stopping it breaks no other test.  The faults are placed by progress, never by time: the
backfill is paused (SIGSTOP) at its first "backfill storage:" line while the server stops, or a
hook inside its third storage transaction restarts the server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import MAIN
from tests.faults.postgres import ThrowawayPostgres, bindir
from tests.services import service_missing

FIRST, LAST, GAMES, CHUNK = "2024-01-01", "2024-01-20", 147, 16
TIMES = ("created_at", "updated_at", "predicted_at")
BACKFILL = ["backfill", "--start", FIRST, "--end", LAST, "--source", "archive", "--chunk-games", str(CHUNK)]
RESTART_IN_THIRD_TRANSACTION = """
import json, subprocess, sys
stop, start = json.loads(sys.argv.pop(1)), json.loads(sys.argv.pop(1))
from nba_predictions.storage import queries
real = queries.insert_new_games
calls = []
def insert_then_restart(conn, rows):
    inserted = real(conn, rows)
    calls.append(len(inserted))
    if len(calls) == 3:  # the third chunk's games are written, its transaction still open
        subprocess.run(stop, check=True, capture_output=True)
        subprocess.run(start, check=True, capture_output=True)
    return inserted
queries.insert_new_games = insert_then_restart
sys.argv = ["nba-predictions", *sys.argv[1:]]
from nba_predictions.cli import main
sys.exit(main())
"""


@pytest.fixture(scope="module")
def pg():
    if bindir() is None:
        service_missing("the PostgreSQL fault tests", "PostgreSQL is not installed: apt-get install postgresql")
    server = ThrowawayPostgres(Path(f"/tmp/nba-faults-pg-{uuid.uuid4().hex[:8]}"))  # the postgres user reaches /tmp
    try:
        yield server
    finally:
        server.close()


def env_for(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    env["DATABASE_URL"] = url
    return env


def backfill(url: str, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MAIN), *BACKFILL, *extra], cwd=cwd, env=env_for(url), capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def whole(pg, tmp_path_factory) -> str:
    """A database an uninterrupted backfill filled."""
    url = pg.new_database()
    result = backfill(url, tmp_path_factory.mktemp("whole"))
    assert result.returncode == 0, result.stderr
    return url


def rows(url: str, table: str) -> list[dict]:
    key = "game_id" if table == "game_details" else "id"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(text(f"SELECT * FROM {table} ORDER BY {key}")).mappings().all()
    finally:
        engine.dispose()
    return [{k: v for k, v in row.items() if k not in TIMES} for row in found]


def same_rows(a: str, b: str) -> None:
    for table in ("teams", "games", "game_details"):
        assert rows(a, table) == rows(b, table), table


def test_a_backfill_whose_server_stops_fails_in_one_line_and_the_rerun_completes_it(pg, whole, tmp_path):
    url = pg.new_database()
    process = subprocess.Popen(
        [sys.executable, str(MAIN), *BACKFILL], cwd=tmp_path, env=env_for(url), stderr=subprocess.PIPE, text=True
    )
    try:
        for line in process.stderr:
            if "backfill storage: " in line:  # its first chunk is stored
                process.send_signal(signal.SIGSTOP)
                pg.stop()
                process.send_signal(signal.SIGCONT)
                break
        rest = process.stderr.read()
    finally:
        process.wait(timeout=300)
        process.stderr.close()
        pg.start()
    assert process.returncode == 1, rest
    name = url.replace(url.split(":")[2].split("@")[0], "***")  # the URL with its password masked
    last = rest.strip().splitlines()[-1]
    assert last.startswith(f"nba-predictions: error: the database server of {name} cannot be reached (")
    assert last.endswith(
        "): start it, or fix DATABASE_URL, and run the same command again; "
        f"these {CHUNK} predictions were not saved (what was stored before is kept)"
    )
    password = url.split(":")[2].split("@")[0]
    assert password not in rest
    games = rows(url, "games")
    assert CHUNK <= len(games) < GAMES and len(games) % CHUNK == 0  # whole chunks only
    assert [g["id"] for g in games] == [d["game_id"] for d in rows(url, "game_details")]  # no game without details

    resumed = backfill(url, tmp_path, "--summary-json", "resumed.json")
    assert resumed.returncode == 0, resumed.stderr
    same_rows(whole, url)
    summary = json.loads((tmp_path / "resumed.json").read_text())
    assert (summary["skipped"], summary["saved"]) == (len(games), GAMES - len(games))


def test_a_server_restarted_inside_a_storage_transaction_is_reconnected_to(pg, whole, tmp_path):
    url = pg.new_database()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            RESTART_IN_THIRD_TRANSACTION,
            json.dumps(pg.stop_command()),
            json.dumps(pg.start_command()),
            *BACKFILL,
            "--summary-json",
            "run.json",
        ],
        cwd=tmp_path,
        env=env_for(url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    pg.record()  # the restarted server is a new process group: CI's exit trap must find that one
    assert result.returncode == 0, result.stderr
    # the statement after the restart found the connection gone; the chunk was written again on a new one
    assert "storage: lost the connection to postgresql+psycopg://nba_test:***@" in result.stderr, result.stderr[-3000:]
    same_rows(whole, url)
    summary = json.loads((tmp_path / "run.json").read_text())
    assert (summary["saved"], summary["skipped"], summary["failed"]) == (GAMES, 0, [])


def test_a_one_date_run_against_a_stopped_server_fails_in_one_line_and_stores_nothing(pg, run_cli, tmp_path):
    url = pg.new_database()
    pg.stop()
    try:
        down = run_cli("--date", "2024-01-15", env={"DATABASE_URL": url})
    finally:
        pg.start()
    assert down.returncode == 1
    last = down.stderr.strip().splitlines()[-1]
    assert last.startswith("nba-predictions: error: the database server of postgresql+psycopg://nba_test:***@")
    assert "cannot be reached (" in last and "start it, or fix DATABASE_URL, and run the same command again" in last
    again = run_cli("--date", "2024-01-15", env={"DATABASE_URL": url})
    assert again.returncode == 0, again.stderr
    assert len(rows(url, "games")) == 11
