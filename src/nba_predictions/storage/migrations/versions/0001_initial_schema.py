"""Initial schema: teams, games (no scores), pipeline_runs.

Revision ID: 0001
Revises:
Create Date: 2025-11-28

A migration is a frozen snapshot: it spells its columns out instead of importing
``nba_predictions.storage.schema``, so later edits of the live schema cannot change it
(``pipeline_runs`` is spelled out in ``storage/frozen.py``, frozen too, because adopting the web
app's database builds it as well).

Every constraint and index name is the final one, wrapped in ``op.f()``: Alembic builds these
tables with the naming convention of ``schema.metadata``, which would otherwise prefix a name
again (``ck_games_ck_games_two_teams``).  A later migration refers to them the same way, e.g.
``batch_op.drop_constraint(op.f("ck_games_two_teams"), type_="check")``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from nba_predictions.storage.frozen import create_pipeline_runs_0001

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def _utc() -> sa.types.TypeEngine:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False, comment="stats.nba.com team id"),
        sa.Column("abbreviation", sa.String(3), nullable=False),
        sa.Column("name", sa.String(64), nullable=True),
        sa.Column("conference", sa.String(4), nullable=True),
        sa.CheckConstraint("conference IN ('East', 'West')", name=op.f("ck_teams_conference")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    op.create_table(
        "games",
        sa.Column("id", sa.String(10), nullable=False, comment="stats.nba.com game id, e.g. 0022300559"),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("season", sa.String(7), nullable=False, comment="e.g. 2023-24"),
        sa.Column("home_team_id", sa.Integer(), nullable=False),
        sa.Column("away_team_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Float(), nullable=False),
        sa.Column("classification", sa.String(8), nullable=False),
        sa.Column("features", _json(), nullable=False),
        sa.Column("explanation", _json(), nullable=False, comment="top feature contributions"),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("predicted_at", _utc(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.CheckConstraint("rating >= 0 AND rating <= 100", name=op.f("ck_games_rating_range")),
        sa.CheckConstraint("classification IN ('good', 'mediocre', 'bad')", name=op.f("ck_games_classification")),
        sa.CheckConstraint("home_team_id <> away_team_id", name=op.f("ck_games_two_teams")),
        sa.ForeignKeyConstraint(["home_team_id"], ["teams.id"], name=op.f("fk_games_home_team_id_teams")),
        sa.ForeignKeyConstraint(["away_team_id"], ["teams.id"], name=op.f("fk_games_away_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_games")),
    )
    op.create_index(op.f("ix_games_date_rating"), "games", ["date", "rating"])
    create_pipeline_runs_0001(op)  # also built by storage.adopt: one frozen definition


def downgrade() -> None:
    op.drop_index(op.f("ix_pipeline_runs_target_date"), table_name="pipeline_runs")
    op.drop_table("pipeline_runs")
    op.drop_index(op.f("ix_games_date_rating"), table_name="games")
    op.drop_table("games")
    op.drop_table("teams")
