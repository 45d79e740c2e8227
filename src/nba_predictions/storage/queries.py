"""The statements the storage step runs: team seeding, game inserts/updates, details, run records
and the ``show`` query.  Every function takes a connection already inside a transaction; the
caller decides where the transaction begins and ends.

Rows are written in game-id / team-id order, so concurrent PostgreSQL writers take row locks in
the same order and cannot deadlock each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, inspect, null, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from nba_predictions.errors import StorageError
from nba_predictions.features.tags import tags_of
from nba_predictions.storage.records import RatedGame, RunRecord, Spoilers, TeamRef
from nba_predictions.storage.schema import fan_votes, game_details, game_tags, games, pipeline_runs, teams

# The games columns --force rewrites (and the columns of game_details); date, teams and
# created_at never change.  season is filled where a row the web app wrote has none, start_time_utc
# where the row has none (a source that gives no time never erases one).
RERATED_COLUMNS = ("prediction_rating", "classification", "model_version", "predicted_at", "updated_at")
DETAIL_COLUMNS = ("features", "explanation")


def _insert(conn: Connection) -> Any:
    return postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert


def seed_teams(conn: Connection, rows: Iterable[dict[str, str]]) -> int:
    """Insert the teams, and set a stored team's abbreviation, name and conference to ``rows``'.

    Reads first and writes only the rows that differ (after the first run: none), so a run that
    stores date after date pays one small query.  A row under another id that holds one of these
    abbreviations (the abbreviation is unique) is a :class:`StorageError` naming it; rows of
    other ids are otherwise left alone.  Returns how many rows were written.
    """
    wanted = {row["id"]: row for row in rows}
    stored = {row.id: dict(row._mapping) for row in conn.execute(select(teams).where(teams.c.id.in_(sorted(wanted))))}
    changed = [row for team_id, row in sorted(wanted.items()) if stored.get(team_id) != row]
    if not changed:
        return 0
    clash = abbreviation_clash(conn, changed, others_than=wanted)
    if clash is not None:
        raise StorageError(clash)
    # Missing teams are inserted with DO NOTHING, so runs that race to seed a new database wait
    # for the first and then write nothing: an upsert would take a FOR UPDATE lock on each team
    # (the unique abbreviation makes it a key update), which blocks the other runs' foreign-key
    # checks while they hold game rows this run waits for: a deadlock on PostgreSQL.  No conflict
    # target: the racing run's row conflicts on the abbreviation too, and a conflict on an index
    # that is not the target would be an error.
    missing = [row for row in changed if row["id"] not in stored]
    if missing:
        conn.execute(_insert(conn)(teams).on_conflict_do_nothing(), missing)
    differing = [row for row in changed if row["id"] in stored]
    if differing:
        stmt = _insert(conn)(teams)
        stmt = stmt.on_conflict_do_update(
            index_elements=[teams.c.id],
            set_={name: stmt.excluded[name] for name in ("abbreviation", "name", "conference")},
        )
        conn.execute(stmt, differing)
    return len(changed)


def abbreviation_clash(
    conn: Connection, rows: Iterable[dict[str, str]], others_than: Iterable[str] | None = None
) -> str | None:
    """Why ``rows`` (teams) cannot be written, or None: a ``teams`` row under an id not among
    ``others_than`` (default: the rows' own ids) holds one of their abbreviations, which are unique.
    Reads the web app's columns only (``id``, ``abbreviation``), so it works before adoption too."""
    owner = {row["abbreviation"]: row for row in rows}
    ids = sorted(others_than if others_than is not None else (row["id"] for row in owner.values()))
    if not owner:
        return None
    clash = conn.execute(
        select(teams.c.id, teams.c.abbreviation)
        .where(teams.c.abbreviation.in_(sorted(owner)), teams.c.id.not_in(ids))
        .order_by(teams.c.id)
    ).first()
    if clash is None:
        return None
    team = owner[clash.abbreviation]
    return (
        f"teams row {clash.id!r} holds the abbreviation {clash.abbreviation}, which is team {team['id']} "
        f"({team['name']}): change or delete that row, then rerun"
    )


def insert_new_games(conn: Connection, rows: Sequence[dict[str, object]]) -> set[str]:
    """Insert the games not stored yet; returns the ids actually inserted.

    ``ON CONFLICT DO NOTHING ... RETURNING`` decides per row inside the database, so a game a
    concurrent run inserted first is reported as already stored, never inserted twice.
    """
    if not rows:
        return set()
    ordered = sorted(rows, key=lambda row: str(row["id"]))
    stmt = _insert(conn)(games).on_conflict_do_nothing(index_elements=[games.c.id]).returning(games.c.id)
    return {row[0] for row in conn.execute(stmt, ordered)}


def unrated(conn: Connection, game_ids: Iterable[str]) -> set[str]:
    """Those of ``game_ids`` stored without a rating (rows the web app's original job made)."""
    ids = sorted(game_ids)
    if not ids:
        return set()
    found = conn.execute(select(games.c.id).where(games.c.id.in_(ids), games.c.prediction_rating.is_(None)))
    return set(found.scalars())


def rated_ids_between(conn: Connection, first: date, last: date) -> set[str]:
    """Ids of the games played from ``first`` to ``last`` that are stored with a rating."""
    found = conn.execute(
        select(games.c.id).where(games.c.date.between(first, last), games.c.prediction_rating.is_not(None))
    )
    return set(found.scalars())


def rerate_games(conn: Connection, rows: Sequence[dict[str, object]]) -> int:
    """Overwrite the rating columns (and ``updated_at``) of stored games; returns how many."""
    if not rows:
        return 0
    stmt = (
        update(games)
        .where(games.c.id == bindparam("b_id"))
        .values(
            {name: bindparam(f"b_{name}") for name in RERATED_COLUMNS}
            | {"season": func.coalesce(games.c.season, bindparam("b_season"))}
            | {"start_time_utc": func.coalesce(bindparam("b_start_time_utc"), games.c.start_time_utc)}
        )
    )
    ordered = sorted(rows, key=lambda row: str(row["id"]))
    conn.execute(
        stmt,
        [
            {
                "b_id": row["id"],
                "b_season": row["season"],
                "b_start_time_utc": row.get("start_time_utc"),
                **{f"b_{name}": row[name] for name in RERATED_COLUMNS},
            }
            for row in ordered
        ],
    )
    return len(ordered)


def upsert_details(conn: Connection, rows: Sequence[dict[str, object]]) -> None:
    """Write the games' ``game_details`` rows, replacing any already there, and their spoiler-safe
    ``game_tags`` rows (computed from the features: :func:`~nba_predictions.features.tags.tags_of`)."""
    if not rows:
        return
    ordered = sorted(rows, key=lambda row: str(row["game_id"]))
    stmt = _insert(conn)(game_details)
    stmt = stmt.on_conflict_do_update(
        index_elements=[game_details.c.game_id], set_={name: stmt.excluded[name] for name in DETAIL_COLUMNS}
    )
    conn.execute(stmt, ordered)
    upsert_tags(conn, [(str(row["game_id"]), row["features"]) for row in ordered])  # type: ignore[misc]


def upsert_tags(conn: Connection, features: Sequence[tuple[str, Mapping[str, float]]]) -> None:
    """Write ``game_tags`` rows for ``(game_id, feature values)`` pairs, replacing any already there."""
    if not features:
        return
    stmt = _insert(conn)(game_tags)
    stmt = stmt.on_conflict_do_update(index_elements=[game_tags.c.game_id], set_={"tags": stmt.excluded.tags})
    conn.execute(stmt, [{"game_id": game_id, "tags": ",".join(tags_of(values))} for game_id, values in features])


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


def rated_games_on(conn: Connection, day: date, *, spoilers: bool = False, adopted: bool = True) -> list[RatedGame]:
    """The games of ``day``, best rated first (unrated last, ties by game id).

    Teams are joined as the web app joins them (LEFT JOIN), so a row it wrote for a team it never
    stored is listed too.  ``game_details`` is read only with ``spoilers``.  Not ``adopted``: the
    web app's database as it made it, read from the columns it has (our columns of ``games`` where
    present, None otherwise; no ``game_details``, so no spoilers).
    """
    present = None if adopted else {column["name"] for column in inspect(conn).get_columns("games")}

    def ours(column: ColumnElement[Any]) -> ColumnElement[Any]:
        return column if present is None or column.key in present else null()

    spoilers = spoilers and adopted
    home, away = teams.alias("home"), teams.alias("away")
    columns = [
        games.c.id,
        games.c.date,
        games.c.prediction_rating,
        ours(games.c.classification),
        ours(games.c.season),
        ours(games.c.model_version),
        ours(games.c.predicted_at),
        games.c.home_team_id,
        games.c.away_team_id,
        home.c.abbreviation,
        home.c.name,
        home.c.conference,
        away.c.abbreviation,
        away.c.name,
        away.c.conference,
    ]
    query = (
        select(*columns, *((game_details.c.features, game_details.c.explanation) if spoilers else ()))
        .outerjoin_from(games, home, games.c.home_team_id == home.c.id)
        .outerjoin_from(games, away, games.c.away_team_id == away.c.id)
        .where(games.c.date == day)
        .order_by(games.c.prediction_rating.desc().nulls_last(), games.c.id)
    )
    if spoilers:
        query = query.outerjoin_from(games, game_details, game_details.c.game_id == games.c.id)
    return [
        RatedGame(
            game_id=row[0],
            date=row[1],
            rating=row[2],
            classification=row[3],
            season=row[4],
            model_version=row[5],
            predicted_at=row[6],
            home=TeamRef(row[7], row[9], row[10], row[11]),
            away=TeamRef(row[8], row[12], row[13], row[14]),
            spoilers=_spoilers(row[15], row[16]) if spoilers and row[15] is not None else None,
        )
        for row in conn.execute(query)
    ]


def _spoilers(features: dict, explanation: list[dict]) -> Spoilers:
    return Spoilers(
        features={name: float(value) for name, value in features.items()},
        explanation=tuple((item["feature"], float(item["contribution"])) for item in explanation),
    )


def dump_table(conn: Connection, table_name: str) -> list[tuple]:
    """Every row of a table in primary-key order (tests and diagnostics compare these)."""
    table = {t.name: t for t in (teams, games, game_details, game_tags, pipeline_runs)}[table_name]
    return [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]


def count_games(conn: Connection) -> tuple[int, int]:
    """(games stored, of which rated)."""
    total, rated = conn.execute(select(func.count(), func.count(games.c.prediction_rating))).one()
    return int(total), int(rated)


def fan_vote_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every fan vote, oldest first: game id, vote, voter hash, created_at (an aware UTC datetime)."""
    columns = (fan_votes.c.game_id, fan_votes.c.vote, fan_votes.c.voter_hash, fan_votes.c.created_at)
    return [dict(row._mapping) for row in conn.execute(select(*columns).order_by(fan_votes.c.id))]


def count_teams(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(teams)).scalar_one())


__all__ = [
    "DETAIL_COLUMNS",
    "RERATED_COLUMNS",
    "abbreviation_clash",
    "count_games",
    "count_teams",
    "dump_table",
    "fan_vote_rows",
    "insert_new_games",
    "insert_run",
    "rated_games_on",
    "rated_ids_between",
    "rerate_games",
    "seed_teams",
    "unrated",
    "upsert_details",
    "upsert_tags",
]
