"""Databases for the storage tests: a SQLite file, and a PostgreSQL database per test.

The PostgreSQL cases (marker ``postgres``) read the server URL from DATABASE_TEST_POSTGRES_URL;
start one with ``eval "$(scripts/start_postgres.sh)"``.  Without it they are skipped, except when
the environment variable CI is set: then they fail, so a CI whose server did not start is red.
No database is mocked: failures come from the database's own constraints and triggers.
"""

from __future__ import annotations

import os
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from nba_predictions.storage.engine import parse_url
from tests.services import service_missing

PG_ENV = "DATABASE_TEST_POSTGRES_URL"
PG_MISSING = f'{PG_ENV} is not set: start a server with eval "$(scripts/start_postgres.sh)"'


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        # Nested folders that do not exist yet: first use must create them.
        yield f"sqlite:///{tmp_path}/data/nested/ratings.db"
    else:
        yield from fresh_postgres_database()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from fresh_postgres_database()


def fresh_postgres_database() -> Iterator[str]:
    server = os.environ.get(PG_ENV)
    if not server:
        service_missing("the PostgreSQL cases", PG_MISSING)
    name = f"nba_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield parse_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop(admin, name)
        admin.dispose()


def _drop(admin, name: str, attempts: int = 20) -> None:
    """Drop a test's database.  WITH (FORCE) ends our own sessions, but not a superuser's (an
    autovacuum worker the server started on the new database): that refusal is retried until the
    worker is gone, and a database still busy then is left behind with a warning, not a failure."""
    for attempt in range(attempts):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except ProgrammingError as exc:
            if "pg_signal_backend" not in str(exc):
                raise
            time.sleep(0.05 * (attempt + 1))
    warnings.warn(f"test database {name} left behind: a superuser session kept it busy", stacklevel=2)
