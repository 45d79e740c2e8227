"""The CDN's season schedule as one run reads it: asked once (a conditional request: a 304 when it
has not changed), ``scheduleLeagueV2.json`` else ``scheduleLeagueV2_1.json``, a failure raised
again rather than asked again; the dates it covers, and ``--validate``'s probe.  The parsing is
:mod:`.schedule`'s."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date

from nba_predictions.core.season import Season
from nba_predictions.errors import (
    FatalSourceError,
    GameDataError,
    RetryableSourceError,
    SourceError,
    UnresponsiveSourceError,
)
from nba_predictions.sources.cdn.schedule import SCHEDULE_PATHS, Schedule, ScheduledGame, parse_schedule
from nba_predictions.sources.http import HttpTransport

logger = logging.getLogger(__name__)

FIRST_LIVE_SEASON = Season(2019)  # the liveData play-by-play and box scores go back to 2019-20
HINT = "check the network, NBA_CDN_URL and NBA_API_PROXY"


class SeasonSchedule:
    """The schedule under ``base_url``, read through ``transport`` at most once per run."""

    def __init__(self, base_url: str, transport: HttpTransport, today: Callable[[], date]) -> None:
        self._base_url = base_url
        self._transport = transport
        self._today = today
        self._schedule: Schedule | None = None
        self._error: SourceError | None = None  # the run's one failed attempt, raised again

    def get(self) -> Schedule:
        """The season schedule: ``scheduleLeagueV2.json``, else ``scheduleLeagueV2_1.json``; asked once per run."""
        if self._schedule is not None:
            return self._schedule
        if self._error is not None:
            raise self._error
        problems: list[SourceError] = []
        for path in SCHEDULE_PATHS:
            url = f"{self._base_url}/{path}"
            before = self._transport.revalidated
            try:
                self._schedule = parse_schedule(self._transport.get_json(url, conditional=True), path.rsplit("/")[-1])
            except UnresponsiveSourceError as exc:
                problems = [exc]
                break
            except SourceError as exc:
                self._transport.forget(url)  # an answer that is not a whole schedule is never kept
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
                " (not modified since the last run)" if self._transport.revalidated > before else "",
            )
            return schedule
        kind = RetryableSourceError if any(isinstance(p, RetryableSourceError) for p in problems) else FatalSourceError
        if isinstance(problems[0], UnresponsiveSourceError):
            kind = UnresponsiveSourceError
        self._error = kind(
            f"cdn source ({self._base_url}): no season schedule ({'; '.join(map(str, problems))}); {HINT}"
        )
        raise self._error

    def take(self, games: Sequence[ScheduledGame]) -> None:
        """Newer entries of some games (the live scoreboard's, for ``watch``) replace the schedule's."""
        self._schedule = self.get().updated(games)

    def uncovered(self, day: date, schedule: Schedule) -> str | None:
        """Why ``schedule`` cannot list the games of ``day``, or None when it can."""
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
            return self.uncovered(day, self.get()) is None
        except SourceError as exc:
            logger.debug("cdn source: cannot tell whether it covers %s (%s)", day, exc)
            return False

    def probe(self) -> str:
        """--validate: the schedule, asked once (no retries)."""
        started = time.monotonic()
        schedule = self.get()
        return (
            f"NBA CDN at {self._base_url} answered its {schedule.season} schedule ({len(schedule.games)} games) "
            f"in {time.monotonic() - started:.2f} s"
        )

    def final_game(self, game_id: str) -> ScheduledGame:
        """The schedule's entry of a final game asked for without having been listed (a document's game)."""
        for scheduled in self.get().games:
            if scheduled.game_id == game_id and scheduled.is_final:
                return scheduled
        raise GameDataError(game_id, f"not a final game of the CDN's {self.get().season} schedule")
