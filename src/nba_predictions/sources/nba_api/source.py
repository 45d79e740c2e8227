"""The live NBA stats API as a :class:`~nba_predictions.sources.base.Source`.

Endpoints (all current; the original design's ScoreboardV2, PlayByPlayV2, WinProbabilityPBP and
BoxScoreSummaryV2 are deprecated, dead or incomplete since April 2025), one parser module each:

* ``ScoreboardV3`` (:mod:`.scoreboard`) -- a date's games, their status, final scores and the
  teams' records;
* ``PlayByPlayV3`` (:mod:`.play_by_play`) -- the score timeline of one game; lead changes and times
  tied are counted from it with the official rule (:mod:`nba_predictions.core.scoring`);
* live CDN play-by-play (:mod:`.cdn_play_by_play`) -- fallback timeline when PlayByPlayV3 fails
  for a game (2019-20 on);
* ``BoxScoreSummaryV3`` (:mod:`.box_score_summary`) -- lead changes, times tied and attendance of a
  game whose play-by-play cannot be had, so the game is still listed and only its timeline is
  missing;
* ``LeagueGameLog`` (:mod:`.game_log`) -- a season's results, regular season + play-in + playoffs,
  for standings and head-to-head history, checked for completeness before it is used or cached.

The scoreboard and the log of a date's season are read together and checked against each other
(:mod:`.cross_check`).  The calls a date costs are stated exactly in docs/LIVE_API.md.

Who does what: :class:`~nba_predictions.sources.http.HttpTransport` sends the requests (timeouts,
spacing, retries, classification); nba_api's endpoint classes build every request (endpoint name,
parameters) and its response class flattens every decoded response (:mod:`.common`); the parser
modules turn those into domain values.  Above them, each part decides what to fetch, what to trust
and what to cache: :mod:`.client` (base URLs, transport, cache, hints, the probe), :mod:`.listing`
(a date's scoreboard and games), :mod:`.game_feeds` (a game's play-by-play and summary) and
:mod:`.season_logs` (a season's results).  This module puts them together behind the ``Source``
protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from nba_predictions.config import EASTERN, ApiSettings
from nba_predictions.core.domain import GameRecord, GameResult, ScoreTimeline
from nba_predictions.core.season import Season
from nba_predictions.errors import DateNotCoveredError
from nba_predictions.sources.base import games_and_timelines_by_date
from nba_predictions.sources.cache import ResponseCache
from nba_predictions.sources.http import HttpTransport, RetryPolicy
from nba_predictions.sources.nba_api.client import (
    DEFAULT_CDN_URL,
    DEFAULT_STATS_URL,
    PROBE_DAY,
    PROBE_READ_TIMEOUT_SECONDS,
    StatsApi,
)
from nba_predictions.sources.nba_api.game_feeds import FIRST_CDN_SEASON, GameFeeds
from nba_predictions.sources.nba_api.listing import GameListing
from nba_predictions.sources.nba_api.scoreboard import ScoreboardGame
from nba_predictions.sources.nba_api.season_logs import SeasonLogs
from nba_predictions.sources.sessions import spacing_file

__all__ = [
    "DEFAULT_CDN_URL",
    "DEFAULT_STATS_URL",
    "FIRST_CDN_SEASON",
    "FIRST_COVERED_DAY",
    "PROBE_DAY",
    "PROBE_READ_TIMEOUT_SECONDS",
    "NbaApiSource",
]

FIRST_COVERED_DAY = date(1996, 11, 1)  # PlayByPlayV3 and ScoreboardV3 start with 1996-97


def _today_eastern() -> date:
    return datetime.now(tz=EASTERN).date()


class NbaApiSource:
    """Completed games, timelines and season results from stats.nba.com (or any server with its API).

    ``stats_url`` and ``cdn_url`` are the base URLs (``https://stats.nba.com/stats`` and
    ``https://cdn.nba.com/static/json/liveData``); tests point them at a local fake server.
    """

    name = "nba_api"

    def __init__(
        self,
        settings: ApiSettings | None = None,
        *,
        stats_url: str = DEFAULT_STATS_URL,
        cdn_url: str = DEFAULT_CDN_URL,
        transport: HttpTransport | None = None,
        cache: ResponseCache | None = None,
        today: Callable[[], date] = _today_eastern,
        give_up_on_timeout: bool = False,
    ) -> None:
        settings = settings or ApiSettings()
        self.stats_url = stats_url.rstrip("/")
        self.cdn_url = cdn_url.rstrip("/")
        self.transport = transport or HttpTransport(
            timeout_seconds=settings.timeout_seconds,
            min_interval_seconds=settings.min_interval_seconds,
            retry=RetryPolicy(retries=settings.retries),
            proxy=settings.proxy,
            give_up_on_timeout=give_up_on_timeout,
            spacing_file=spacing_file(settings.cache_dir, "nba_api"),
        )
        self.cache = cache if cache is not None else ResponseCache(Path(settings.cache_dir) / "nba_api")
        self._today = today
        self._api = api = StatsApi(
            stats_url=self.stats_url, cdn_url=self.cdn_url, transport=self.transport, cache=self.cache
        )
        self._logs = SeasonLogs(
            fetch=lambda endpoint, params: api.fetch(api.stats_url, endpoint, params),
            cache=self.cache,
            today=today,
            with_hint=api.with_hint,
        )
        self._feeds = GameFeeds(api)
        self._listing = GameListing(api, self._feeds, self._logs, today)

    @classmethod
    def from_settings(
        cls,
        settings: ApiSettings,
        *,
        stats_url: str | None = None,
        cdn_url: str | None = None,
        give_up_on_timeout: bool = False,
    ) -> NbaApiSource:
        """The source the CLI builds.  Base URLs: the arguments, else ``settings.stats_url`` /
        ``settings.cdn_url`` when :class:`ApiSettings` has them, else stats.nba.com and cdn.nba.com."""
        return cls(
            settings,
            stats_url=stats_url or settings.stats_url or DEFAULT_STATS_URL,
            cdn_url=cdn_url or settings.cdn_url or DEFAULT_CDN_URL,
            give_up_on_timeout=give_up_on_timeout,
        )

    @property
    def calls(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return self.transport.calls

    # -- checks (--validate) ----------------------------------------------------------------

    def describe(self) -> str:
        """Where the source asks: the configured stats API base URL."""
        return self._api.describe()

    def probe_bound_seconds(self) -> float:
        """Upper bound on the wall time of :meth:`probe`."""
        return self._api.probe_bound_seconds()

    def probe(self, day: date | None = None) -> str:
        """Ask the API once whether it answers (see :meth:`.StatsApi.probe`)."""
        return self._api.probe(day)

    # -- Source protocol ------------------------------------------------------------------

    def covers(self, day: date) -> bool:
        return FIRST_COVERED_DAY <= day <= self._today()

    def scoreboard(self, day: date) -> list[ScoreboardGame]:
        """Every game of ``day`` with its status (cached for good once all are final)."""
        return self._listing.scoreboard(day)

    def completed_games(self, day: date) -> list[GameRecord]:
        """Every final regular-season, play-in and playoff game of ``day``, checked against the
        season's game log (see :mod:`.cross_check`): a log that disagrees with the scoreboard's
        records is an error (and is not kept); games the log lists on ``day`` that the scoreboard
        does not list as final are listed too, from the log, and reported as failed."""
        if not self.covers(day):
            raise DateNotCoveredError(
                f"nba_api source: {day} is outside {FIRST_COVERED_DAY}..{self._today()} "
                "(no completed games can be listed)"
            )
        return self._listing.completed_games(day)

    def score_timeline(self, game: GameRecord) -> ScoreTimeline:
        return self._feeds.score_timeline(game)

    def games_and_timelines(self, first: date, last: date) -> tuple[list[GameRecord], dict[str, ScoreTimeline]]:
        """The range's games and timelines, date by date (the live API has no bulk read)."""
        return games_and_timelines_by_date(self, first, last)

    def season_results(self, season: Season) -> Sequence[GameResult]:
        """Regular season, play-in and playoff results of ``season`` from LeagueGameLog, checked for
        completeness (see :class:`.season_logs.SeasonLogs`)."""
        return self._logs.results(season)
