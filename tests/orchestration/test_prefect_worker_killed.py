"""A Prefect worker killed with its flow-run process in the middle of the storage step (issue 25,
item 4): the daily run still completes, and each game is stored once, as by an uninterrupted run.

A real `prefect server start` (SQLite) and five real process workers, all from the test's own
venv (the worker venvs of the e2e module are not needed: what is tested is Prefect's handling of
a dead run, not the step's requirements).  The first storage worker runs with a `sitecustomize`
hook: once the step has written its games in its open transaction, it writes a marker file (its
pid) and waits for ever.  The test waits for that marker (a bounded guard, never a guessed sleep),
SIGKILLs the worker's process group and the flow-run process's group (a lost machine), starts a
new storage worker, and waits for the run's end.  The deployment is made with `--crash-after 60`
(two heartbeats) instead of 90 so the test waits a minute less; the mechanism is the same.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

prefect = pytest.importorskip("prefect", reason="needs the orchestration extra: pip install -e '.[all,test]'")

from nba_predictions.orchestration.deploy import POOLS  # noqa: E402
from tests.orchestration.test_prefect_e2e import Stack, _wait_http  # noqa: E402
from tests.services import Service, free_port, spawn, stop_carriers  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DAY, GAMES = "2024-01-15", 11
GUARD_SECONDS = 300  # a bounded wait for an event; only a hung stack reaches it
DEPLOY = [sys.executable, "-m", "nba_predictions.orchestration", "deploy"]
TIMES = ("created_at", "updated_at", "predicted_at")
HOLD_STORAGE = """
import json, os, time
marker = os.environ.get("NBA_TEST_HOLD_STORAGE")
if marker:
    from nba_predictions.storage import queries
    real = queries.insert_new_games
    def insert_then_hold(conn, rows):
        inserted = real(conn, rows)  # written, the transaction still open
        with open(marker + ".tmp", "w") as out:
            json.dump({"pid": os.getpid(), "inserted": len(inserted)}, out)
        os.replace(marker + ".tmp", marker)
        while True:
            time.sleep(1)
    queries.insert_new_games = insert_then_hold
"""


def _rows(database: Path) -> list[dict]:
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        found = conn.execute("SELECT * FROM games WHERE date = ? ORDER BY id", (DAY,)).fetchall()
    # a sqlite3.Row iterates its values, hence keys()
    return [{k: row[k] for k in row.keys() if k not in TIMES} for row in found]  # noqa: SIM118


def _wait_for(check, what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while not check():
        if process.poll() is not None:
            raise AssertionError(f"the daily run ended before {what}: {process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {GUARD_SECONDS} s")
        time.sleep(0.5)


def test_a_worker_killed_in_the_middle_of_storage_leaves_each_game_stored_once(tmp_path):
    home = tmp_path
    database = home / "ratings.db"
    hooks = home / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HOLD_STORAGE)
    marker = home / "storage-holding.json"
    src = str(ROOT / "src")
    port = free_port()
    no_s3 = SimpleNamespace(env={})
    stack = Stack(home, f"http://127.0.0.1:{port}/api", str(home / "documents"), "", database, home, no_s3, None)
    stack.env["PYTHONPATH"] = src
    prefect_bin = str(Path(sys.executable).parent / "prefect")
    services: list[Service] = []

    def worker(name: str, pool: str, **extra: str) -> Service:
        env = {
            **stack.env,
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "NBA_API_CACHE_DIR": str(home / "cache"),
            "DATABASE_URL": f"sqlite:///{database}",
            **extra,
        }
        service = spawn(
            name,
            [prefect_bin, "worker", "start", "--pool", pool, "--type", "process"],
            home / f"{name}.log",
            ready=r"Worker '.*' started",
            env=env,
            cwd=home,
        )
        services.append(service)
        return service

    try:
        server_argv = [prefect_bin, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"]
        services.append(
            spawn(
                "prefect-server",
                server_argv,
                home / "server.log",
                ready=r"Uvicorn running|Application startup complete|dashboard|Prefect server",
                env=stack.env,
            )
        )
        _wait_http(f"{stack.api_url}/health")
        deployed = subprocess.run(
            [*DEPLOY, "--documents", stack.documents, "--paused", "--crash-after", "60"],
            env=stack.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert deployed.returncode == 0, deployed.stderr
        paused = [line for line in deployed.stdout.splitlines() if "(paused)" in line]
        assert [line.split(" on ")[0] for line in paused] == [
            "deployment nba-rate-date/daily",
            "deployment nba-watch/evening",
        ]
        for pool in POOLS:
            if pool.name != "nba-storage":
                worker(f"prefect-worker-{pool.name}", pool.name)
        doomed = worker(
            "prefect-worker-storage-doomed",
            "nba-storage",
            PYTHONPATH=f"{hooks}{os.pathsep}{src}",
            NBA_TEST_HOLD_STORAGE=str(marker),
        )
        command = [prefect_bin, "deployment", "run", "nba-rate-date/daily", "--watch"]
        command += ["--watch-timeout", str(GUARD_SECONDS * 2), "--param", f"day={DAY}", "--param", "source=archive"]
        daily = subprocess.Popen(command, env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        _wait_for(marker.exists, "storage step holding its transaction", daily)
        holding = json.loads(marker.read_text())
        assert holding["inserted"] > 0  # games written in the open transaction when the machine is lost
        os.killpg(doomed.process.pid, signal.SIGKILL)
        os.killpg(os.getpgid(holding["pid"]), signal.SIGKILL)
        doomed.process.wait(timeout=60)
        worker("prefect-worker-storage", "nba-storage")

        out, err = daily.communicate(timeout=GUARD_SECONDS * 2 + 60)
        assert daily.returncode == 0, out + err
        parent = stack.last_run("nba-rate-date/daily")
        assert parent.state.is_completed()
        storage_runs = sorted(stack.flow_runs("nba-storage/step"), key=lambda r: r.created)
        assert [r.state.type.value for r in storage_runs] == ["CRASHED", "COMPLETED"]
        assert "no heartbeat" in storage_runs[0].state.message
        assert storage_runs[0].parameters["run"] == storage_runs[1].parameters["run"]  # the same run, resumed
        assert "storage for 2024-01-15 crashed in flow run" in stack.logs(parent.id)
    finally:
        for service in reversed(services):
            service.stop()
        stop_carriers(f"PREFECT_HOME={stack.env['PREFECT_HOME']}")  # a flow run the workers left

    stored = _rows(database)
    assert len(stored) == GAMES and len({row["id"] for row in stored}) == GAMES
    whole = home / "whole.db"
    env = {k: v for k, v in stack.env.items() if not k.startswith("PREFECT_")}
    uninterrupted = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--date", DAY, "--source", "archive"],
        env={**env, "DATABASE_URL": f"sqlite:///{whole}"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    assert stored == _rows(whole)
