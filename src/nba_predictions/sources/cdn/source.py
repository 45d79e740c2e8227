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
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from nba_predictions.config import EASTERN, ApiSettings
from nba_predictions.core.domain import GameRecord, GameResult, ScoreTimeline
from nba_predictions.core.season import Season
from nba_predictions.errors import (
    DateNotCoveredError,
    FatalSourceError,
    GameDataError,
    RetryableSourceError,
    SourceError,
    UnresponsiveSourceError,
)
from nba_predictions.sources.base import games_and_timelines_by_date
from nba_predictions.sources.cache import Keep, ResponseCache
from nba_predictions.sources.cdn.box_score import BoxScore, box_score_path, parse_box_score
from nba_predictions.sources.cdn.play_by_play import parse_play_by_play, play_by_play_path
from nba_predictions.sources.cdn.results import PastResults, archive_results, season_results
from nba_predictions.sources.cdn.schedule import SCHEDULE_PATHS, Schedule, ScheduledGame, parse_schedule
from nba_predictions.sources.game_types import listed
from nba_predictions.sources.http import DEFAULT_USER_AGENT, HttpTransport, RetryPolicy

logger = logging.getLogger(__name__)

DEFAULT_CDN_URL = "https://cdn.nba.com/static/json"
FIRST_LIVE_SEASON = Season(2019)  # the liveData play-by-play and box scores go back to 2019-20
HINT = "check the network, NBA_CDN_URL and NBA_API_PROXY"


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
        )
        self.cache = cache if cache is not None else ResponseCache(Path(settings.cache_dir) / "cdn")
        self._past = past_results
        self._today = today
        self._schedule: Schedule | None = None
        self._schedule_error: SourceError | None = None  # the run's one failed attempt, raised again
        self._boxes: dict[str, BoxScore] = {}
        self._timelines: dict[str, ScoreTimeline] = {}
        self._unusable: dict[str, str] = {}  # listed games whose box score failed: why
        self._box_payloads: dict[str, Any] = {}  # box scores fetched this run, not yet kept

    @property
    def calls(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return self.transport.calls

    def describe(self) -> str:
        return self.base_url

    # -- the schedule -----------------------------------------------------------------------

    def schedule(self) -> Schedule:
        """The season schedule: ``scheduleLeagueV2.json``, else ``scheduleLeagueV2_1.json``; asked once per run."""
        if self._schedule is not None:
            return self._schedule
        if self._schedule_error is not None:
            raise self._schedule_error
        problems: list[SourceError] = []
        for path in SCHEDULE_PATHS:
            url = f"{self.base_url}/{path}"
            before = self.transport.revalidated
            try:
                self._schedule = parse_schedule(self.transport.get_json(url, conditional=True), path.rsplit("/")[-1])
            except UnresponsiveSourceError as exc:
                problems = [exc]
                break
            except SourceError as exc:
                self.transport.forget(url)  # an answer that is not a whole schedule is never kept
                logger.warning("cdn source: %s", exc)
                problems.append(exc)
                continue
            schedule = self._schedule
            logger.info(
                "cdn source: %s: the %s schedule, %d games (%s to %s), published %s%s",
                path,
                schedule.season,
                len(schedule.games),
                schedule.first_day,
                schedule.last_day,
                schedule.published or "at an unknown time",
                " (not modified since the last run)" if self.transport.revalidated > before else "",
            )
            return schedule
        kind = RetryableSourceError if any(isinstance(p, RetryableSourceError) for p in problems) else FatalSourceError
        if isinstance(problems[0], UnresponsiveSourceError):
            kind = UnresponsiveSourceError
        self._schedule_error = kind(
            f"cdn source ({self.base_url}): no season schedule ({'; '.join(map(str, problems))}); {HINT}"
        )
        raise self._schedule_error

    def take_statuses(self, games: Sequence[ScheduledGame]) -> None:
        """The live scoreboard's newer statuses and scores of some games (``watch``): they replace the
        schedule's entries, and such a game that failed earlier in the run is asked for again."""
        self._schedule = self.schedule().updated(games)
        for game in games:
            self._unusable.pop(game.game_id, None)

    def _uncovered(self, day: date, schedule: Schedule) -> str | None:
        today = self._today()
        if day > today:
            return f"is in the future (today is {today}, US Eastern)"
        season = Season.of_date(day)
        if season != schedule.season:
            return (
                f"is in {season}, but the CDN's schedule holds the {schedule.season} season only "
                f"({schedule.first_day} to {schedule.last_day}; its play-by-play and box scores go back to "
                f"{FIRST_LIVE_SEASON}): use --source archive or nba_api for {season}"
            )
        return None

    def covers(self, day: date) -> bool:
        try:
            return self._uncovered(day, self.schedule()) is None
        except SourceError as exc:
            logger.debug("cdn source: cannot tell whether it covers %s (%s)", day, exc)
            return False

    def probe(self, day: date | None = None) -> str:
        """--validate: the schedule, asked once (no retries)."""
        started = time.monotonic()
        schedule = self.schedule()
        return (
            f"NBA CDN at {self.base_url} answered its {schedule.season} schedule ({len(schedule.games)} games) "
            f"in {time.monotonic() - started:.2f} s"
        )

    # -- Source protocol --------------------------------------------------------------------

    def completed_games(self, day: date) -> list[GameRecord]:
        """The final regular-season, play-in, playoff and NBA Cup final games of ``day`` on the
        schedule, each with its box score (a game whose box score fails is listed and fails)."""
        schedule = self.schedule()
        reason = self._uncovered(day, schedule)
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
        records = [self._record(game) for game in kept]
        failed = [self._unusable[g.game_id] for g in kept if g.game_id in self._unusable]
        refused = ("HTTP 403", "HTTP 5", "timeout")  # the CDN refusing or failing, not one missing feed
        if kept and len(failed) == len(kept) and all(any(r in reason for r in refused) for reason in failed):
            raise FatalSourceError(
                f"cdn source ({self.base_url}): no box score of {day} could be had ({failed[0]}); {HINT}"
            )
        return records

    def _record(self, game: ScheduledGame) -> GameRecord:
        try:
            box = self._box_score(game)
            lead_changes, times_tied, attendance = box.lead_changes, box.times_tied, box.attendance
        except GameDataError as exc:
            reason = str(exc).removeprefix(f"game {game.game_id}: ")
            logger.warning("game %s: %s; listed so that it is reported as failed", game.game_id, reason)
            self._unusable[game.game_id] = reason
            # Placeholders: this record never reaches a document (score_timeline raises for it).
            lead_changes, times_tied, attendance = 0, 0, None
        season = Season.of_game_id(game.game_id)
        return GameRecord(
            game_id=game.game_id,
            date=game.day,
            home_team_id=game.home_team_id,
            away_team_id=game.away_team_id,
            home_team_abbreviation=game.home_team_abbreviation,
            away_team_abbreviation=game.away_team_abbreviation,
            season_id=f"{game.game_id[2]}{season.start_year}",
            home_team_score=game.home_team_score,
            away_team_score=game.away_team_score,
            lead_changes=lead_changes,
            times_tied=times_tied,
            game_status="Final",
            attendance=attendance,
        )

    def _feed(self, kind: str, path: str, game_id: str) -> tuple[Any, bool]:
        """(payload, fetched now) of a game's feed: the cache's copy, else the CDN's answer.  A
        hung CDN stops the run's use of it (:class:`UnresponsiveSourceError` goes up); any other
        failure fails the game."""
        payload = self.cache.get(f"cdn_{kind}", {"gameId": game_id})
        if payload is not None:
            return payload, False
        try:
            return self.transport.get_json(f"{self.base_url}/{path}"), True
        except UnresponsiveSourceError:
            raise
        except SourceError as exc:
            raise GameDataError(game_id, f"CDN {kind.replace('_', ' ')}: {exc}") from None

    def _box_score(self, game: ScheduledGame) -> BoxScore:
        if game.game_id in self._boxes:
            return self._boxes[game.game_id]
        payload, fetched = self._feed("box_score", box_score_path(game.game_id), game.game_id)
        box = parse_box_score(payload, game.game_id)
        if not box.is_final:
            raise GameDataError(
                game.game_id,
                f"CDN box score is not final yet (gameStatus {box.status}); the game is rated on a later run",
            )
        if (box.home_team_id, box.away_team_id) != (game.home_team_id, game.away_team_id):
            raise GameDataError(
                game.game_id,
                f"CDN box score has teams {box.home_team_id}-{box.away_team_id}, "
                f"the schedule {game.home_team_id}-{game.away_team_id}",
            )
        if (box.home_team_score, box.away_team_score) != (game.home_team_score, game.away_team_score):
            raise GameDataError(
                game.game_id,
                f"CDN box score ends {box.home_team_score}-{box.away_team_score}, the schedule's final score is "
                f"{game.home_team_score}-{game.away_team_score}: the feeds disagree",
            )
        self._boxes[game.game_id] = box
        if fetched:
            self._box_payloads[game.game_id] = payload  # kept once the play-by-play agrees with it
        return box

    def score_timeline(self, game: GameRecord) -> ScoreTimeline:
        game_id = game.game_id
        if game_id in self._unusable:
            raise GameDataError(game_id, self._unusable[game_id])
        if game_id in self._timelines:
            return self._timelines[game_id]
        try:
            box = self._boxes.get(game_id) or self._box_score(self._scheduled(game))
            payload, fetched = self._feed("play_by_play", play_by_play_path(game_id), game_id)
        except UnresponsiveSourceError as exc:
            raise GameDataError(game_id, f"CDN: {exc}") from None
        timeline = parse_play_by_play(payload, game_id)
        if (timeline.final_score, timeline.periods) != ((box.home_team_score, box.away_team_score), box.periods):
            raise GameDataError(
                game_id,
                f"CDN play-by-play ends {timeline.final_score[0]}-{timeline.final_score[1]} after {timeline.periods} "
                f"periods, its box score {box.home_team_score}-{box.away_team_score} after {box.periods}: the feeds "
                "disagree (neither is kept; the game is tried again on a later run)",
            )
        if fetched:
            self.cache.put("cdn_play_by_play", {"gameId": game_id}, payload, Keep.FOREVER)
        box_payload = self._box_payloads.pop(game_id, None)
        if box_payload is not None:
            self.cache.put("cdn_box_score", {"gameId": game_id}, box_payload, Keep.FOREVER)
        self._timelines[game_id] = timeline
        return timeline

    def _scheduled(self, game: GameRecord) -> ScheduledGame:
        """The schedule's entry of a game asked for without having been listed (a document's game)."""
        for scheduled in self.schedule().games:
            if scheduled.game_id == game.game_id and scheduled.is_final:
                return scheduled
        raise GameDataError(game.game_id, f"not a final game of the CDN's {self.schedule().season} schedule")

    def games_and_timelines(self, first: date, last: date) -> tuple[list[GameRecord], dict[str, ScoreTimeline]]:
        """The range's games and timelines, date by date (the CDN has no bulk read)."""
        return games_and_timelines_by_date(self, first, last)

    def season_results(self, season: Season) -> Sequence[GameResult]:
        """The schedule's season from its final games; earlier seasons from the offline archive."""
        if self._past is None:
            self._past = archive_results()
        return season_results(season, self.schedule(), self._past, self._today())
