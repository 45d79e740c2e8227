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
modules turn those into domain values; this module decides what to fetch, what to trust and what
to cache.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from nba_predictions.config import EASTERN, ApiSettings
from nba_predictions.core import teams
from nba_predictions.core.domain import GameRecord, GameResult, ScoreTimeline
from nba_predictions.core.scoring import lead_changes_and_times_tied
from nba_predictions.core.season import Season, season_type_of_game_id
from nba_predictions.errors import DateNotCoveredError, FatalSourceError, GameDataError, SourceError
from nba_predictions.sources.base import games_and_timelines_by_date
from nba_predictions.sources.cache import Keep, ResponseCache
from nba_predictions.sources.game_types import listed
from nba_predictions.sources.http import HttpTransport, RetryPolicy
from nba_predictions.sources.nba_api.box_score_summary import GameSummary, parse_box_score_summary, summary_request
from nba_predictions.sources.nba_api.cdn_play_by_play import cdn_play_by_play_path, parse_cdn_play_by_play
from nba_predictions.sources.nba_api.cross_check import missing_from_board, record_mismatch
from nba_predictions.sources.nba_api.hints import failure_hint
from nba_predictions.sources.nba_api.play_by_play import parse_play_by_play, play_by_play_request
from nba_predictions.sources.nba_api.scoreboard import ScoreboardGame, parse_scoreboard, scoreboard_request
from nba_predictions.sources.nba_api.season_logs import SeasonLogs

logger = logging.getLogger(__name__)

DEFAULT_STATS_URL = "https://stats.nba.com/stats"
DEFAULT_CDN_URL = "https://cdn.nba.com/static/json/liveData"  # NBA_CDN_URL + /liveData

PROBE_DAY = date(2025, 11, 5)  # a past date with final games: its scoreboard can never change
PROBE_READ_TIMEOUT_SECONDS = 10.0  # --validate waits at most this long for the answer

