"""games.start_time_utc: the scheduled tip-off of a game, where its source gave one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

One more nullable column of ours at the end of ``games`` (after ``season``, ``classification``,
``model_version`` and ``predicted_at``): the original web app never names it, so its reads and
writes are unaffected.  Games stored before this revision keep it null (the fans' page shows
their date only); the storage step fills it for the games it writes or re-rates from now on
(the CDN's and ScoreboardV3's ``gameTimeUTC``).  Nothing else changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nba_predictions.storage.frozen import utc_type

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE ... ADD COLUMN on every backend: the web app's table is never rebuilt.
    op.add_column("games", sa.Column("start_time_utc", utc_type(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("games") as batch:
        batch.drop_column("start_time_utc")
