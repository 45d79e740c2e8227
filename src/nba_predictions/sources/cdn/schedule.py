"""The CDN's season schedule (``staticData/scheduleLeagueV2.json``, or ``scheduleLeagueV2_1.json``):
every game of the current season with its date, status and final score.

The two files differ in small ways, and both are read: ``ifNecessary`` is a boolean or the string
``"true"``/``"false"``, the national broadcasters are ``nationalBroadcasters`` or
``nationalTvBroadcasters`` (not read), older files have no ``gameLabel``.  ``gameDateEst`` and its
friends end in ``Z`` but hold US Eastern times: the date is taken as written, never converted.
The scheduled tip-off is ``gameDateTimeUTC``, a true UTC time (:func:`utc_start`); ``gameTimeUTC``
holds the time of day only (on 1900-01-01) and is not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import Any

from nba_predictions.core.season import Season
from nba_predictions.errors import FatalSourceError

SCHEDULE_PATHS = ("staticData/scheduleLeagueV2.json", "staticData/scheduleLeagueV2_1.json")
FINAL = 3  # gameStatus: 1 scheduled, 2 in progress, 3 final


@dataclass(frozen=True)
class ScheduledGame:
    game_id: str
    day: date  # US Eastern
    status: int
    status_text: str
    home_team_id: int
    away_team_id: int
    home_team_abbreviation: str
    away_team_abbreviation: str
    home_team_score: int
    away_team_score: int
    postponed: bool
    if_necessary: bool
    start_time_utc: datetime | None = None  # scheduled tip-off (aware, UTC); None where not given

    @property
    def is_final(self) -> bool:
        return self.status == FINAL and not self.postponed


@dataclass(frozen=True)
class Schedule:
    season: Season
    games: tuple[ScheduledGame, ...]
    published: str  # meta.time: when the CDN built the file

    def on(self, day: date) -> list[ScheduledGame]:
        return sorted((g for g in self.games if g.day == day), key=lambda g: g.game_id)

    def updated(self, newer: Sequence[ScheduledGame]) -> Schedule:
        """This schedule with ``newer``'s games (the live scoreboard's, :mod:`.scoreboard`) in place of
        its own entries of them, and added where it has none."""
        by_id = {g.game_id: g for g in newer}
        known = {g.game_id for g in self.games}
        games = tuple(by_id.get(g.game_id, g) for g in self.games) + tuple(g for g in newer if g.game_id not in known)
        return replace(self, games=games)

    @property
    def first_day(self) -> date:
        return min(g.day for g in self.games)

    @property
    def last_day(self) -> date:
        return max(g.day for g in self.games)


def _flag(value: Any) -> bool:
    """``ifNecessary``: a boolean in one variant, ``"true"``/``"false"`` in the other."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def utc_start(text: Any) -> datetime | None:
    """A feed's UTC tip-off (``"2025-10-21T23:30:00Z"``) as an aware UTC datetime; None for an empty,
    malformed or placeholder value (a time without a date comes as 1900-01-01; TBD games may have
    none), so a missing time never fails a game: it is shown with its date only."""
    value = str(text or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None or moment.year < 1950:
        return None
    return moment.astimezone(timezone.utc)


def _day(game: dict[str, Any], group: str) -> date:
    text = game.get("gameDateEst") or ""
    if text:
        return date.fromisoformat(str(text)[:10])  # "2024-11-27T00:00:00Z": an Eastern date despite the Z
    return datetime.strptime(group, "%m/%d/%Y %H:%M:%S").date()  # the group's "11/27/2024 00:00:00"


def _game(game: dict[str, Any], group: str, where: str) -> ScheduledGame:
    game_id = str(game["gameId"])
    if len(game_id) != 10 or not game_id.isdigit():
        raise FatalSourceError(f"{where}: gameId {game_id!r} is not a 10-digit game id")
    home, away = game["homeTeam"], game["awayTeam"]
    status = int(game["gameStatus"])
    scores = home.get("score"), away.get("score")
    if status == FINAL and (None in scores or not home.get("teamId") or not away.get("teamId")):
        raise FatalSourceError(f"{where}: final game {game_id} has no teams or no score")
    return ScheduledGame(
        game_id=game_id,
        day=_day(game, group),
        status=status,
        status_text=str(game.get("gameStatusText") or ""),
        home_team_id=int(home.get("teamId") or 0),
        away_team_id=int(away.get("teamId") or 0),
        home_team_abbreviation=str(home.get("teamTricode") or ""),
        away_team_abbreviation=str(away.get("teamTricode") or ""),
        home_team_score=int(scores[0] or 0),
        away_team_score=int(scores[1] or 0),
        postponed=str(game.get("postponedStatus") or "N").upper() not in ("N", ""),
        if_necessary=_flag(game.get("ifNecessary", False)),
        start_time_utc=utc_start(game.get("gameDateTimeUTC")),
    )


def parse_schedule(payload: Any, where: str = "scheduleLeagueV2") -> Schedule:
    """The schedule document -> :class:`Schedule`; :class:`FatalSourceError` for a document that is
    not a whole schedule (no games, a game listed twice, a final game without teams or score)."""
    try:
        league = payload["leagueSchedule"]
        season = Season.parse(str(league["seasonYear"]))
        games: list[ScheduledGame] = []
        for group in league["gameDates"]:
            games.extend(_game(g, str(group.get("gameDate") or ""), where) for g in group["games"])
        published = str((payload.get("meta") or {}).get("time") or "")
    except (KeyError, TypeError, ValueError) as exc:
        raise FatalSourceError(f"{where}: not a season schedule ({type(exc).__name__}: {exc})") from None
    if not games:
        raise FatalSourceError(f"{where}: the {season} schedule lists no games (an empty answer)")
    _check_unique(games, where)
    return Schedule(season=season, games=tuple(games), published=published)


def _check_unique(games: Sequence[ScheduledGame], where: str) -> None:
    seen: set[str] = set()
    for game in games:
        if game.game_id in seen:
            raise FatalSourceError(f"{where}: game {game.game_id} is listed twice")
        seen.add(game.game_id)
