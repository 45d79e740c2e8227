"""game_tags: the spoiler-safe tags of each game, for our page.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

A new table of ours, ``game_tags`` (game id, comma-separated tag names), which the storage step
fills from a game's features whenever it writes its ``game_details``.  The upgrade fills it for the
games already stored, from their stored features, with the tag rules of this version
(:func:`nba_predictions.features.tags.tags_of`).  Nothing else changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from nba_predictions.features.tags import tags_of

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 2_000


def upgrade() -> None:
    op.create_table(
        "game_tags",
        sa.Column("game_id", sa.Text(), nullable=False),
        sa.Column(
            "tags", sa.Text(), nullable=False, comment="comma-separated tag names (features/tags.py), at most three"
        ),
        sa.ForeignKeyConstraint(["game_id"], ["games.id"], name=op.f("fk_game_tags_game_id_games")),
        sa.PrimaryKeyConstraint("game_id", name=op.f("pk_game_tags")),
        comment="Spoiler-safe tags of a game, computed from its features when stored; the fans' page reads them.",
    )
    details = sa.table("game_details", sa.column("game_id", sa.Text()), sa.column("features", sa.JSON().with_variant(JSONB(), "postgresql")))
    tags = sa.table("game_tags", sa.column("game_id", sa.Text()), sa.column("tags", sa.Text()))
    conn = op.get_bind()
    rows = conn.execute(sa.select(details.c.game_id, details.c.features).order_by(details.c.game_id))
    while batch := rows.fetchmany(_BATCH):
        conn.execute(
            tags.insert(), [{"game_id": game_id, "tags": ",".join(tags_of(features))} for game_id, features in batch]
        )


def downgrade() -> None:
    op.drop_table("game_tags")
