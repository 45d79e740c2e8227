"""Every statement the web layer runs.  Read-only, and spoiler-free by construction.

They read the columns of the original web app's contract and nothing else: team id,
abbreviation, name and conference; game id, date, home and away team, and the rating.
``game_details`` (features and explanations, which give scores and margins away) is never
touched, and no statement names a score.  A game without a rating (a row the original web app's
own set-up may hold) is not a prediction, so it is never listed or served.

Every function takes an open connection; the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Select, func, or_, select, text

from .tables import games, teams

_home, _away = teams.alias("home"), teams.alias("away")
_RATED = games.c.prediction_rating.is_not(None)
_COLUMNS = (
    games.c.id, games.c.date, games.c.prediction_rating,
    _home.c.id, _home.c.abbreviation, _home.c.name, _home.c.conference,
    _away.c.id, _away.c.abbreviation, _away.c.name, _away.c.conference,
)


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


@dataclass(frozen=True)
class Listing:
    """One page of the API's listing and the number of games that match in all."""

    games: list[GameRow]
    total: int


def _day(value: date | str) -> date:
    """A stored date (``YYYY-MM-DD`` text; the schema's type may already have parsed it)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _row(row) -> GameRow:  # noqa: ANN001 - a SQLAlchemy Row of _COLUMNS
    return GameRow(
        game_id=row[0], day=_day(row[1]), rating=float(row[2]),
        home=TeamRow(str(row[3]), row[4], row[5], row[6]),
        away=TeamRow(str(row[7]), row[8], row[9], row[10]),
    )


def _games(*columns) -> Select:  # noqa: ANN002 - extra columns to select
    return (
        select(*_COLUMNS, *columns)
        .join_from(games, _home, games.c.home_team_id == _home.c.id)
        .join_from(games, _away, games.c.away_team_id == _away.c.id)
        .where(_RATED)
    )


def _of_team(query: Select, team_id: str | None) -> Select:
    if team_id is None:
        return query
    return query.where(or_(games.c.home_team_id == team_id, games.c.away_team_id == team_id))


def ping(conn: Connection) -> None:
    conn.execute(text("SELECT 1")).scalar_one()


def all_teams(conn: Connection) -> list[TeamRow]:
    """Every team, by abbreviation."""
    query = select(teams.c.id, teams.c.abbreviation, teams.c.name, teams.c.conference).order_by(teams.c.abbreviation)
    return [TeamRow(str(r[0]), r[1], r[2], r[3]) for r in conn.execute(query)]


def team_id_of(conn: Connection, abbreviation: str) -> str | None:
    """The id of the team with this abbreviation (exact, upper case), None when there is none."""
    found = conn.execute(select(teams.c.id).where(teams.c.abbreviation == abbreviation)).scalar_one_or_none()
    return None if found is None else str(found)


def listing(conn: Connection, day: date | None, team_id: str | None, limit: int, offset: int) -> Listing:
    """The API's listing: newest date first, then by game id (the original API's order).

    One statement: the total travels with every row (``count(*) OVER ()``), so the page and its
    total come from the same snapshot.  Only a page past the end needs a second, counting query.
    """
    query = _of_team(_games(func.count().over().label("total")), team_id)
    if day is not None:
        query = query.where(games.c.date == day.isoformat())
    rows = conn.execute(query.order_by(games.c.date.desc(), games.c.id).limit(limit).offset(offset)).all()
    if rows:
        return Listing([_row(r) for r in rows], int(rows[0][-1]))
    count = _of_team(select(func.count()).select_from(games).where(_RATED), team_id)
    if day is not None:
        count = count.where(games.c.date == day.isoformat())
    return Listing([], int(conn.execute(count).scalar_one()))


def game(conn: Connection, game_id: str) -> GameRow | None:
    row = conn.execute(_games().where(games.c.id == game_id)).first()
    return None if row is None else _row(row)


def games_on(conn: Connection, day: date, team_id: str | None) -> list[GameRow]:
    """A date's rated games, best first (ties by game id)."""
    query = _of_team(_games().where(games.c.date == day.isoformat()), team_id)
    return [_row(r) for r in conn.execute(query.order_by(games.c.prediction_rating.desc(), games.c.id))]


def best_between(conn: Connection, first: date, last: date, team_id: str | None, limit: int) -> list[GameRow]:
    """The best rated games from ``first`` to ``last`` (inclusive), best first."""
    query = _of_team(_games().where(games.c.date.between(first.isoformat(), last.isoformat())), team_id)
    order = (games.c.prediction_rating.desc(), games.c.date.desc(), games.c.id)
    return [_row(r) for r in conn.execute(query.order_by(*order).limit(limit))]


def neighbour_days(conn: Connection, day: date, team_id: str | None) -> tuple[date | None, date | None]:
    """The nearest dates before and after ``day`` with rated games (of the team, if given)."""

    def nearest(aggregate, condition) -> date | None:  # noqa: ANN001
        query = _of_team(select(aggregate(games.c.date)).where(_RATED, condition), team_id)
        found = conn.execute(query).scalar_one_or_none()
        return None if found is None else _day(found)

    return (nearest(func.max, games.c.date < day.isoformat()), nearest(func.min, games.c.date > day.isoformat()))

