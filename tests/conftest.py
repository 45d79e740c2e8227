"""Shared test helpers: run the real command line in a subprocess, as a user would.

Also the suite-wide Hypothesis profile: no per-example deadline.  Hypothesis fails an example that
takes longer than 200 ms by default, which a busy machine turns into random failures; what a
property test checks is the property, and speed is measured by ``benchmarks/``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from tests.services import on_ci

settings.register_profile("nba-predictions", deadline=None)
settings.load_profile("nba-predictions")

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "main.py"

# -- pytest-xdist (`-n auto`, the README's test command) -------------------------------------------
# Tests are handed to the workers one by one, except these modules, which go whole to one worker,
# before any other test: the Prefect end-to-end tests share one module-scoped stack (a server and
# five workers: split over two workers it would start twice), the retraining module holds the
# suite's longest single test, and the PostgreSQL fault tests share one throw-away server that they
# stop and start (split, each worker would start its own).  (xdist's own `xdist_group` marks do not
# group under pytest 9.2, whose node ids no longer come from the attribute xdist rewrites.)
WHOLE_MODULES = (
    "tests/orchestration/test_prefect_e2e.py",
    "tests/unit/test_training.py",
    "tests/faults/test_postgres_down.py",
)


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: pytest runs without xdist too
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "load":  # an explicit --dist keeps xdist's own scheduler
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WholeModulesFirst(LoadScopeScheduling):
        """One test per work unit, but each of WHOLE_MODULES is one unit; the largest units go
        first (LoadScopeScheduling hands out units by size, then in collection order)."""

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in WHOLE_MODULES else nodeid

    return WholeModulesFirst(config, log)


@pytest.fixture(autouse=True)
def _private_local_archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, monkeypatch):
    """Every test's runs store what a live source collected in a folder of their own, never in the
    checkout's data/archive/: NBA_ARCHIVE_DIR's default is a fresh temporary folder (a test that
    sets the variable still wins).  Not in the test that compares .env.example with the defaults."""
    if request.node.name == "test_every_environment_variable_is_in_env_example_with_its_default":
        return
    from nba_predictions import config

    description = config.ENVIRONMENT["NBA_ARCHIVE_DIR"][1]
    folder = tmp_path_factory.mktemp("local-archive")
    monkeypatch.setitem(config.ENVIRONMENT, "NBA_ARCHIVE_DIR", (str(folder), description))


@pytest.fixture(scope="session")
def scores_only_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled archive whose timelines have no player lines: the archive as the fake
    servers serve it (their feeds are built from its score events, which name no players), so a run
    on it is the reference a live run through them must equal, performance features 0 on both sides.
    Point a run at it with ``NBA_BUNDLED_ARCHIVE``."""
    from nba_predictions.sources.archive_db import default_archive_path

    path = tmp_path_factory.mktemp("scores-only") / "archive.sqlite"
    shutil.copyfile(default_archive_path(), path)
    with sqlite3.connect(path) as con:
        changed = con.execute("UPDATE timelines SET player_lines = NULL WHERE player_lines IS NOT NULL").rowcount
    con.close()
    assert changed > 15_000, "the bundled archive's timelines should carry player lines"
    return path


@pytest.fixture
def run_cli(tmp_path: Path):
    """Run ``python main.py ARGS`` in ``tmp_path`` with a private database; return the result."""

    def run(
        *args: str, env: dict[str, str] | None = None, stdin: str | None = None, entry: list[str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
        full_env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'ratings.db'}"
        full_env.update(env or {})
        command = (entry or [sys.executable, str(MAIN)]) + list(args)
        return subprocess.run(
            command, cwd=tmp_path, env=full_env, input=stdin, capture_output=True, text=True, timeout=300
        )

    return run


class S3Server:
    """moto's standalone S3 server: its URL, the environment that reaches it, fresh buckets."""

    def __init__(self, endpoint_url: str, home: Path) -> None:
        self.endpoint_url = endpoint_url
        # Only the environment carries credentials (botocore reads it); no ~/.aws files.
        self.env = {
            "AWS_ACCESS_KEY_ID": "nba-test-access-key",
            "AWS_SECRET_ACCESS_KEY": "nba-test-secret-" + os.urandom(8).hex(),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_CONFIG_FILE": str(home / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        }
        self._count = 0

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
        )

    def new_bucket(self, prefix: str = "nba") -> str:
        self._count += 1
        name = f"{prefix}-{os.getpid()}-{self._count}"
        self.client().create_bucket(Bucket=name)
        return name

    def get(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def keys(self, bucket: str) -> list[str]:
        return sorted(o["Key"] for o in self.client().list_objects_v2(Bucket=bucket).get("Contents", []))


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> S3Server:
    """A real S3-compatible server (moto's standalone server) on a free 127.0.0.1 port."""
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
        import s3fs  # noqa: F401
    except ImportError as exc:
        if on_ci():
            raise
        pytest.skip(f"S3 tests need the test extra ({exc.name} missing): pip install -e '.[all,test]'")
    from tests.services import start_moto

    home = tmp_path_factory.mktemp("s3")
    service, url = start_moto(home / "moto.log")
    try:
        yield S3Server(url, home)
    finally:
        service.stop()


@pytest.fixture
def s3_env(s3_server, monkeypatch) -> S3Server:
    """The S3 server's variables in this process's environment (for in-process tests)."""
    for name, value in s3_server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return s3_server
