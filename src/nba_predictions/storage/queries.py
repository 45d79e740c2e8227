"""The statements the storage step runs: team upserts, game inserts/updates, run records and
the ``show`` query.  Every function takes a connection already inside a transaction; the caller
decides where the transaction begins and ends.

Rows are written in game-id / team-id order, so concurrent PostgreSQL writers take row locks in
the same order and cannot deadlock each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import Connection, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .records import RatedGame, RunRecord, TeamRef
from .schema import games, pipeline_runs, teams

# The columns --force rewrites; date, season, teams and created_at never change.
RERATED_COLUMNS = ("rating", "classification", "features", "explanation", "model_version", "predicted_at", "updated_at")


def _insert(conn: Connection):  # noqa: ANN202 - the dialect's Insert construct
    return postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert


def upsert_teams(conn: Connection, rows: Iterable[dict[str, object]]) -> None:
    """Insert teams; refresh an abbreviation that changed, fill a name/conference that is known."""
    ordered = sorted(rows, key=lambda row: row["id"])
    if not ordered:
        return
    stmt = _insert(conn)(teams)
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[teams.c.id],
        set_={
            "abbreviation": excluded.abbreviation,
            "name": func.coalesce(excluded.name, teams.c.name),
            "conference": func.coalesce(excluded.conference, teams.c.conference),
        },
        where=or_(
            teams.c.abbreviation.is_distinct_from(excluded.abbreviation),
            excluded.name.is_not(None) & teams.c.name.is_distinct_from(excluded.name),
            excluded.conference.is_not(None) & teams.c.conference.is_distinct_from(excluded.conference),
        ),
    )
    conn.execute(stmt, ordered)


def insert_new_games(conn: Connection, rows: Sequence[dict[str, object]]) -> set[str]:
    """Insert the games not stored yet; returns the ids actually inserted.

    ``ON CONFLICT DO NOTHING ... RETURNING`` decides per row inside the database, so a game a
    concurrent run inserted first is reported as already stored, never inserted twice.
    """
    if not rows:
        return set()
    ordered = sorted(rows, key=lambda row: row["id"])
    stmt = _insert(conn)(games).on_conflict_do_nothing(index_elements=[games.c.id]).returning(games.c.id)
    return {row[0] for row in conn.execute(stmt, ordered)}


def rerate_games(conn: Connection, rows: Sequence[dict[str, object]]) -> int:
    """Overwrite the rating columns (and ``updated_at``) of stored games; returns how many."""
    if not rows:
        return 0
    stmt = (
        update(games)
        .where(games.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in RERATED_COLUMNS})
    )
    ordered = sorted(rows, key=lambda row: row["id"])
    conn.execute(stmt, [{"b_id": row["id"], **{f"b_{name}": row[name] for name in RERATED_COLUMNS}} for row in ordered])
    return len(ordered)


def insert_run(conn: Connection, run: RunRecord) -> int:
    result = conn.execute(
        pipeline_runs.insert().returning(pipeline_runs.c.id),
        {
            "target_date": run.target_date,
            "steps": list(run.steps),
            "source": run.source,
            "games_found": run.found,
            "games_processed": run.processed,
            "games_saved": run.saved,
            "games_skipped": run.skipped,
            "games_failed": run.failed,
            "status": run.status,
            "errors": list(run.errors),
            "started_at": run.started_at,
            "finished_at": run.finished_at,
        },
    )
    return int(result.scalar_one())


def rated_games_on(conn: Connection, day: date) -> list[RatedGame]:
    """The games of ``day``, best rated first (ties by game id)."""
    home, away = teams.alias("home"), teams.alias("away")
    query = (
        select(
            games.c.id, games.c.date, games.c.season, games.c.rating, games.c.classification,
            games.c.model_version, games.c.predicted_at, games.c.explanation,
            home.c.id, home.c.abbreviation, home.c.name,
            away.c.id, away.c.abbreviation, away.c.name,
        )
        .join_from(games, home, games.c.home_team_id == home.c.id)
        .join_from(games, away, games.c.away_team_id == away.c.id)
        .where(games.c.date == day)
        .order_by(games.c.rating.desc(), games.c.id)
    )
    return [
        RatedGame(
            game_id=row[0], date=row[1], season=row[2], rating=row[3], classification=row[4],
            model_version=row[5], predicted_at=row[6],
            explanation=tuple((item["feature"], float(item["contribution"])) for item in row[7]),
            home=TeamRef(row[8], row[9], row[10]),
            away=TeamRef(row[11], row[12], row[13]),
        )
        for row in conn.execute(query)
    ]


def dump_table(conn: Connection, table_name: str) -> list[tuple]:
    """Every row of a table in primary-key order (tests and diagnostics compare these)."""
    table = {t.name: t for t in (teams, games, pipeline_runs)}[table_name]
    return [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]


def count_games(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(games)).scalar_one())


__all__ = [
    "RERATED_COLUMNS", "count_games", "dump_table", "insert_new_games", "insert_run",
    "rated_games_on", "rerate_games", "upsert_teams",
]
