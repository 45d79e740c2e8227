"""The tables, as SQLAlchemy Core objects, at the newest schema revision.

``teams`` and ``games`` are the original web app's tables (its ``schema.sql`` is the contract:
same names, columns and types, ids as text, dates as ``YYYY-MM-DD`` text), so its web API and
front end read our database unchanged.  ``games`` carries a few nullable columns of ours after
the web app's; the web app ignores them.  Neither table holds a score, a margin, a winner or a
feature value (:data:`FRONT_END_COLUMNS` says why each column is safe; a test checks every
column against it).  What spoils (the features and the explanation of a rating) is in
``game_details``, which front ends are told not to read.

The migrations under ``migrations/versions`` (and :mod:`.adopt`, for a database the web app
created) build exactly these tables; a test compares them.  A change here needs a new migration
(see docs/STORAGE.md).

Constraint names: on PostgreSQL ``teams``/``games`` carry the names PostgreSQL itself gives the
web app's unnamed constraints (``teams_pkey``, ``games_home_team_id_fkey``), so a database we
made and one the web app made look the same; on SQLite they are unnamed, as in the web app's
DDL.  ``game_details`` and ``pipeline_runs`` are ours and follow :data:`NAMING_CONVENTION`.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    REAL,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import conv
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# The Alembic revision these tables correspond to (the newest migration); a test keeps them equal.
SCHEMA_REVISION = "0004"
RUN_STATUSES = ("ok", "partial", "failed")


class UtcDateTime(TypeDecorator):
    """An aware UTC datetime on every backend (SQLite keeps no zone, so it is stored as UTC).

    Reads also accept the web app's ``CURRENT_TIMESTAMP`` text (``2024-01-15 10:00:00``, UTC).
    """

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


class IsoDate(TypeDecorator):
    """A date kept as ``YYYY-MM-DD`` text on every backend (the web app matches it as text)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: date | str | None, dialect: Dialect) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return value.isoformat()

    def process_result_value(self, value: str | None, dialect: Dialect) -> date | None:
        return None if value is None else date.fromisoformat(value)


def json_type() -> JSON:
    """JSON text on SQLite, ``jsonb`` on PostgreSQL."""
    return JSON().with_variant(JSONB(), "postgresql")


def rating_type() -> REAL:
    """``REAL`` as the web app declares it; double precision on PostgreSQL (its REAL is 4 bytes)."""
    return REAL().with_variant(DOUBLE_PRECISION(), "postgresql")


metadata = MetaData(naming_convention=NAMING_CONVENTION)

# -- the web app's tables (front ends read these) ---------------------------------------------

teams = Table(
    "teams",
    metadata,
    Column("id", Text, nullable=False),  # stats.nba.com team id as text, e.g. '1610612747'
    Column("abbreviation", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("conference", Text, nullable=False),
    PrimaryKeyConstraint("id", name="teams_pkey"),
    UniqueConstraint("abbreviation", name="teams_abbreviation_key"),
    CheckConstraint("conference IN ('East', 'West')", name=conv("teams_conference_check")),  # conv: no prefix
)

games = Table(
    "games",
    metadata,
    # The web app's columns, in its order.
    Column("id", Text, nullable=False),  # stats.nba.com game id, e.g. '0022300559'
    Column("date", IsoDate(), nullable=False),  # game date (US Eastern), 'YYYY-MM-DD'
    Column("home_team_id", Text, nullable=False),
    Column("away_team_id", Text, nullable=False),
    Column("prediction_rating", rating_type(), nullable=True),  # 0-100
    Column("created_at", UtcDateTime(), nullable=True, server_default=func.current_timestamp()),
    Column("updated_at", UtcDateTime(), nullable=True, server_default=func.current_timestamp()),
    # Ours, nullable: rows the web app (or the job it came with) wrote have none of them.
    Column("season", Text, nullable=True),  # '2023-24'
    Column("classification", Text, nullable=True),  # good, mediocre or bad
    Column("model_version", Text, nullable=True),
    Column("predicted_at", UtcDateTime(), nullable=True),  # the predictions document's timestamp
    Column("start_time_utc", UtcDateTime(), nullable=True),  # scheduled tip-off (revision 0004); null if unknown
    PrimaryKeyConstraint("id", name="games_pkey"),
    ForeignKeyConstraint(["home_team_id"], ["teams.id"], name="games_home_team_id_fkey"),
    ForeignKeyConstraint(["away_team_id"], ["teams.id"], name="games_away_team_id_fkey"),
    Index("idx_games_date", "date"),
    Index("idx_games_home_team", "home_team_id"),
    Index("idx_games_away_team", "away_team_id"),
)

# -- ours ---------------------------------------------------------------------------------------

game_details = Table(
    "game_details",
    metadata,
    Column("game_id", Text, ForeignKey("games.id"), primary_key=True),
    Column("features", json_type(), nullable=False, comment="the model's inputs (GameFeatures): SPOILERS"),
    Column(
        "explanation",
        json_type(),
        nullable=False,
        comment="top feature contributions [{feature, contribution}]: SPOILERS",
    ),
    comment="Spoilers: how the game went. Front ends must not read this table.",
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

game_tags = Table(
    "game_tags",
    metadata,
    Column("game_id", Text, ForeignKey("games.id"), primary_key=True),
    Column("tags", Text, nullable=False, comment="comma-separated tag names (features/tags.py), at most three"),
    comment="Spoiler-safe tags of a game, computed from its features when stored; the fans' page reads them.",
)

VOTES = ("up", "down")

fan_votes = Table(
    "fan_votes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("game_id", Text, ForeignKey("games.id"), nullable=False),
    Column("vote", String(4), nullable=False, comment="up or down: was it worth watching?"),
    Column("voter_hash", Text, nullable=False, comment="HMAC of the browser's random voter id; never the id itself"),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint("vote IN ('up', 'down')", name="vote"),
    UniqueConstraint("game_id", "voter_hash"),
    comment="The fans' 'worth it?' votes, one per browser per game; the one table serve writes.",
)

FRONT_END_TABLES = (teams, games)
SPOILER_TABLES = (game_details,)
FAN_PAGE_TABLES = (game_tags, fan_votes)
"""Ours, read by our page only (never by the original web app): each checked to leak no result."""

# Every column a front end may read, and why it reveals no score, margin or winner.  A test
# fails when a column of teams/games is missing here, so a new one has to be argued for.
FRONT_END_COLUMNS: dict[str, dict[str, str]] = {
    "teams": {
        "id": "team identity",
        "abbreviation": "team identity",
        "name": "team identity",
        "conference": "today's conference of the franchise, the same whichever game",
    },
    "games": {
        "id": "game identity (season, type and sequence number)",
        "date": "when it was played",
        "home_team_id": "who played (not who won)",
        "away_team_id": "who played (not who won)",
        "prediction_rating": "the watchability rating, the product itself",
        "created_at": "when the row was written",
        "updated_at": "when the row was last written",
        "season": "derived from the game id",
        "classification": "a band of the rating",
        "model_version": "which model rated it",
        "predicted_at": "when the rating was computed",
        "start_time_utc": "when it was scheduled to start (not how it went)",
    },
}
