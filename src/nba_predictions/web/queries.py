"""Every statement the web layer runs. Read-only, and spoiler-free by construction.

They read the columns of the original web app's contract and nothing else: team id, abbreviation,
name and conference; game id, date, home and away team, and the rating. ``game_details`` (features
and explanations, which give scores and margins away) is never touched, and no statement names a
score. Our page also reads ``games.start_time_utc`` (our column: the scheduled tip-off, where the
source gave one; a start time says nothing about how the game went) and ``game_tags``: tags
computed from the features when a game is stored, each shown only because it carries no
information about the result
(:mod:`nba_predictions.features.tags`; the leak test measures it over the archive). A game without a
rating (a row the original web app's own set-up may hold) is not a prediction, so it is never listed
or served.

Every function takes an open connection; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, or_, select, text

from nba_predictions.storage.schema import fan_votes, game_tags, games, teams


@dataclass(frozen=True)
class TeamRow:
    team_id: str
    abbreviation: str
    name: str
    conference: str


@dataclass(frozen=True)
class GameRow:
    """A rated game as the web layer shows it: who played, when, and the rating.  No score."""

    game_id: str
    day: date
    rating: float
    home: TeamRow
    away: TeamRow
    start: datetime | None = None  # the scheduled tip-off (aware, UTC); read for the page's lists only


@dataclass(frozen=True)
class Listing:
    """One page of the API's listing and the number of games that match in all."""

    games: list[GameRow]
    total: int


