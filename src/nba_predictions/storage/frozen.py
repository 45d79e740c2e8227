"""Table definitions frozen at the revision that introduced them.

Shared by the migrations (``migrations/versions``) and by :mod:`.adopt`, which builds revision
0002 from a database the web app created.  Like a migration, nothing here may change once
released: a later schema change is a new migration, never an edit of these definitions (the
live tables are in :mod:`.schema`; a test keeps every path equal to them).

Every function takes Alembic's ``op``; constraint and index names are final names wrapped in
``op.f()`` (see the 0001 migration's docstring).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from alembic.operations import Operations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


def json_type() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def utc_type() -> sa.types.TypeEngine:
    return sa.DateTime(timezone=True)


# -- revision 0001 ------------------------------------------------------------------------------


def create_pipeline_runs_0001(op: Operations) -> None:
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("steps", json_type(), nullable=False, comment="step names in run order"),
        sa.Column("source", sa.String(32), nullable=True),
        sa.Column("games_found", sa.Integer(), nullable=False),
        sa.Column("games_processed", sa.Integer(), nullable=False),
        sa.Column("games_saved", sa.Integer(), nullable=False),
        sa.Column("games_skipped", sa.Integer(), nullable=False),
        sa.Column("games_failed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("errors", json_type(), nullable=False),
        sa.Column("started_at", utc_type(), nullable=False),
        sa.Column("finished_at", utc_type(), nullable=True),
        sa.CheckConstraint("status IN ('ok', 'partial', 'failed')", name=op.f("ck_pipeline_runs_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_runs")),
    )
    op.create_index(op.f("ix_pipeline_runs_target_date"), "pipeline_runs", ["target_date"])


# -- revision 0002 ------------------------------------------------------------------------------

# The web app's tables as its schema.sql declares them (SQLite), written from its column list.
# Unnamed constraints, as there: a database we create and one the web app created are alike.
TEAMS_SQLITE_0002 = """
CREATE TABLE {name} (
  id TEXT PRIMARY KEY,
  abbreviation TEXT UNIQUE NOT NULL,
  name TEXT NOT NULL,
  conference TEXT NOT NULL CHECK (conference IN ('East', 'West'))
)"""

GAMES_SQLITE_0002 = """
CREATE TABLE {name} (
  id TEXT PRIMARY KEY,
  date TEXT NOT NULL,
  home_team_id TEXT NOT NULL,
  away_team_id TEXT NOT NULL,
  prediction_rating REAL,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  season TEXT,
  classification TEXT,
  model_version TEXT,
  predicted_at DATETIME,
  FOREIGN KEY (home_team_id) REFERENCES teams (id),
  FOREIGN KEY (away_team_id) REFERENCES teams (id)
)"""

# Our columns after the web app's in ``games``: (name, type).  All nullable.
GAMES_OUR_COLUMNS_0002: tuple[tuple[str, sa.types.TypeEngine], ...] = (
    ("season", sa.Text()),
    ("classification", sa.Text()),
    ("model_version", sa.Text()),
    ("predicted_at", utc_type()),
)

# The web app's indexes, by its names: (name, column).
GAMES_INDEXES_0002 = (
    ("idx_games_date", "date"),
    ("idx_games_home_team", "home_team_id"),
    ("idx_games_away_team", "away_team_id"),
)


def create_game_details_0002(op: Operations) -> None:
    op.create_table(
        "game_details",
        sa.Column("game_id", sa.Text(), nullable=False),
        sa.Column("features", json_type(), nullable=False, comment="the model's inputs (GameFeatures): SPOILERS"),
        sa.Column(
            "explanation",
            json_type(),
            nullable=False,
            comment="top feature contributions [{feature, contribution}]: SPOILERS",
        ),
        sa.ForeignKeyConstraint(["game_id"], ["games.id"], name=op.f("fk_game_details_game_id_games")),
        sa.PrimaryKeyConstraint("game_id", name=op.f("pk_game_details")),
        comment="Spoilers: how the game went. Front ends must not read this table.",
    )


def create_games_indexes_0002(op: Operations, existing: Collection[str] = frozenset()) -> None:
    for name, column in GAMES_INDEXES_0002:
        if name not in existing:
            op.create_index(op.f(name), "games", [column])
