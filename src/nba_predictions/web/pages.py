"""Our own page: a date's games best first, and the best of the last 7 days.

Server-rendered HTML with one stylesheet and no JavaScript: the date and team filter is a plain
GET form, the previous / next links jump to the nearest dates that have rated games.  What it
shows of a game is who played, when, the rating and its class; never a score, a margin or a
winner (the queries cannot read them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Connection

from nba_predictions.features.tags import tag_texts
from nba_predictions.steps.prediction import classify
from nba_predictions.web import queries, votes
from nba_predictions.web.context import WebContext
from nba_predictions.web.params import parse_date, parse_team, unknown_team

TEMPLATES = Path(__file__).with_name("templates")
WEEK_DAYS = 7
WEEK_BEST = 10

router = APIRouter(include_in_schema=False)


def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=TEMPLATES)


@dataclass(frozen=True)
class Card:
    """One game as the page shows it."""

    day: date
    away: queries.TeamRow
    home: queries.TeamRow
    rating: str
    classification: str
    tags: tuple[str, ...] = ()  # spoiler-safe tag texts (features/tags.py), at most three
    game_id: str = ""


def rating_text(rating: float) -> str:
    """One decimal, rounded down, so a shown rating never crosses the threshold of its badge (59.96 -> 59.9)."""
    return f"{math.floor(rating * 10 + 1e-9) / 10:.1f}"


def _cards(rows: list[queries.GameRow], web: WebContext, tags: dict[str, str]) -> list[Card]:
    return [
        Card(
            r.day,
            r.away,
            r.home,
            rating_text(r.rating),
            classify(r.rating, web.good_threshold, web.mediocre_threshold),
            tuple(tag_texts(tags.get(r.game_id))),
            r.game_id,
        )
        for r in rows
    ]


def _link(path: str, day: date, team: str | None) -> str:
    query = {"date": day.isoformat(), **({"team": team} if team else {})}
    return f"{path}?{urlencode(query)}"


def _filters(request: Request, web: WebContext) -> tuple[date, str | None]:
    """The page's date and team; an empty field (what the form sends for "any") means the default."""
    given = request.query_params
    day = parse_date(given["date"]) if given.get("date") else web.default_day()
    team = parse_team(given["team"]) if given.get("team") else None
    return day, team


def _team_id(team: str | None, teams: list[queries.TeamRow]) -> str | None:
    if team is None:
        return None
    for row in teams:
        if row.abbreviation == team:
            return row.team_id
    raise unknown_team(team, [t.abbreviation for t in teams])


async def _render(request: Request, name: str, **context: Any) -> HTMLResponse:
    ids = [card.game_id for card in context["cards"]]
    csrf: str | None = None
    views: dict[str, votes.VoteView] = {}
    if request.app.state.votes is not None:  # voting on: the form's token and each game's votes
        csrf, views = await WebContext.of(request).read(votes.page_state, request, ids)
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    context.update(csrf=csrf, votes=views, back=back)
    response = request.app.state.templates.TemplateResponse(request, name, context)
    return votes.remember_voter(request, response)


def _day_data(conn: Connection, day: date, team: str | None) -> tuple[Any, ...]:
    teams = queries.all_teams(conn)
    team_id = _team_id(team, teams)
    rows = queries.games_on(conn, day, team_id)
    tags = queries.tags_of_games(conn, [r.game_id for r in rows])
    return teams, rows, tags, queries.neighbour_days(conn, day, team_id)


def _week_data(conn: Connection, first: date, last: date, team: str | None) -> tuple[Any, ...]:
    teams = queries.all_teams(conn)
    team_id = _team_id(team, teams)
    rows = queries.best_between(conn, first, last, team_id, WEEK_BEST)
    tags = queries.tags_of_games(conn, [r.game_id for r in rows])
    before, after = queries.neighbour_days(conn, first, team_id)[0], queries.neighbour_days(conn, last, team_id)[1]
    return teams, rows, tags, before, after


@router.get("/", response_class=HTMLResponse)
async def day_page(request: Request) -> HTMLResponse:
    web = WebContext.of(request)
    day, team = _filters(request, web)
    teams, rows, tags, (before, after) = await web.read(_day_data, day, team)
    return await _render(
        request,
        "day.html",
        title=day.isoformat(),
        day=day,
        team=team,
        teams=teams,
        action="/",
        cards=_cards(rows, web, tags),
        prev_link=_link("/", before, team) if before else None,
        prev_day=before,
        next_link=_link("/", after, team) if after else None,
        next_day=after,
        week_link=_link("/best", day, team),
    )


@router.get("/best", response_class=HTMLResponse)
async def best_page(request: Request) -> HTMLResponse:
    web = WebContext.of(request)
    last, team = _filters(request, web)
    first = last - timedelta(days=WEEK_DAYS - 1)
    teams, rows, tags, before, after = await web.read(_week_data, first, last, team)
    earlier, later = last - timedelta(days=WEEK_DAYS), last + timedelta(days=WEEK_DAYS)
    return await _render(
        request,
        "best.html",
        title=f"best of {first.isoformat()} to {last.isoformat()}",
        day=last,
        first=first,
        team=team,
        teams=teams,
        action="/best",
        cards=_cards(rows, web, tags),
        limit=WEEK_BEST,
        days=WEEK_DAYS,
        prev_link=_link("/best", earlier, team) if before else None,
        next_link=_link("/best", later, team) if after else None,
        day_link=_link("/", last, team),
    )
