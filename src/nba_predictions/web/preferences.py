"""What a viewer chose for the page: favourite teams, spoiler level, order, games revealed, time zone.

Each choice comes from the URL when the URL gives it (a shared link shows what its sender saw),
otherwise from the viewer's cookie (what they saved with the page's settings form), otherwise the
default.  A bad value in the URL is a 400 naming the field and the fix; a bad cookie (an old or
hand-edited one) is ignored, so a stale cookie never locks a viewer out of the page.

Pure functions of the request's parameters and cookies; whether a team exists is checked against
the teams the caller read from the database.  The time zone (``?tz=Europe/Paris``) is a URL
parameter only, never a cookie: without it start times are US Eastern ("ET"), which the page's
script turns into the browser's own zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from nba_predictions.errors import InvalidRequestError
from nba_predictions.web.params import parse_team, parse_zone, unknown_team

# The spoiler levels, least revealing first; "tier" is the default.
SPOILER_LEVELS = {
    "tier": "Tier only",
    "number": "Tier and number",
    "hidden": "My teams hidden",
}
ORDERS = {"rating": "Best first", "schedule": "Schedule order"}
DEFAULT_SPOILERS = "tier"
DEFAULT_ORDER = "rating"
# Cookie names: the settings form saves these; the URL parameters of the same meaning win over them.
COOKIES = {"teams": "nba_teams", "spoilers": "nba_spoilers", "order": "nba_order"}
EASTERN = ZoneInfo("America/New_York")  # the NBA's own: start times without ?tz= are shown "ET"
COOKIE_SECONDS = 400 * 24 * 3600  # the longest a browser keeps a cookie (RFC 6265bis)
_GAME_ID = re.compile(r"\d{10}")


@dataclass(frozen=True)
class Preferences:
    teams: tuple[str, ...] = ()  # favourite teams' abbreviations, as chosen
    spoilers: str = DEFAULT_SPOILERS
    order: str = DEFAULT_ORDER
    mine: bool = False  # only the favourite teams' games
    reveal: frozenset[str] = frozenset()  # game ids shown in "hidden" mode anyway
    from_url: dict[str, str] = field(default_factory=dict)  # the choices the URL made: links carry them on
    zone: ZoneInfo | None = None  # the URL's ?tz=; None: US Eastern on the server, the browser's own in it

    def is_favourite(self, *abbreviations: str) -> bool:
        return any(a in self.teams for a in abbreviations)

    def query(self, **more: str | None) -> str:
        """A query string: ``more`` first (None drops a key), then the URL's choices it does not name."""
        given = {**more, **{k: v for k, v in self.from_url.items() if k not in more}}
        return urlencode({k: v for k, v in given.items() if v}, safe=",")

    def with_reveal(self, game_id: str) -> str:
        """The ``reveal`` parameter's value that shows ``game_id`` as well as those already revealed."""
        return ",".join(sorted(self.reveal | {game_id}))


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def parse_teams(values: Sequence[str], known: Sequence[str], field: str = "teams") -> tuple[str, ...]:
    """``BOS,NYK`` (or the parameter repeated) -> ("BOS", "NYK"): each a known team, once, in order."""
    chosen: list[str] = []
    for text in _split(values):
        abbreviation = parse_team(text, field)
        if abbreviation not in known:
            how = f"unknown team {text!r} in {field}: give team abbreviations separated by commas, from"
            raise unknown_team(text, known, field, listed_after=how)
        if abbreviation not in chosen:
            chosen.append(abbreviation)
    return tuple(chosen)


def _choice(field: str, text: str, allowed: Mapping[str, str]) -> str:
    if text not in allowed:
        raise InvalidRequestError(
            field, text, f"invalid {field} {text!r}: expected one of {', '.join(allowed)}", ", ".join(allowed)
        )
    return text


def _reveal(values: Sequence[str]) -> frozenset[str]:
    ids = _split(values)
    for game_id in ids:
        if not _GAME_ID.fullmatch(game_id):
            raise InvalidRequestError(
                "reveal", game_id, f"invalid reveal {game_id!r}: expected a game id of 10 digits", "0022300559"
            )
    return frozenset(ids)


def _from_cookie(cookies: Mapping[str, str], known: Sequence[str]) -> Preferences:
    teams: tuple[str, ...] = tuple(t for t in _split([cookies.get(COOKIES["teams"], "")]) if t in known)
    spoilers = cookies.get(COOKIES["spoilers"], "")
    order = cookies.get(COOKIES["order"], "")
    return Preferences(
        teams=teams,
        spoilers=spoilers if spoilers in SPOILER_LEVELS else DEFAULT_SPOILERS,
        order=order if order in ORDERS else DEFAULT_ORDER,
    )


def read_preferences(
    query: Mapping[str, Sequence[str]], cookies: Mapping[str, str], known: Sequence[str]
) -> Preferences:
    """The viewer's choices: the URL's, else the cookie's, else the defaults."""
    saved = _from_cookie(cookies, known)
    from_url: dict[str, str] = {}
    teams = saved.teams
    if "teams" in query:
        teams = parse_teams(query["teams"], known)
        from_url["teams"] = ",".join(teams)
    spoilers, order = saved.spoilers, saved.order
    if query.get("spoilers"):
        spoilers = from_url["spoilers"] = _choice("spoilers", query["spoilers"][-1], SPOILER_LEVELS)
    if query.get("order"):
        order = from_url["order"] = _choice("order", query["order"][-1], ORDERS)
    mine = False
    if query.get("mine"):
        mine = _choice("mine", query["mine"][-1], {"1": "only the favourite teams' games"}) == "1"
        from_url["mine"] = "1"
    zone = None
    if query.get("tz"):
        zone = parse_zone(query["tz"][-1])
        from_url["tz"] = zone.key
    return Preferences(teams, spoilers, order, mine, _reveal(query.get("reveal", [])), from_url, zone)


def cookies_to_save(preferences: Preferences) -> dict[str, str]:
    """The cookies the settings form sets: every choice, an empty teams cookie for "no favourites"."""
    return {
        COOKIES["teams"]: ",".join(preferences.teams),
        COOKIES["spoilers"]: preferences.spoilers,
        COOKIES["order"]: preferences.order,
    }