def _day(value: date | str) -> date:
    """A stored date (``YYYY-MM-DD`` text; the schema's type may already have parsed it)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _row(row: Sequence[Any]) -> GameRow:
    return GameRow(
        game_id=row[0],
        day=_day(row[1]),
        rating=float(row[2]),
        home=TeamRow(str(row[3]), row[4], row[5], row[6]),
        away=TeamRow(str(row[7]), row[8], row[9], row[10]),
    )


def _row_with_start(row: Sequence[Any]) -> GameRow:
    """A row of :func:`_rated_games` given ``games.start_time_utc`` as its first extra column."""
    return replace(_row(row), start=_stamp(row[11]))


# -- statements: built once on first use, then only their parameters change ------------------------
# (Building a SELECT costs several times what SQLite takes to run it; a built one is cached.)


def _team_aliases_and_columns() -> tuple:
    home, away = teams.alias("home"), teams.alias("away")
    columns = (
        games.c.id,
        games.c.date,
        games.c.prediction_rating,
        home.c.id,
        home.c.abbreviation,
        home.c.name,
        home.c.conference,
        away.c.id,
        away.c.abbreviation,
        away.c.name,
        away.c.conference,
    )
    return home, away, columns


def _rated_games(*extra: Any) -> Select[Any]:
    home, away, columns = _team_aliases_and_columns()
    return (
        select(*columns, *extra)
        .join_from(games, home, games.c.home_team_id == home.c.id)
        .join_from(games, away, games.c.away_team_id == away.c.id)
        .where(games.c.prediction_rating.is_not(None))
    )


def _filtered(query: Select, by_day: bool, by_team: bool) -> Select:
    if by_day:
        query = query.where(games.c.date == bindparam("day"))
    if by_team:
        query = query.where(
            or_(games.c.home_team_id == bindparam("team_id"), games.c.away_team_id == bindparam("team_id"))
        )
    return query


def _page_columns() -> tuple:  # the games columns a listed row needs, nothing more
    return (games.c.id, games.c.date, games.c.prediction_rating, games.c.home_team_id, games.c.away_team_id)


@cache
def _listing(by_day: bool, by_team: bool) -> Select:
    rated = games.c.prediction_rating.is_not(None)
    page = (
        _filtered(select(*_page_columns()).where(rated), by_day, by_team)
        .order_by(games.c.date.desc(), games.c.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    total = _count(by_day, by_team).scalar_subquery().label("total")
    home, away = teams.alias("home"), teams.alias("away")
    columns = (page.c.id, page.c.date, page.c.prediction_rating)
    team_columns = (
        *(home.c.id, home.c.abbreviation, home.c.name, home.c.conference),
        *(away.c.id, away.c.abbreviation, away.c.name, away.c.conference),
    )
    return (
        select(*columns, *team_columns, total)
        .join_from(page, home, page.c.home_team_id == home.c.id)
        .join_from(page, away, page.c.away_team_id == away.c.id)
        .order_by(page.c.date.desc(), page.c.id)
    )


@cache
def _count(by_day: bool, by_team: bool) -> Select:
    rated = select(func.count()).select_from(games).where(games.c.prediction_rating.is_not(None))
    return _filtered(rated, by_day, by_team)


@cache
def _game() -> Select:
    return _rated_games().where(games.c.id == bindparam("game_id"))


@cache
def _day_games(by_team: bool) -> Select:
    query = _filtered(_rated_games(games.c.start_time_utc), True, by_team)
    return query.order_by(games.c.prediction_rating.desc(), games.c.id)


@cache
def _best(by_team: bool) -> Select:
    query = _filtered(_rated_games(games.c.start_time_utc), False, by_team)
    query = query.where(games.c.date.between(bindparam("first"), bindparam("last")))
    return query.order_by(games.c.prediction_rating.desc(), games.c.date.desc(), games.c.id).limit(bindparam("limit"))


@cache
def _nearest(later: bool, by_team: bool) -> Select:
    aggregate, condition = (
        (func.min, games.c.date > bindparam("day")) if later else (func.max, games.c.date < bindparam("day"))
    )
    query = select(aggregate(games.c.date)).where(games.c.prediction_rating.is_not(None), condition)
    return _filtered(query, False, by_team)


@cache
def _latest() -> Select:
    return select(func.max(games.c.date)).where(games.c.prediction_rating.is_not(None))


@cache
def _version() -> Select:
    # Scalar subqueries: together in one aggregate, max(id) could not use the primary key.  Votes
    # count too: a page shows a game's votes to whoever voted on it.
    return select(
        select(func.count()).select_from(games).scalar_subquery(),
        select(func.max(games.c.id)).scalar_subquery(),
        select(func.max(games.c.updated_at)).scalar_subquery(),
        select(func.count()).select_from(fan_votes).scalar_subquery(),
    )


@cache
def _teams() -> Select:
    return select(teams.c.id, teams.c.abbreviation, teams.c.name, teams.c.conference).order_by(teams.c.abbreviation)


@cache
def _team_id() -> Select:
    return select(teams.c.id).where(teams.c.abbreviation == bindparam("abbreviation"))


@cache
def _newest(by_team: bool) -> Select:
    query = _rated_games(games.c.updated_at).where(games.c.prediction_rating >= bindparam("least"))
    if by_team:
        team_ids: Any = bindparam("team_ids", expanding=True)
        query = query.where(or_(games.c.home_team_id.in_(team_ids), games.c.away_team_id.in_(team_ids)))
    return query.order_by(games.c.updated_at.desc(), games.c.date.desc(), games.c.id).limit(bindparam("limit"))


@cache
def _tags() -> Select:
    wanted = game_tags.c.game_id.in_(bindparam("ids", expanding=True))
    return select(game_tags.c.game_id, game_tags.c.tags).where(wanted)


# -- the queries ------------------------------------------------------------------------------------


def ping(conn: Connection) -> None:
    conn.execute(text("SELECT 1")).scalar_one()


def latest_rated_day(conn: Connection) -> date | None:
    """The newest date with a rated game; None on a database without one."""
    found = conn.execute(_latest()).scalar_one_or_none()
    return None if found is None else _day(found)


def version(conn: Connection) -> str:
    """What changes whenever a game is stored, re-rated or removed, or a vote is cast: rows, newest
    id, newest write, votes.

    One statement over ``games`` and ``fan_votes`` (no score read); the caching middleware puts it
    in every ETag.
    """
    count, newest_id, newest_write, votes = conn.execute(_version()).one()
    return f"{count}:{newest_id}:{newest_write}:{votes}"


def all_teams(conn: Connection) -> list[TeamRow]:
    """Every team, by abbreviation."""
    return [TeamRow(str(r[0]), r[1], r[2], r[3]) for r in conn.execute(_teams())]


def team_id_of(conn: Connection, abbreviation: str) -> str | None:
    """The id of the team with this abbreviation (exact, upper case), None when there is none."""
    found = conn.execute(_team_id(), {"abbreviation": abbreviation}).scalar_one_or_none()
    return None if found is None else str(found)


def _params(day: date | None = None, team_id: str | None = None, **more: object) -> dict[str, object]:
    given = {"day": day.isoformat() if day else None, "team_id": team_id, **more}
    return {k: v for k, v in given.items() if v is not None}


def listing(conn: Connection, day: date | None, team_id: str | None, limit: int, offset: int) -> Listing:
    """The API's listing: newest date first, then by game id (the original API's order).

    One statement, so the page and its total come from the same snapshot: the page's games are
    chosen first (games alone, ``LIMIT``/``OFFSET``), their teams joined to those rows only, and
    the total is an uncorrelated scalar subquery counted once.  (``count(*) OVER ()`` over the
    joined rows made the database join and count every rated game before taking the page: three
    times the original API's time for a season's listing, bench_load.py.)  Only a page past the
    end needs a second, counting query.
    """
    by = (day is not None, team_id is not None)
    rows = conn.execute(_listing(*by), _params(day, team_id, limit=limit, offset=offset)).all()
    if rows:
        return Listing([_row(r) for r in rows], int(rows[0][-1]))
    return Listing([], int(conn.execute(_count(*by), _params(day, team_id)).scalar_one()))


def game(conn: Connection, game_id: str) -> GameRow | None:
    row = conn.execute(_game(), {"game_id": game_id}).first()
    return None if row is None else _row(row)


def games_on(conn: Connection, day: date, team_id: str | None) -> list[GameRow]:
    """A date's rated games, best first (ties by game id)."""
    return [_row_with_start(r) for r in conn.execute(_day_games(team_id is not None), _params(day, team_id))]


