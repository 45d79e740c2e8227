"""The tables, as SQLAlchemy Core objects, at the newest schema revision.

Spoiler-free by construction: ``teams`` and ``games`` (what a front end reads) have no final
score columns; a game's final score never leaves the predictions document.  The migrations under
``migrations/versions`` build exactly these tables (a test compares them); a change here needs a
new migration (see docs/STORAGE.md).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# The Alembic revision these tables correspond to (the newest migration); a test keeps them equal.
SCHEMA_REVISION = "0001"
CLASSIFICATIONS = ("good", "mediocre", "bad")
CONFERENCES = ("East", "West")
RUN_STATUSES = ("ok", "partial", "failed")


class UtcDateTime(TypeDecorator):
    """An aware UTC datetime on every backend (SQLite keeps no zone, so it is stored as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to a UTC column: attach a time zone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def json_type() -> JSON:
    """JSON text on SQLite, ``jsonb`` on PostgreSQL."""
    return JSON().with_variant(JSONB(), "postgresql")


metadata = MetaData(naming_convention=NAMING_CONVENTION)

teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, comment="stats.nba.com team id"),
    Column("abbreviation", String(3), nullable=False),
    Column("name", String(64), nullable=True),
    Column("conference", String(4), nullable=True),
    CheckConstraint("conference IN ('East', 'West')", name="conference"),
)

games = Table(
    "games",
    metadata,
    Column("id", String(10), primary_key=True, comment="stats.nba.com game id, e.g. 0022300559"),
    Column("date", Date, nullable=False),
    Column("season", String(7), nullable=False, comment="e.g. 2023-24"),
    Column("home_team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("away_team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("rating", Float, nullable=False),
    Column("classification", String(8), nullable=False),
    Column("features", json_type(), nullable=False),
    Column("explanation", json_type(), nullable=False, comment="top feature contributions"),
    Column("model_version", String(64), nullable=True),
    Column("predicted_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint("rating >= 0 AND rating <= 100", name="rating_range"),
    CheckConstraint("classification IN ('good', 'mediocre', 'bad')", name="classification"),
    CheckConstraint("home_team_id <> away_team_id", name="two_teams"),
    Index(None, "date", "rating"),
)

pipeline_runs = Table(
    "pipeline_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target_date", Date, nullable=True),
    Column("steps", json_type(), nullable=False, comment="step names in run order"),
    Column("source", String(32), nullable=True),
    Column("games_found", Integer, nullable=False),
    Column("games_processed", Integer, nullable=False),
    Column("games_saved", Integer, nullable=False),
    Column("games_skipped", Integer, nullable=False),
    Column("games_failed", Integer, nullable=False),
    Column("status", String(8), nullable=False),
    Column("errors", json_type(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    CheckConstraint("status IN ('ok', 'partial', 'failed')", name="status"),
    Index(None, "target_date"),
)

FRONT_END_TABLES = (teams, games)
