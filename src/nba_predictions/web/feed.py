"""``/feed.atom``: an Atom feed (RFC 4287) of newly rated games, spoiler-free.

``?teams=LAL,BOS`` keeps the games of any of those teams, ``&min=80`` those rated 80 or more.
Each entry says who played, when, the class of the rating (good / mediocre / bad) and the game's
tags; the rating itself only with ``&numbers=1`` (the page's default spoiler level shows words, a
reader subscribing to a feed sees entries before choosing to look).  Nothing else about the game
is read (see :mod:`nba_predictions.web.queries`).  Newest first, the last :data:`FEED_ENTRIES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from nba_predictions.errors import InvalidRequestError
from nba_predictions.features.tags import tag_texts
from nba_predictions.steps.prediction import classify
from nba_predictions.web import queries
from nba_predictions.web.context import WebContext
from nba_predictions.web.params import parse_team, parse_whole, single_values, unknown_team

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:nba-predictions:feed"
FEED_ENTRIES = 50
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

router = APIRouter(include_in_schema=False)


def _teams(text: str) -> list[str]:
    return [parse_team(part.strip(), "teams") for part in text.split(",")]


def _numbers(text: str) -> bool:
    if text not in ("0", "1"):
        raise InvalidRequestError("numbers", text, f"invalid numbers {text!r}: expected 0 or 1", "0 or 1")
    return text == "1"


def _data(conn: Connection, abbreviations: Sequence[str], least: int) -> tuple[list, dict[str, str]]:
    known = {team.abbreviation: team.team_id for team in queries.all_teams(conn)}
    for abbreviation in abbreviations:
        if abbreviation not in known:
            raise unknown_team(abbreviation, sorted(known), "teams")
    rows = queries.newest_rated(conn, [known[a] for a in abbreviations], least, FEED_ENTRIES)
    return rows, queries.tags_of_games(conn, [row.game_id for row, _ in rows])


def _stamp(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = text
    return element


@router.get("/feed.atom")
async def atom_feed(request: Request) -> Response:
    web = WebContext.of(request)
    query = request.query_params
    given = single_values({k: query.getlist(k) for k in query}, ("teams", "min", "numbers"))
    teams = _teams(given["teams"]) if given.get("teams") else []
    least = parse_whole(given["min"], "min", 0, 100) if given.get("min") else 0
    numbers = _numbers(given["numbers"]) if "numbers" in given else False
    rows, tags = await web.read(_data, teams, least)
    base = str(request.base_url).rstrip("/")
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    # One id per filter: a URN's name may carry '=' and '&' (RFC 8141), not a query.
    _add(feed, "id", FEED_ID + (f":{urlencode(sorted(given.items()))}" if given else ""))
    _add(feed, "title", "nba-predictions: newly rated games" + (f" ({', '.join(teams)})" if teams else ""))
    _add(feed, "updated", _stamp(max((stamp or EPOCH for _, stamp in rows), default=EPOCH)))
    _add(_add(feed, "author"), "name", "nba-predictions")
    _add(feed, "link", rel="self", href=str(request.url))
    _add(feed, "link", rel="alternate", type="text/html", href=f"{base}/")
    for row, stamp in rows:
        tier = classify(row.rating, web.good_threshold, web.mediocre_threshold)
        entry = _add(feed, "entry")
        _add(entry, "id", f"urn:nba-predictions:game:{row.game_id}")
        title = f"{row.away.abbreviation} at {row.home.abbreviation}, {row.day.isoformat()}: {tier}"
        if numbers:
            title += f" ({row.rating:g})"
        _add(entry, "title", title)
        _add(entry, "updated", _stamp(stamp or EPOCH))
        _add(entry, "link", rel="alternate", type="text/html", href=f"{base}/?{urlencode({'date': row.day})}")
        shown = tag_texts(tags.get(row.game_id))
        summary = f"{row.away.name} at {row.home.name}: worth watching? {tier}."
        _add(entry, "summary", summary + (f" Why: {', '.join(shown)}." if shown else ""))
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type=MEDIA_TYPE)
