""".ci/run stops the services it starts, whatever the outcome, and only those.

The real script runs with a ``python3`` on PATH that fails at once, so it starts PostgreSQL (the
real server, through scripts/start_postgres.sh), then fails on the install step; the trap must
have stopped the server by the time the script exits.  Skipped where PostgreSQL is not installed
(CI installs it before the tests run).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CI_RUN = ROOT / ".ci" / "run"
START_POSTGRES = ROOT / "scripts" / "start_postgres.sh"

pytestmark = pytest.mark.skipif(
    not glob.glob("/usr/lib/postgresql/*/bin/initdb") and shutil.which("initdb") is None,
    reason="PostgreSQL is not installed (scripts/start_postgres.sh installs it on CI)",
)


@pytest.fixture
def pg_dir(tmp_path: Path):
    # Under /tmp, not tmp_path: the postgres user must be able to reach it (pytest's folders are 0700).
    path = Path("/tmp") / f"nba-ci-test-{uuid.uuid4().hex[:12]}"
    yield path
    subprocess.run(
        ["bash", str(START_POSTGRES), "stop"],
        env={**os.environ, "PGTEST_DIR": str(path)},
        capture_output=True,
        timeout=120,
    )
    assert not path.exists()


def _failing_python(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "python3"
    stub.write_text("#!/bin/sh\necho 'python3 stub: failing the install step' >&2\nexit 3\n")
    stub.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_TEST_POSTGRES_URL"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def _running(pg_dir: Path) -> bool:
    return (pg_dir / "data" / "postmaster.pid").exists()


def test_ci_run_stops_postgres_when_a_later_step_fails(tmp_path: Path, pg_dir: Path) -> None:
    env = _failing_python(tmp_path) | {"PGTEST_DIR": str(pg_dir)}
    result = subprocess.run(["bash", str(CI_RUN)], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 3, result.stderr  # the failing step's exit code, not the trap's
    assert "python3 stub: failing the install step" in result.stderr
    assert "started" in result.stdout  # PostgreSQL did start before the failure
    assert not _running(pg_dir) and not pg_dir.exists(), result.stderr  # and was stopped by the trap


def test_ci_run_leaves_a_server_it_did_not_start_running(tmp_path: Path, pg_dir: Path) -> None:
    env = {**os.environ, "PGTEST_DIR": str(pg_dir)}
    started = subprocess.run(["bash", str(START_POSTGRES)], env=env, capture_output=True, text=True, timeout=300)
    assert started.returncode == 0, started.stderr
    assert _running(pg_dir)
    result = subprocess.run(
        ["bash", str(CI_RUN)],
        env=_failing_python(tmp_path) | {"PGTEST_DIR": str(pg_dir)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 3, result.stderr
    assert "already runs" in result.stderr
    assert _running(pg_dir)  # someone else's server: used, not stopped (the fixture stops it)