FIRST_COVERED_DAY = date(1996, 11, 1)  # PlayByPlayV3 and ScoreboardV3 start with 1996-97
FIRST_CDN_SEASON = Season(2019)  # the live CDN play-by-play covers 2019-20 on


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
        )
        self.cache = cache if cache is not None else ResponseCache(Path(settings.cache_dir) / "nba_api")
        self._today = today
        self._boards: dict[date, list[ScoreboardGame]] = {}
        self._timelines: dict[str, ScoreTimeline] = {}
        self._timeline_errors: dict[str, str] = {}
        self._last_day: date | None = None  # the date of the last completed_games call, for hints
        self._unusable: dict[str, str] = {}  # listed games with neither play-by-play nor summary: why
        self._logs = SeasonLogs(
            fetch=lambda endpoint, params: self._fetch(self.stats_url, endpoint, params),
            cache=self.cache,
            today=today,
            with_hint=self._with_hint,
        )

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

    # -- fetching -------------------------------------------------------------------------

    def _fetch(self, base: str, endpoint: str, params: dict[str, Any]) -> Any:
        return self.transport.get_json(f"{base}/{endpoint}", params)

    def _cached(self, endpoint: str, params: dict[str, Any]) -> Any | None:
        return self.cache.get(endpoint, params)

    def _stats(self, request: Any) -> tuple[str, dict[str, Any], Any | None]:
        """(endpoint, parameters, cached payload or None) of an nba_api request object."""
        params = dict(request.parameters)
        return request.endpoint, params, self._cached(request.endpoint, params)

    def _with_hint(self, exc: SourceError, day: date | None = None) -> SourceError:
        """``exc`` on one line with the source's URL and what to try (for the run's target date:
        ``day``, else the last date whose games were asked for)."""
        hint = failure_hint(day or self._last_day)
        return type(exc)(f"nba_api source ({self.stats_url}): {exc}; {hint}")

    # -- checks (--validate) ----------------------------------------------------------------

    def describe(self) -> str:
        """Where the source asks: the configured stats API base URL."""
        return self.stats_url

    def probe_bound_seconds(self) -> float:
        """Upper bound on the wall time of :meth:`probe`."""
        return self.transport.worst_case_seconds(retries=0, read_timeout_seconds=self._probe_read_timeout())

    def _probe_read_timeout(self) -> float:
        return min(self.transport.read_timeout_seconds, PROBE_READ_TIMEOUT_SECONDS)

    def probe(self, day: date | None = None) -> str:
        """Ask the API once whether it answers: ScoreboardV3 of :data:`PROBE_DAY`, never from the
        cache, one attempt (no retries), within :meth:`probe_bound_seconds`.

        Returns a one-line description; raises :class:`SourceError` with the one-line hint (for
        ``day``, the run's target date) when the API cannot be reached or answers wrongly.
        """
        request = scoreboard_request(PROBE_DAY)
        started = time.monotonic()
        try:
            payload = self.transport.get_json(
                f"{self.stats_url}/{request.endpoint}",
                dict(request.parameters),
                retries=0,
                read_timeout_seconds=self._probe_read_timeout(),
            )
            games = parse_scoreboard(payload)
        except SourceError as exc:
            raise self._with_hint(exc, day) from exc
        return (
            f"live NBA API at {self.describe()} answered ScoreboardV3 for {PROBE_DAY} "
            f"({len(games)} games) in {time.monotonic() - started:.2f} s"
        )

    # -- Source protocol ------------------------------------------------------------------

    def covers(self, day: date) -> bool:
        return FIRST_COVERED_DAY <= day <= self._today()

    def scoreboard(self, day: date) -> list[ScoreboardGame]:
        """Every game of ``day`` with its status (cached for good once all are final)."""
        if day in self._boards:
            return self._boards[day]
        endpoint, params, payload = self._stats(scoreboard_request(day))
        if payload is None:
            try:
                payload = self._fetch(self.stats_url, endpoint, params)
                games = parse_scoreboard(payload)
            except SourceError as exc:
                raise self._with_hint(exc, day) from exc
            if games and all(g.is_final for g in games):
                self.cache.put(endpoint, params, payload, Keep.FOREVER)
        else:
            games = parse_scoreboard(payload)
        self._logs.note_postseason(games)
        self._boards[day] = games
        return games

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
        self._last_day = day
        games = self.scoreboard(day)
        final = [g for g in games if g.is_final]
        if len(final) < len(games):
            logger.info(
                "%s: %d of %d games are not final yet; listing the final ones", day, len(games) - len(final), len(games)
            )
        rated = [g for g in final if listed(g.game_id)]
        if len(rated) < len(final):
            logger.info("%s: %d preseason or All-Star game(s) are not rated (not listed)", day, len(final) - len(rated))
        records = [self._record(day, game) for game in rated]
        season = Season.of_date(day)
        results = self.season_results(season)  # memoised: the history reads the same log
        if season == Season.of_date(self._today()):
            mismatch = record_mismatch(day, games, results)
            if mismatch is not None:
                self._logs.forget_current(season)
                raise self._with_hint(
                    FatalSourceError(
                        f"LeagueGameLog {season} does not agree with ScoreboardV3 of {day}: {mismatch}; "
                        "the log answer is incomplete (not cached)"
                    ),
                    day,
                )
        for result in missing_from_board(day, games, results):
            records.append(self._unlisted(day, result, {g.game_id: g for g in games}.get(result.game_id)))
        return sorted(records, key=lambda r: r.game_id)

    def _unlisted(self, day: date, result: GameResult, shown: ScoreboardGame | None) -> GameRecord:
        """A game the log lists on ``day`` that the scoreboard does not list as final: listed from
        the log so the run counts it and reports it as failed (its timeline raises)."""
        status = f"lists it as {shown.status_text or 'not final'}" if shown else "does not list it"
        reason = (
            f"LeagueGameLog lists it as played on {day} but ScoreboardV3 {status}: the scoreboard "
            "answer is incomplete; rerun when the API answers completely"
        )
        logger.warning("game %s: %s", result.game_id, reason)
        self._unusable[result.game_id] = reason
        season = Season.of_game_id(result.game_id)
        # Placeholders, as in _record: this record never reaches a document (score_timeline raises).
        return GameRecord(
            game_id=result.game_id,
            date=day,
            home_team_id=result.home_team_id,
            away_team_id=result.away_team_id,
            home_team_abbreviation=teams.abbreviation(result.home_team_id, season),
            away_team_abbreviation=teams.abbreviation(result.away_team_id, season),
            season_id=season.season_id(result.season_type),
            home_team_score=result.home_score,
            away_team_score=result.away_score,
            lead_changes=0,
            times_tied=0,
            game_status="Final",
            attendance=None,
        )

    def _record(self, day: date, game: ScoreboardGame) -> GameRecord:
        """The game as the ``Source`` protocol lists it -- every final game of the scoreboard.

        Lead changes and times tied come from the play-by-play, else from BoxScoreSummaryV3.  A
        game with neither is still listed, from the scoreboard alone (teams, final score), so the
        run counts it as found and reports it as failed (exit 1) instead of losing it silently:
        its :meth:`score_timeline` raises ``GameDataError`` saying why, and the collection step
        skips and reports every game whose timeline raises.
        """
        attendance = None
        try:
            timeline = self._timeline(game.game_id, game.home_team_score, game.away_team_score)
            lead_changes, times_tied = lead_changes_and_times_tied(timeline)
        except GameDataError as exc:
            logger.warning("%s; taking lead changes and times tied from BoxScoreSummaryV3", exc)
            try:
                summary = self._summary(game.game_id)
            except (SourceError, GameDataError) as summary_exc:
                reason = (
                    f"{str(exc).removeprefix(f'game {game.game_id}: ')}, and no BoxScoreSummaryV3 "
                    f"({str(summary_exc).removeprefix(f'game {game.game_id}: ')}): "
                    "lead changes and times tied cannot be known"
                )
                logger.warning("game %s: %s; listed so that it is reported as failed", game.game_id, reason)
                self._unusable[game.game_id] = reason
                # Unknown, not zero.  GameRecord requires ints >= 0, and 0 is acceptable only
                # because this record never reaches a document: score_timeline() raises for it
                # (see _unusable), so the collection step skips it and reports it as failed.
                lead_changes, times_tied = 0, 0
            else:
                lead_changes, times_tied, attendance = summary.lead_changes, summary.times_tied, summary.attendance
        season_type = season_type_of_game_id(game.game_id)
        return GameRecord(
            game_id=game.game_id,
            date=day,
            home_team_id=game.home_team_id,
            away_team_id=game.away_team_id,
            home_team_abbreviation=game.home_team_abbreviation,
            away_team_abbreviation=game.away_team_abbreviation,
            season_id=Season.of_game_id(game.game_id).season_id(season_type),
            home_team_score=game.home_team_score,
            away_team_score=game.away_team_score,
            lead_changes=lead_changes,
            times_tied=times_tied,
            game_status="Final",
            attendance=attendance,
        )

    def score_timeline(self, game: GameRecord) -> ScoreTimeline:
        if game.game_id in self._unusable:
            raise GameDataError(game.game_id, self._unusable[game.game_id])
        return self._timeline(game.game_id, game.home_team_score, game.away_team_score)

    def _timeline(self, game_id: str, home_score: int, away_score: int) -> ScoreTimeline:
        """PlayByPlayV3, else the CDN play-by-play; kept for good once it matches the final score."""
        if game_id in self._timelines:
            return self._timelines[game_id]
        if game_id in self._timeline_errors:
            raise GameDataError(game_id, self._timeline_errors[game_id])
        problems = []
        attempts: list[
            tuple[str, Callable[[], tuple[str, str, dict[str, Any]]], Callable[[Any, str], ScoreTimeline]]
        ] = [
            ("PlayByPlayV3", lambda: self._stats_target(play_by_play_request(game_id)), parse_play_by_play),
        ]
        if Season.of_game_id(game_id) >= FIRST_CDN_SEASON:
            attempts.append(
                ("CDN play-by-play", lambda: (self.cdn_url, cdn_play_by_play_path(game_id), {}), parse_cdn_play_by_play)
            )
        for label, target, parse in attempts:
            base, endpoint, params = target()
            payload = self.cache.get(endpoint, params)
            from_cache = payload is not None
            try:
                if payload is None:
                    payload = self._fetch(base, endpoint, params)
                timeline = parse(payload, game_id)
                if timeline.final_score != (home_score, away_score):
                    raise GameDataError(
                        game_id,
                        f"{label} ends {timeline.final_score[0]}-{timeline.final_score[1]}, "
                        f"the final score is {home_score}-{away_score}: play-by-play incomplete",
                    )
            except (SourceError, GameDataError) as exc:
                text = str(exc).removeprefix(f"game {game_id}: ")
                problems.append(f"{label}: {text}" if not text.startswith(label) else text)
                logger.warning("game %s: %s", game_id, problems[-1])
                continue
            if not from_cache:
                self.cache.put(endpoint, params, payload, Keep.FOREVER)
            self._timelines[game_id] = timeline
            return timeline
        message = "no usable play-by-play (" + "; ".join(problems) + ")"
        self._timeline_errors[game_id] = message
        raise GameDataError(game_id, message)

    def _stats_target(self, request: Any) -> tuple[str, str, dict[str, Any]]:
        return self.stats_url, request.endpoint, dict(request.parameters)

    def _summary(self, game_id: str) -> GameSummary:
        endpoint, params, payload = self._stats(summary_request(game_id))
        fetched = payload is None
        if fetched:
            payload = self._fetch(self.stats_url, endpoint, params)
        summary = parse_box_score_summary(payload, game_id)
        if fetched:
            self.cache.put(endpoint, params, payload, Keep.FOREVER)
        return summary

    def games_and_timelines(self, first: date, last: date) -> tuple[list[GameRecord], dict[str, ScoreTimeline]]:
        """The range's games and timelines, date by date (the live API has no bulk read)."""
        return games_and_timelines_by_date(self, first, last)

    def season_results(self, season: Season) -> Sequence[GameResult]:
        """Regular season, play-in and playoff results of ``season`` from LeagueGameLog, checked for
        completeness (see :class:`.season_logs.SeasonLogs`)."""
        return self._logs.results(season)
