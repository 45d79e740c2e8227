"""Our own page: a date's games, and the best of the last 7 days, as each viewer chose to see them.

Server-rendered HTML; everything works without JavaScript (one small external script reveals a
hidden game in place instead of reloading).  The date and team filter is a plain GET form; the
settings form (favourite teams, spoiler level, order) saves the viewer's choices in cookies and
the same choices in the URL (``?teams=BOS,NYK&spoilers=hidden&order=schedule``) make a shareable
link (see :mod:`.preferences`).  What the page shows of a game is who played, when, and as much of
the rating as the viewer's spoiler level allows (see :mod:`.cards`); never a score, a margin or a
winner (the queries cannot read them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Connection

from nba_predictions.config import yesterday_eastern
from nba_predictions.features.tags import tag_texts
from nba_predictions.web import queries, votes
from nba_predictions.web.cards import Card, Group, arrange, card
from nba_predictions.web.context import WebContext
from nba_predictions.web.params import parse_date, parse_team, unknown_team
from nba_predictions.web.preferences import (
    COOKIE_SECONDS,
    ORDERS,
    SPOILER_LEVELS,
    Preferences,
    cookies_to_save,
    read_preferences,
)

TEMPLATES = Path(__file__).with_name("templates")
WEEK_DAYS = 7
WEEK_BEST = 10
WEEK_ALL = 1000  # every game of a week (about 110 at most): filtered by the viewer's choices, then cut

router = APIRouter(include_in_schema=False)


def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=TEMPLATES)


@dataclass(frozen=True)
class Asked:
    """What the request asks for: its date (None: the default), team filter and the viewer's choices."""

    day: date | None
    team: str | None
    query: dict[str, list[str]]
    cookies: dict[str, str]


def _asked(request: Request) -> Asked:
    given = request.query_params
    query: dict[str, list[str]] = {}
    for key, value in given.multi_items():
        query.setdefault(key, []).append(value)
    day = parse_date(given["date"]) if given.get("date") else None
    team = parse_team(given["team"]) if given.get("team") else None
    return Asked(day, team, query, dict(request.cookies))


@dataclass(frozen=True)
class Read:
    """What one page read from the database, in one connection."""

    day: date
    team_id: str | None
    teams: list[queries.TeamRow]
    preferences: Preferences
    rows: list[queries.GameRow]
    before: date | None
    after: date | None
    tags: dict[str, str]  # game id -> its stored tag names (features/tags.py)


def _team_id(team: str | None, teams: list[queries.TeamRow]) -> str | None:
    if team is None:
        return None
    for row in teams:
        if row.abbreviation == team:
            return row.team_id
    raise unknown_team(team, [t.abbreviation for t in teams])


def _start(
    conn: Connection, asked: Asked, web: WebContext
) -> tuple[date, list[queries.TeamRow], str | None, Preferences]:
    teams = queries.all_teams(conn)
    team_id = _team_id(asked.team, teams)
    preferences = read_preferences(asked.query, asked.cookies, [t.abbreviation for t in teams])
    day = asked.day or (web.default_day() if web.default_day else queries.latest_rated_day(conn)) or yesterday_eastern()
    return day, teams, team_id, preferences


def _day_data(conn: Connection, asked: Asked, web: WebContext) -> Read:
    day, teams, team_id, preferences = _start(conn, asked, web)
    before, after = queries.neighbour_days(conn, day, team_id)
    rows = queries.games_on(conn, day, team_id)
    tags = queries.tags_of_games(conn, [r.game_id for r in rows])
    return Read(day, team_id, teams, preferences, rows, before, after, tags)


def _week_data(conn: Connection, asked: Asked, web: WebContext) -> Read:
    last, teams, team_id, preferences = _start(conn, asked, web)
    first = last - timedelta(days=WEEK_DAYS - 1)
    rows = queries.best_between(conn, first, last, team_id, WEEK_ALL)
    before = queries.neighbour_days(conn, first, team_id)[0]
    after = queries.neighbour_days(conn, last, team_id)[1]
    return Read(
        last, team_id, teams, preferences, rows, before, after, queries.tags_of_games(conn, [r.game_id for r in rows])
    )


def _link(path: str, preferences: Preferences, day: date, team: str | None, **more: str | None) -> str:
    return f"{path}?{preferences.query(date=day.isoformat(), team=team, **more)}"


