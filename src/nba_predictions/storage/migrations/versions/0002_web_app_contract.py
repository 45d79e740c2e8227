"""The web app's tables: text ids, text dates, prediction_rating; spoilers move to game_details.

Revision ID: 0002
Revises: 0001
Create Date: 2025-12-02

``teams`` and ``games`` become exactly the original web app's tables (its schema.sql), with our
own nullable columns after its columns in ``games``; ``features`` and ``explanation`` move to
the new ``game_details`` table.  Every team, game, rating, feature, explanation and run is kept.

SQLite cannot change a column's type in place, so both tables are rebuilt (SQLite's documented
procedure: new table, copy, drop, rename).  ``storage.migrate`` runs SQLite migrations with
foreign keys off and checks them all (``PRAGMA foreign_key_check``) before committing.
PostgreSQL changes the columns in place and renames the constraints to the names it gives the
web app's unnamed ones (``teams_pkey``, ``games_home_team_id_fkey``, ...).

A ``teams`` row without a name or conference (0001 allowed them for ids outside the 30 teams;
no source of ours produces such ids) cannot be kept under the web app's NOT NULL columns: the
upgrade is refused, naming the rows, and the database stays at 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION

from nba_predictions.errors import StorageError
from nba_predictions.storage.frozen import (
    GAMES_SQLITE_0002,
    TEAMS_SQLITE_0002,
    create_game_details_0002,
    create_games_indexes_0002,
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _refuse_teams_without_name_or_conference()
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_postgresql()


def downgrade() -> None:
    raise NotImplementedError("revision 0002 cannot be undone (rows the web app wrote have no 0001 form): restore a backup")


def _refuse_teams_without_name_or_conference() -> None:
    rows = op.get_bind().execute(sa.text(
        "SELECT id, abbreviation FROM teams WHERE name IS NULL OR conference IS NULL ORDER BY id")).all()
    if rows:
        named = ", ".join(f"{team_id} ({abbreviation})" for team_id, abbreviation in rows)
        raise StorageError(
            f"teams {named} have no name or conference, which schema 0002 requires: they are not NBA teams; "
            "delete them and their games, then rerun (the database is unchanged, still at 0001)"
        )


def _upgrade_sqlite() -> None:
    op.execute(TEAMS_SQLITE_0002.format(name="_teams_0002"))
    op.execute("INSERT INTO _teams_0002 (id, abbreviation, name, conference) "
               "SELECT CAST(id AS TEXT), abbreviation, name, conference FROM teams")
    op.execute(GAMES_SQLITE_0002.format(name="_games_0002"))
    op.execute(
        "INSERT INTO _games_0002 (id, date, home_team_id, away_team_id, prediction_rating, created_at, updated_at, "
        "season, classification, model_version, predicted_at) "
        "SELECT id, date, CAST(home_team_id AS TEXT), CAST(away_team_id AS TEXT), rating, created_at, updated_at, "
        "season, classification, model_version, predicted_at FROM games"
    )
    create_game_details_0002(op)  # references games(id): the new games once renamed below
    op.execute("INSERT INTO game_details (game_id, features, explanation) SELECT id, features, explanation FROM games")
    op.execute("DROP TABLE games")
    op.execute("DROP TABLE teams")
    op.execute("ALTER TABLE _teams_0002 RENAME TO teams")
    op.execute("ALTER TABLE _games_0002 RENAME TO games")
    create_games_indexes_0002(op)


def _upgrade_postgresql() -> None:
    # Foreign keys first: the referenced column changes type.
    op.drop_constraint(op.f("fk_games_home_team_id_teams"), "games", type_="foreignkey")
    op.drop_constraint(op.f("fk_games_away_team_id_teams"), "games", type_="foreignkey")

    op.alter_column("teams", "id", type_=sa.Text(), postgresql_using="id::text", comment=None,
                    existing_comment="stats.nba.com team id")
    op.alter_column("teams", "abbreviation", type_=sa.Text())
    op.alter_column("teams", "name", type_=sa.Text(), nullable=False)
    op.alter_column("teams", "conference", type_=sa.Text(), nullable=False)
    op.execute("ALTER TABLE teams RENAME CONSTRAINT pk_teams TO teams_pkey")
    op.execute("ALTER TABLE teams RENAME CONSTRAINT ck_teams_conference TO teams_conference_check")
    op.create_unique_constraint(op.f("teams_abbreviation_key"), "teams", ["abbreviation"])

    op.drop_index(op.f("ix_games_date_rating"), table_name="games")
    for check in ("ck_games_rating_range", "ck_games_classification", "ck_games_two_teams"):
        op.drop_constraint(op.f(check), "games", type_="check")
    op.alter_column("games", "id", type_=sa.Text(), comment=None, existing_comment="stats.nba.com game id, e.g. 0022300559")
    op.alter_column("games", "date", type_=sa.Text(), postgresql_using="to_char(date, 'YYYY-MM-DD')")
    for side in ("home_team_id", "away_team_id"):
        op.alter_column("games", side, type_=sa.Text(), postgresql_using=f"{side}::text")
    op.alter_column("games", "rating", new_column_name="prediction_rating", type_=DOUBLE_PRECISION(), nullable=True)
    op.alter_column("games", "season", type_=sa.Text(), nullable=True, comment=None, existing_comment="e.g. 2023-24")
    op.alter_column("games", "classification", type_=sa.Text(), nullable=True)
    op.alter_column("games", "model_version", type_=sa.Text())
    op.alter_column("games", "predicted_at", nullable=True)
    for stamp in ("created_at", "updated_at"):
        op.alter_column("games", stamp, nullable=True, server_default=sa.text("CURRENT_TIMESTAMP"))
    op.execute("ALTER TABLE games RENAME CONSTRAINT pk_games TO games_pkey")
    op.create_foreign_key(op.f("games_home_team_id_fkey"), "games", "teams", ["home_team_id"], ["id"])
    op.create_foreign_key(op.f("games_away_team_id_fkey"), "games", "teams", ["away_team_id"], ["id"])
    create_games_indexes_0002(op)

    create_game_details_0002(op)
    op.execute("INSERT INTO game_details (game_id, features, explanation) SELECT id, features, explanation FROM games")
    op.drop_column("games", "features")
    op.drop_column("games", "explanation")
