"""The fans' tables: game_tags (spoiler-safe tags of each game) and fan_votes (worth it? votes).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

A new table of ours, ``game_tags`` (game id, comma-separated tag names), which the storage step
fills from a game's features whenever it writes its ``game_details``.  The upgrade fills it for the
games already stored, from their stored features, with the tag rules of this version
(:func:`nba_predictions.features.tags.tags_of`).  ``fan_votes`` (game id, up or down, the voter's
hash, when) is the one table ``serve`` writes; it starts empty.  Nothing else changes.
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
    op.create_table(
        "fan_votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("game_id", sa.Text(), nullable=False),
        sa.Column("vote", sa.String(length=4), nullable=False, comment="up or down: was it worth watching?"),
        sa.Column(
            "voter_hash", sa.Text(), nullable=False, comment="HMAC of the browser's random voter id; never the id itself"
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("vote IN ('up', 'down')", name=op.f("ck_fan_votes_vote")),
        sa.ForeignKeyConstraint(["game_id"], ["games.id"], name=op.f("fk_fan_votes_game_id_games")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fan_votes")),
        sa.UniqueConstraint("game_id", "voter_hash", name=op.f("uq_fan_votes_game_id_voter_hash")),
        comment="The fans' 'worth it?' votes, one per browser per game; the one table serve writes.",
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
    op.drop_table("fan_votes")
    op.drop_table("game_tags")
