"""The NBA's CDN as a :class:`~nba_predictions.sources.base.Source` (``--source cdn``).

Endpoints under the base URL (``NBA_CDN_URL``, default ``https://cdn.nba.com/static/json``), one
parser module each:

* ``staticData/scheduleLeagueV2.json``, else ``scheduleLeagueV2_1.json`` (:mod:`.schedule`) -- every
  game of the current season, its date, status and final score; read once per run, with a
  conditional request (the transport's HTTP cache: a 304 when it has not changed);
* ``liveData/boxscore/boxscore_{game_id}.json`` (:mod:`.box_score`) -- attendance, periods and the
  official lead changes and times tied of a final game;
* ``liveData/playbyplay/playbyplay_{game_id}.json`` (:mod:`.play_by_play`) -- the score timeline.

A date costs the schedule once per run plus two requests per final game (box score and play-by-play);
a game's feeds are kept for good once both are final and agree with each other and with the
schedule's final score (a disagreement fails that game, with the reason).  Every request carries a
browser User-Agent, ``Referer: https://www.nba.com/`` and ``Origin`` (the CDN answers 403 to a
liveData request without that Referer).  Standings and head-to-head: :mod:`.results`.

Above the parsers: :mod:`.season_schedule` reads the schedule once per run and says which dates it
covers; :mod:`.game_feeds` reads, checks and keeps a game's two feeds.  This module puts them
together behind the ``Source`` protocol.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from nba_predictions.config import EASTERN, ApiSettings
from nba_predictions.core.domain import GameRecord, GameResult, ScoreTimeline
from nba_predictions.core.season import Season
from nba_predictions.errors import DateNotCoveredError, FatalSourceError
from nba_predictions.sources.base import games_and_timelines_by_date
from nba_predictions.sources.cache import ResponseCache
from nba_predictions.sources.cdn.box_score import BoxScore
from nba_predictions.sources.cdn.game_feeds import GameFeeds
from nba_predictions.sources.cdn.results import PastResults, archive_results, season_results
from nba_predictions.sources.cdn.schedule import Schedule, ScheduledGame
from nba_predictions.sources.cdn.season_schedule import FIRST_LIVE_SEASON, HINT, SeasonSchedule
from nba_predictions.sources.game_types import listed
from nba_predictions.sources.http import DEFAULT_USER_AGENT, HttpTransport, RetryPolicy
from nba_predictions.sources.sessions import spacing_file

__all__ = ["DEFAULT_CDN_URL", "FIRST_LIVE_SEASON", "HINT", "CdnSource", "cdn_headers"]

logger = logging.getLogger(__name__)

DEFAULT_CDN_URL = "https://cdn.nba.com/static/json"


def cdn_headers() -> dict[str, str]:
    """What the CDN wants of a browser: without the nba.com Referer, liveData answers 403."""
    return {
        "User-Agent": DEFAULT_USER_AGENT,
        "Referer": "https://www.nba.com/",
        "Origin": "https://www.nba.com",
        "Accept": "application/json, text/plain, */*",
        "Accept-Encoding": "gzip, deflate",
    }


def _today_eastern() -> date:
    return datetime.now(tz=EASTERN).date()


class CdnSource:
    """Completed games, timelines and season results from the NBA's CDN (or a server answering like it)."""

    name = "cdn"

    def __init__(
        self,
        settings: ApiSettings | None = None,
        *,
        base_url: str = DEFAULT_CDN_URL,
        transport: HttpTransport | None = None,
        cache: ResponseCache | None = None,
        past_results: PastResults | None = None,
        today: Callable[[], date] = _today_eastern,
        give_up_on_timeout: bool = False,
    ) -> None:
        settings = settings or ApiSettings()
        self.base_url = base_url.rstrip("/")
        self.transport = transport or HttpTransport(
            timeout_seconds=settings.timeout_seconds,
            min_interval_seconds=settings.min_interval_seconds,
            retry=RetryPolicy(retries=settings.retries),
            proxy=settings.proxy,
            headers=cdn_headers(),
            give_up_on_timeout=give_up_on_timeout,
            conditional_cache=Path(settings.cache_dir) / "http",
            spacing_file=spacing_file(settings.cache_dir, "cdn"),
        )
        self.cache = cache if cache is not None else ResponseCache(Path(settings.cache_dir) / "cdn")
        self._past = past_results
        self._today = today
        self._season_schedule = SeasonSchedule(self.base_url, self.transport, today)
        self._feeds = GameFeeds(self.base_url, self.transport, self.cache, self._season_schedule)

    @property
    def calls(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return self.transport.calls

    def describe(self) -> str:
        return self.base_url

    # -- the schedule -----------------------------------------------------------------------

    def schedule(self) -> Schedule:
        """The season schedule: ``scheduleLeagueV2.json``, else ``scheduleLeagueV2_1.json``; asked once per run."""
        return self._season_schedule.get()

    def take_statuses(self, games: Sequence[ScheduledGame]) -> None:
        """The live scoreboard's newer statuses and scores of some games (``watch``): they replace the
        schedule's entries, and such a game that failed earlier in the run is asked for again."""
        self._season_schedule.take(games)
        for game in games:
            self._feeds.retry(game.game_id)

    def covers(self, day: date) -> bool:
        return self._season_schedule.covers(day)

    def probe(self, day: date | None = None) -> str:
        """--validate: the schedule, asked once (no retries)."""
        return self._season_schedule.probe()

    # -- Source protocol --------------------------------------------------------------------

    def completed_games(self, day: date) -> list[GameRecord]:
        """The final regular-season, play-in, playoff and NBA Cup final games of ``day`` on the
        schedule, each with its box score (a game whose box score fails is listed and fails)."""
        schedule = self.schedule()
        reason = self._season_schedule.uncovered(day, schedule)
        if reason is not None:
            raise DateNotCoveredError(f"cdn source: {day} {reason}")
        games = schedule.on(day)
        final = [g for g in games if g.is_final]
        if len(final) < len(games):
            logger.info(
                "%s: %d of %d games are not final yet; listing the final ones", day, len(games) - len(final), len(games)
            )
        kept = [g for g in final if listed(g.game_id)]
        if len(kept) < len(final):
            logger.info("%s: %d preseason or All-Star game(s) are not rated (not listed)", day, len(final) - len(kept))
        records = [self._feeds.record(game) for game in kept]
        failed = [why for why in map(self._feeds.unusable, (g.game_id for g in kept)) if why is not None]
        refused = ("HTTP 403", "HTTP 5", "timeout")  # the CDN refusing or failing, not one missing feed
        if kept and len(failed) == len(kept) and all(any(r in reason for r in refused) for reason in failed):
            raise FatalSourceError(
                f"cdn source ({self.base_url}): no box score of {day} could be had ({failed[0]}); {HINT}"
            )
        return records

    def score_timeline(self, game: GameRecord) -> ScoreTimeline:
        return self._feeds.score_timeline(game)

    def _box_score(self, game: ScheduledGame) -> BoxScore:
        """One game's final box score, checked against the schedule (see :meth:`.GameFeeds.box_score`)."""
        return self._feeds.box_score(game)

    def _feed(self, kind: str, path: str, game_id: str) -> tuple[Any, bool]:
        """(payload, fetched now) of one game's feed (see :meth:`.GameFeeds.feed`)."""
        return self._feeds.feed(kind, path, game_id)

    def games_and_timelines(self, first: date, last: date) -> tuple[list[GameRecord], dict[str, ScoreTimeline]]:
        """The range's games and timelines, date by date (the CDN has no bulk read)."""
        return games_and_timelines_by_date(self, first, last)

    def season_results(self, season: Season) -> Sequence[GameResult]:
        """The schedule's season from its final games; earlier seasons from the offline archive."""
        if self._past is None:
            self._past = archive_results()
        return season_results(season, self.schedule(), self._past, self._today())
