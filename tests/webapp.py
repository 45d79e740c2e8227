"""The original web app (ultcyber/nba_predictions' API and front end, built), for tests and benchmarks.

Found in ``$NBA_WEBAPP_DIR`` or in a ``shared/webapp`` folder beside the repository or above it;
unpacked into temporary folders, never copied into the project.  A user's clone has none of it,
so the tests that need it skip (:func:`require`); ``benchmarks/bench_web.py`` asks
:func:`webapp_dir` and leaves the original out when it is ``None``.

Users: ``tests/web`` (the front end in the browser, the side-by-side API check) and
``tests/integration/test_web_app_api.py`` (the original API on our databases).
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from tests.services import free_port, spawn

ROOT = Path(__file__).resolve().parents[1]
API_RUNTIME, FRONT_END = "api-runtime.tar.gz", "fe-dist.tar.gz"
NODE_MISSING = "node is not installed: the original web API needs Node 20"


def webapp_dir(needs: str = API_RUNTIME) -> Path | None:
    """The web app's folder, if it is here and holds ``needs``."""
    candidates = [Path(os.environ["NBA_WEBAPP_DIR"])] if os.environ.get("NBA_WEBAPP_DIR") else []
    candidates += [parent / "shared" / "webapp" for parent in ROOT.parents]
    return next((c for c in candidates if (c / needs).is_file()), None)


def unpack(archive: Path, target: Path) -> Path:
    """One of the web app's archives unpacked, unchanged, into ``target``."""
    with tarfile.open(archive) as opened:
        opened.extractall(target, filter="data")
    return target


def require(needs: str, target: Path) -> Path:
    """``needs`` (one of the web app's archives) unpacked into ``target``; skips the test without it."""
    import pytest

    source = webapp_dir(needs)
    if source is None:
        pytest.skip(
            f"the original web app is not here (no {needs}; set NBA_WEBAPP_DIR to its folder): "
            "a user's clone does not have it"
        )
    if needs == API_RUNTIME and shutil.which("node") is None:
        pytest.skip(NODE_MISSING)
    return unpack(source / needs, target)


class WebApi:
    """The web API as its README runs it: ``DB_PATH=… PORT=… NODE_ENV=… node dist/server.js``.

    ``runtime`` is the unpacked ``api-runtime.tar.gz``.  Started through
    :func:`tests.services.spawn` (its own process group, recorded for CI's exit trap), ready once
    ``/health`` says its database is connected.  Its rate limit (100 requests per 15 minutes) is
    lifted: tests and benchmarks send more.  It cannot bind port 0, so it gets a free port.
    ``env`` adds to its environment (e.g. ``LOG_LEVEL``).
    """

    def __init__(self, runtime: Path, database: Path, mode: str, log: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.base = f"{self.url}/api/v1"
        full_env = {
            **os.environ,
            "DB_PATH": str(database),
            "PORT": str(self.port),
            "NODE_ENV": mode,
            "RATE_LIMIT_MAX_REQUESTS": "1000000000",
            "LOG_FILE": str(log.with_suffix(".api.log")),
            **(env or {}),
        }
        self.service = spawn(
            "webapi", ["node", str(runtime / "dist" / "server.js")], log, ready=self._healthy, env=full_env, cwd=runtime
        )  # it logs nothing to stdout in production

    @property
    def pid(self) -> int:
        return self.service.process.pid

    def _healthy(self) -> bool:
        try:
            return self.get("/health")["data"]["database_status"] == "connected"
        except (urllib.error.URLError, ConnectionError):
            return False

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.base + path, timeout=30) as response:
            if response.status != 200:
                raise AssertionError(f"{self.base}{path} answered {response.status}")
            return json.loads(response.read())

    def stop(self) -> None:
        self.service.stop()