def best_between(conn: Connection, first: date, last: date, team_id: str | None, limit: int) -> list[GameRow]:
    """The best rated games from ``first`` to ``last`` (inclusive), best first; a tie goes to the later date."""
    params = _params(None, team_id, first=first.isoformat(), last=last.isoformat(), limit=limit)
    return [_row_with_start(r) for r in conn.execute(_best(team_id is not None), params)]


def neighbour_days(conn: Connection, day: date, team_id: str | None) -> tuple[date | None, date | None]:
    """The nearest dates before and after ``day`` with rated games (of the team, if given)."""

    def nearest(later: bool) -> date | None:
        found = conn.execute(_nearest(later, team_id is not None), _params(day, team_id)).scalar_one_or_none()
        return None if found is None else _day(found)

    return nearest(False), nearest(True)


def tags_of_games(conn: Connection, game_ids: Sequence[str]) -> dict[str, str]:
    """The stored tag names (comma-separated) of these games; a game without a row is left out."""
    if not game_ids:
        return {}
    return {str(row[0]): row[1] for row in conn.execute(_tags(), {"ids": list(game_ids)})}


def newest_rated(
    conn: Connection, team_ids: Sequence[str], least: float, limit: int
) -> list[tuple[GameRow, datetime | None]]:
    """The most recently (re-)rated games rated ``least`` or more, of any of ``team_ids`` (all when
    empty), newest first, each with the time its row was last written (``games.updated_at``)."""
    params: dict[str, object] = {"least": least, "limit": limit}
    if team_ids:
        params["team_ids"] = list(team_ids)
    return [(_row(r), _stamp(r[11])) for r in conn.execute(_newest(bool(team_ids)), params)]


def _stamp(value: datetime | str | None) -> datetime | None:
    """A stored time as an aware UTC datetime (the web app's rows may hold ``CURRENT_TIMESTAMP`` text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
