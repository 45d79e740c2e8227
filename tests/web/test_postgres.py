"""Serving from PostgreSQL: a database our pipeline wrote, read in read-only transactions.

Marker ``postgres``: skipped without DATABASE_TEST_POSTGRES_URL, failed without it when CI is set
(each test gets a database of its own, dropped afterwards).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.integration.storage.conftest import fresh_postgres_database
from tests.web.conftest import DAY, ROOT, LiveServer

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_rated(tmp_path: Path) -> Iterator[str]:
    for url in fresh_postgres_database():
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "--date", DAY.isoformat(), "--database", url, "--quiet"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        yield url


def test_postgres_serves_the_same_answers_as_sqlite(serve_app, pg_rated: str, live: LiveServer) -> None:
    on_postgres = serve_app(pg_rated)
    assert on_postgres.engine.dialect.name == "postgresql"
    for path in (
        "/api/v1/predictions",
        f"/api/v1/predictions?date={DAY}&limit=4&offset=8",
        "/api/v1/predictions?team=LAL",
        "/api/v1/predictions/0022300565",
        "/api/v1/predictions?team=XXX",
        f"/?date={DAY}",
        f"/best?date={DAY}&team=BOS",
        "/?date=2024-12-24",
    ):
        theirs, ours = httpx.get(live.url + path), httpx.get(on_postgres.url + path)
        assert (ours.status_code, ours.content) == (theirs.status_code, theirs.content), path
    health = httpx.get(f"{on_postgres.url}/api/v1/health").json()["data"]
    assert (health["status"], health["database_status"]) == ("healthy", "connected")


def test_postgres_sessions_are_read_only(serve_app, pg_rated: str) -> None:
    live = serve_app(pg_rated)
    with pytest.raises(DBAPIError, match="read-only transaction"), live.engine.begin() as conn:
        conn.execute(text("UPDATE games SET prediction_rating = 0"))
    assert httpx.get(f"{live.url}/api/v1/predictions?date={DAY}").json()["data"]["pagination"]["total"] == 11
