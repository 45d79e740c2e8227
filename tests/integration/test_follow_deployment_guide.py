"""scripts/follow_deployment_guide.py leaves nothing running and starts no scheduled job.

The guide registers the deployments with their real schedules (the daily job at 06:00, the watch
at 12:00 New York time).  CI follows it beside the tests; a CI run that spanned 12:00 New York time
once had the guide's throw-away Prefect server fire the day's watch, whose flow-run process (a
session of its own, as Prefect's process worker starts every flow run) outlived the follower's
clean-up of the process groups it started and kept polling after CI had ended.  Two fixes, each
tested here against the real thing:

* the guide's Prefect server runs with its scheduler off: a real ``prefect server start`` in the
  follower's environment reports it off, with the deployments registered as the guide does,
  schedules active;
* a backstop: after the process groups, every process whose environment carries the guide's
  NBA_HOME is stopped, e.g. the grandchild in a session of its own that outlived its group.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.services import free_port, load_script, spawn

ROOT = Path(__file__).resolve().parents[2]
GUARD_SECONDS = 120  # a bounded wait for an event; only a hung process reaches it

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="the backstop reads /proc (Linux)")


def _follower():
    return load_script(ROOT / "scripts" / "follow_deployment_guide.py")


def _wait_for(path: Path) -> str:
    deadline = time.monotonic() + GUARD_SECONDS
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} was not written within {GUARD_SECONDS} s"
        time.sleep(0.1)
    return path.read_text()


# A "worker": its own process group; it starts a "flow run" in a session of its own that ignores
# SIGTERM (the backstop must then SIGKILL it), writes that pid, and waits.
WORKER = """
import subprocess, sys, time, os
run = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"],
    start_new_session=True)
time.sleep(0.5)  # the flow run has set its handler (only the SIGKILL path depends on it)
with open(sys.argv[1] + ".tmp", "w") as out:
    out.write(str(run.pid))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(600)
"""


def test_a_flow_run_in_a_session_of_its_own_is_stopped_by_the_backstop(tmp_path: Path) -> None:
    follower = _follower()
    running = follower.running  # exists and has not ended (a zombie not yet reaped has)
    home = tmp_path / f"opt-{uuid.uuid4().hex}"
    sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(tmp_path / "run.pid")],
        env={**os.environ, "NBA_HOME": str(home)},
        start_new_session=True,
    )
    bystander = subprocess.Popen(sleeper, env={**os.environ, "NBA_HOME": str(home) + "-other"})
    run_pid = 0
    try:
        run_pid = int(_wait_for(tmp_path / "run.pid"))
        follower.stop(worker)  # the process groups the follower started: the worker's is gone...
        assert worker.poll() is not None
        assert running(run_pid), "the flow run should have outlived its worker's group (the leak)"

        stopped = follower.stop_strays(f"NBA_HOME={home}", grace_seconds=1)

        assert [line.split(":")[0] for line in stopped] == [str(run_pid)]
        assert "time.sleep(600)" in stopped[0]
        assert not running(run_pid)  # SIGTERM ignored, so SIGKILLed
        assert bystander.poll() is None  # another NBA_HOME (a prefix of it does not match)
        assert follower.stop_strays(f"NBA_HOME={home}", grace_seconds=1) == []
    finally:
        for pid in (worker.pid, run_pid, bystander.pid):
            if pid and running(pid):
                os.kill(pid, signal.SIGKILL)
        bystander.wait(timeout=GUARD_SECONDS)


def test_the_guides_prefect_server_schedules_nothing(tmp_path: Path) -> None:
    pytest.importorskip("prefect", reason="needs the orchestration extra: pip install -e '.[all,test]'")
    follower = _follower()
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    # What the guide's shell has: the follower's environment, then the guide's own exports.
    env = follower.guide_env(tmp_path)
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_API_URL=api,
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_SERVER_API_PORT=str(port),
        PYTHONPATH=str(ROOT / "src"),
    )
    prefect = str(Path(sys.executable).parent / "prefect")
    settings: dict = {}

    def answers() -> bool:  # the server's settings, once it serves them
        try:
            with urllib.request.urlopen(f"{api}/admin/settings", timeout=10) as answer:
                settings.update(json.load(answer))
        except OSError:
            return False
        return True

    server = spawn(
        "prefect-server-guide", [prefect, "server", "start", "--no-ui"], tmp_path / "server.log", answers, env
    )
    try:
        assert settings["server"]["services"]["scheduler"]["enabled"] is False
        deployed = subprocess.run(
            [sys.executable, "-m", "nba_predictions.orchestration", "deploy", "--documents", str(tmp_path / "docs")],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert deployed.returncode == 0, deployed.stderr
        assert "(paused)" not in deployed.stdout
        shown = subprocess.run(
            [prefect, "deployment", "inspect", "nba-watch/evening", "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert shown.returncode == 0, shown.stderr
        schedules = json.loads(shown.stdout)["schedules"]
        assert [(s["active"], s["schedule"]["cron"]) for s in schedules] == [(True, "0 12 * * *")]
    finally:
        server.stop()
