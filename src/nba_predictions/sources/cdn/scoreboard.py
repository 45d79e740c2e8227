"""The CDN's live scoreboard (``liveData/scoreboard/todaysScoreboard_00.json``): the games of the
NBA's current day with their live status -- what ``watch`` polls to see a game turn final.

The scoreboard holds one date only, ``scoreboard.gameDate`` (the NBA's "today", US Eastern; it
rolls over to the next day some hours after the last game); each game's status is ``gameStatus``
(1 scheduled, 2 in progress, 3 final) as in the season schedule, and its entry is read into the
schedule's :class:`~.schedule.ScheduledGame`, so the CDN source can take the scoreboard's newer
statuses over the schedule it read once (:meth:`~.source.CdnSource.take_statuses`).  ``gameEt``
is not read (its spelling varies: ``...Z`` or ``...-04:00``); every game's date is the
scoreboard's; its tip-off is ``gameTimeUTC`` (true UTC).  A postponed game says so in
``gameStatusText`` ("PPD", "Postponed").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from nba_predictions.config import ApiSettings
from nba_predictions.errors import FatalSourceError
from nba_predictions.sources.cdn.schedule import FINAL, ScheduledGame, utc_start
from nba_predictions.sources.game_types import listed
from nba_predictions.sources.http import HttpTransport, RetryPolicy
from nba_predictions.sources.sessions import spacing_file

SCOREBOARD_PATH = "liveData/scoreboard/todaysScoreboard_00.json"
POSTPONED_TEXTS = ("ppd", "postponed", "cancelled", "canceled")


@dataclass(frozen=True)
class Scoreboard:
    """The scoreboard's date and its games, in game-id order."""

    day: date
    games: tuple[ScheduledGame, ...]
    published: str  # meta.time: when the CDN built the file

    @property
    def rated_games(self) -> tuple[ScheduledGame, ...]:
        """The games a source lists once final (no preseason or All-Star game)."""
        return tuple(g for g in self.games if listed(g.game_id))

    @property
    def final(self) -> tuple[ScheduledGame, ...]:
        return tuple(g for g in self.rated_games if g.is_final)


def _game(game: dict[str, Any], day: date) -> ScheduledGame:
    game_id = str(game["gameId"])
    if len(game_id) != 10 or not game_id.isdigit():
        raise ValueError(f"gameId {game_id!r} is not a 10-digit game id")
    home, away = game["homeTeam"], game["awayTeam"]
    status = int(game["gameStatus"])
    text = str(game.get("gameStatusText") or "").strip()
    scores = home.get("score"), away.get("score")
    if status == FINAL and (None in scores or not home.get("teamId") or not away.get("teamId")):
        raise ValueError(f"final game {game_id} has no teams or no score")
    return ScheduledGame(
        game_id=game_id,
        day=day,
        status=status,
        status_text=text,
        home_team_id=int(home.get("teamId") or 0),
        away_team_id=int(away.get("teamId") or 0),
        home_team_abbreviation=str(home.get("teamTricode") or ""),
        away_team_abbreviation=str(away.get("teamTricode") or ""),
        home_team_score=int(scores[0] or 0),
        away_team_score=int(scores[1] or 0),
        postponed=text.lower() in POSTPONED_TEXTS,
        if_necessary=bool(game.get("ifNecessary") is True or str(game.get("ifNecessary")).lower() == "true"),
        start_time_utc=utc_start(game.get("gameTimeUTC")),
    )


def parse_scoreboard(payload: Any, where: str = "todaysScoreboard_00") -> Scoreboard:
    """The scoreboard document -> :class:`Scoreboard`; :class:`FatalSourceError` for a document that
    is not one (no date, a game without id, teams or a final score, a game listed twice).  A day
    without games is a scoreboard with no games."""
    try:
        board = payload["scoreboard"]
        day = date.fromisoformat(str(board["gameDate"])[:10])
        games = sorted((_game(g, day) for g in board["games"] or []), key=lambda g: g.game_id)
        published = str((payload.get("meta") or {}).get("time") or "")
    except (KeyError, TypeError, ValueError) as exc:
        raise FatalSourceError(f"{where}: not a scoreboard ({type(exc).__name__}: {exc})") from None
    ids = [g.game_id for g in games]
    if len(set(ids)) < len(ids):
        raise FatalSourceError(f"{where}: a game is listed twice")
    return Scoreboard(day=day, games=tuple(games), published=published)


class ScoreboardReader:
    """Reads the scoreboard through ``transport``'s conditional cache: an unchanged scoreboard is a
    conditional request (``If-None-Match`` / ``If-Modified-Since``) answered 304, whose body is the
    cached one.  One request per :meth:`read`, never retried (the next poll is the retry)."""

    def __init__(self, transport: HttpTransport, base_url: str) -> None:
        self.transport = transport
        self.url = f"{base_url.rstrip('/')}/{SCOREBOARD_PATH}"

    @classmethod
    def for_settings(cls, settings: ApiSettings, base_url: str) -> ScoreboardReader:
        """A reader with its own transport: the CDN's browser headers, the settings' timeout, proxy
        and spacing, and the HTTP cache under ``NBA_API_CACHE_DIR/http`` (the CDN source's)."""
        from nba_predictions.sources.cdn.source import cdn_headers

        transport = HttpTransport(
            timeout_seconds=settings.timeout_seconds,
            min_interval_seconds=settings.min_interval_seconds,
            retry=RetryPolicy(retries=0),
            proxy=settings.proxy,
            headers=cdn_headers(),
            conditional_cache=Path(settings.cache_dir) / "http",
            spacing_file=spacing_file(settings.cache_dir, "cdn"),
        )
        return cls(transport, base_url)

    def read(self) -> tuple[Scoreboard, bool]:
        """The scoreboard, and whether it was answered 304 (not modified since the last read)."""
        before = self.transport.revalidated
        try:
            board = parse_scoreboard(self.transport.get_json(self.url, retries=0, conditional=True))
        except FatalSourceError:
            self.transport.forget(self.url)  # an answer that is not a scoreboard is never kept
            raise
        return board, self.transport.revalidated > before

    def close(self) -> None:
        self.transport.close()
