"""Real servers on 127.0.0.1 for the tests: started as child processes, stopped whatever happens.

:func:`spawn` starts a command in its own process group, writes its output to a log file and
waits (generously: the machine is shared) until the log shows the server is ready.  When
``NBA_TEST_SERVICES_DIR`` is set (``.ci/run`` sets it), each process group id is also written
there, so CI's exit trap can stop a server that a killed test run left behind.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

READY_TIMEOUT_SECONDS = 240  # a cold start on a busy 2-core machine; never a speed assertion


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log_path: Path
    match: re.Match | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        stop_group(self.process)
        marker = _marker(self.name, self.process.pid)
        if marker is not None:
            marker.unlink(missing_ok=True)


def _marker(name: str, pid: int) -> Path | None:
    folder = os.environ.get("NBA_TEST_SERVICES_DIR")
    return Path(folder) / f"{name}-{pid}.pgid" if folder else None


def record_group(name: str, pid: int, pgid: int) -> Path | None:
    """Write ``pgid`` where CI's exit trap finds it (for a server started outside :func:`spawn`,
    e.g. by ``pg_ctl``, which puts the server in a session of its own); returns the marker."""
    marker = _marker(name, pid)
    if marker is not None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(str(pgid))
    return marker


def stop_group(process: subprocess.Popen, grace_seconds: float = 30) -> None:
    """SIGTERM the process group, then SIGKILL what is left after ``grace_seconds``."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def load_script(path: Path) -> ModuleType:
    """A script of the repository (scripts/, benchmarks/: no package) as a module."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stop_carriers(marker: str) -> list[str]:
    """Stop every process whose environment carries ``marker`` (``NAME=value``); their commands.

    What stopping a server's process group misses: a process it started in a session of its own,
    as Prefect's process worker starts each flow run.  One implementation, the deployment guide
    follower's backstop (scripts/follow_deployment_guide.py: CI's guide and the tests alike).
    """
    follower = load_script(Path(__file__).resolve().parents[1] / "scripts" / "follow_deployment_guide.py")
    return follower.stop_strays(marker)


def spawn(
    name: str,
    argv: list[str],
    log_path: Path,
    ready: str | Callable[[], bool],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = READY_TIMEOUT_SECONDS,
) -> Service:
    """Start ``argv``; return once its log matches the regex ``ready`` (or raise with the log).

    ``ready`` may instead be a check that returns True once the server answers (for servers
    that log nothing, e.g. on a health URL); it must return False, not raise, until then.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(log_path, "wb")  # noqa: SIM115 - the child owns it; closed below in the parent
    process = subprocess.Popen(
        argv,
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    handle.close()
    marker = _marker(name, process.pid)
    if marker is not None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(str(process.pid))
    service = Service(name, process, log_path)
    pattern = re.compile(ready) if isinstance(ready, str) else None
    deadline = time.monotonic() + timeout
    while True:
        found = pattern.search(service.log()) if pattern is not None else None
        if found or (pattern is None and process.poll() is None and ready()):
            service.match = found
            return service
        if process.poll() is not None or time.monotonic() > deadline:
            service.stop()
            state = f"exited with {process.returncode}" if process.returncode is not None else "not ready in time"
            raise RuntimeError(f"{name} {state}; its log:\n{service.log()[-4000:]}")
        time.sleep(0.2)


def free_port() -> int:
    """A port nothing listens on right now (for servers that cannot report the one they bound)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto(log_path: Path) -> tuple[Service, str]:
    """moto's standalone S3 server on a port of its own choosing; returns it and its URL."""
    service = spawn(
        "moto",
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
        log_path,
        ready=r"Running on (http://127\.0\.0\.1:\d+)",
    )
    assert service.match is not None
    return service, service.match.group(1)


def on_ci() -> bool:
    """CI is set (CI=true, as CI services and .ci/run set it); CI=false/0/no counts as unset."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def service_missing(what: str, reason: str) -> None:
    """A test's server, browser or venv is not there: on CI a failure (a CI whose server failed to
    start would otherwise be green with those cases skipped), elsewhere a skip naming ``reason``."""
    if on_ci():
        pytest.fail(f"CI is set, so {what} must run: {reason}", pytrace=False)
    pytest.skip(reason)