def _cards(read: Read, web: WebContext, path: str, team: str | None) -> list[Card]:
    thresholds = (web.good_threshold, web.mediocre_threshold)
    p = read.preferences
    return [
        card(
            row,
            p,
            thresholds,
            _link(path, p, read.day, team, reveal=p.with_reveal(row.game_id)) + f"#g{row.game_id}",
            tuple(tag_texts(read.tags.get(row.game_id))),
        )
        for row in read.rows
    ]


def _common(read: Read, path: str, team: str | None) -> dict[str, Any]:
    """What both pages show around their list: the filter, the settings form, the view links."""
    p = read.preferences
    return {
        "day": read.day,
        "team": team,
        "teams": read.teams,
        "action": path,
        "preferences": p,
        "spoiler_levels": SPOILER_LEVELS,
        "orders": ORDERS,
        "mine_link": _link(path, p, read.day, team, mine="1"),
        "all_link": _link(path, p, read.day, team, mine=None),
        "share_link": (
            f"{path}?{p.query(date=read.day.isoformat(), teams=','.join(p.teams), spoilers=p.spoilers, mine=None)}"
            if p.teams
            else None
        ),
    }


async def _render(request: Request, name: str, **context: Any) -> HTMLResponse:
    """The page, with the vote form's token and each shown game's votes when voting is on."""
    ids = [c.game_id for group in context["groups"] for c in group.cards if not c.hidden]
    csrf: str | None = None
    views: dict[str, votes.VoteView] = {}
    if request.app.state.votes is not None:  # voting on: the form's token and each game's votes
        csrf, views = await WebContext.of(request).read(votes.page_state, request, ids)
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    context.update(csrf=csrf, votes=views, back=back)
    response = request.app.state.templates.TemplateResponse(request, name, context)
    return votes.remember_voter(request, response)


async def _save(asked: Asked, web: WebContext, path: str) -> Response:
    """The settings form (``remember=1``): its choices go into cookies, then back to the page without them.

    A form without a ticked team clears the favourites (the form always sends the other two).
    """
    query = {**asked.query, "teams": asked.query.get("teams", [""])}
    _, _, _, chosen = await web.read(_start, Asked(asked.day, asked.team, query, asked.cookies), web)
    page = {"date": asked.day.isoformat() if asked.day else None, "team": asked.team}
    back = Preferences().query(**page)
    response = RedirectResponse(f"{path}?{back}" if back else path, status_code=303)
    response.headers["Cache-Control"] = "private, no-store"  # it sets this viewer's cookies
    for name, value in cookies_to_save(chosen).items():
        response.set_cookie(name, value, max_age=COOKIE_SECONDS, path="/", httponly=True, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
async def day_page(request: Request) -> Response:
    web = WebContext.of(request)
    asked = _asked(request)
    if "remember" in asked.query:
        return await _save(asked, web, "/")
    read = await web.read(_day_data, asked, web)
    day, team, p = read.day, asked.team, read.preferences
    return await _render(
        request,
        "day.html",
        title=day.isoformat(),
        groups=arrange(_cards(read, web, "/", team), p),
        prev_link=_link("/", p, read.before, team) if read.before else None,
        prev_day=read.before,
        next_link=_link("/", p, read.after, team) if read.after else None,
        next_day=read.after,
        week_link=_link("/best", p, day, team),
        **_common(read, "/", team),
    )


def _week_groups(cards: list[Card], preferences: Preferences) -> list[Group]:
    """The week's best: hidden games left out (being in a best-of list would tell), then the top ten."""
    shown = [c for c in cards if not c.hidden and (c.favourite or not preferences.mine)]
    return arrange(shown[:WEEK_BEST], preferences)


@router.get("/best", response_class=HTMLResponse)
async def best_page(request: Request) -> Response:
    web = WebContext.of(request)
    asked = _asked(request)
    if "remember" in asked.query:
        return await _save(asked, web, "/best")
    read = await web.read(_week_data, asked, web)
    last, team, p = read.day, asked.team, read.preferences
    first = last - timedelta(days=WEEK_DAYS - 1)
    earlier, later = last - timedelta(days=WEEK_DAYS), last + timedelta(days=WEEK_DAYS)
    return await _render(
        request,
        "best.html",
        title=f"best of {first.isoformat()} to {last.isoformat()}",
        first=first,
        groups=_week_groups(_cards(read, web, "/best", team), p),
        leaves_out_hidden=p.spoilers == "hidden" and bool(p.teams),
        limit=WEEK_BEST,
        days=WEEK_DAYS,
        prev_link=_link("/best", p, earlier, team) if read.before else None,
        next_link=_link("/best", p, later, team) if read.after else None,
        day_link=_link("/", p, last, team),
        **_common(read, "/best", team),
    )
