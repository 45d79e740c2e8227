"""``watch``: rate each game of a date minutes after its final buzzer.

Every ``interval`` seconds (from one poll's start to the next) the watch reads the CDN's live
scoreboard (:class:`~nba_predictions.sources.cdn.scoreboard.ScoreboardReader`: one conditional
request, a 304 when nothing changed) and hands each game it shows final, and that is not rated yet,
to :class:`~.watch_game.GameRater`: that game alone goes through collection -> storage.  A game
whose feeds are not final yet (or fail) is tried again on the next poll, up to ``give_up_after``
polls; then it is reported as not rated (the daily job remains the catch-all).  The CDN source takes
the scoreboard's statuses over its season schedule (read once per watch), so its per-game requests
(box score, play-by-play) go out once per game.

Each game is rated once: games of the date already rated in the database are left alone (a
restarted watch goes on where it stopped), ``--force`` aside (then each is re-rated once per watch).
The scoreboard serves one date, the NBA's current day: a watch of a later date waits for it; a watch
of an earlier date is refused (a run rates a past date) -- unless it has already seen its date, whose
games still pending when the scoreboard moves on are then reported as not rated.  With ``follow``
(no ``--date``, no ``--until-done``: the service) the watched date moves on with the scoreboard.

A stop request (``stop``, set by SIGTERM or Ctrl-C in the command line) is honoured between games
and while waiting for the next poll.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timezone

from nba_predictions.config import Settings
from nba_predictions.errors import SourceError, UsageError
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.watch_game import RatedGame
from nba_predictions.runs.watch_state import (
    GIVE_UP_AFTER,
    DateState,
    Rated,
    WatchOptions,
    WatchReport,
)
from nba_predictions.sources.base import Source
from nba_predictions.sources.cdn import CdnSource
from nba_predictions.sources.cdn.scoreboard import Scoreboard, ScoreboardReader

logger = logging.getLogger(__name__)

__all__ = ["GIVE_UP_AFTER", "Watch", "WatchOptions", "WatchReport", "run_watch"]


class Watch:
    """The watch loop over ``resources`` (model, database), reading ``reader``; see the module doc."""

    def __init__(
        self,
        resources: Resources,
        options: WatchOptions,
        reader: ScoreboardReader,
        *,
        stop: threading.Event | None = None,
        make_source: Callable[[date], Source] | None = None,
        emit: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.resources, self.options, self.reader = resources, options, reader
        self.stop = stop or threading.Event()
        self._make_source = make_source or self._registry_source
        self._emit = emit or (lambda line: None)
        self._clock = clock
        self.report = WatchReport()
        self._source: Source | None = None
        self.date = DateState(resources, options.day, options.documents)

    def _registry_source(self, day: date) -> Source:
        from nba_predictions.sources.registry import make_source

        return make_source(self.resources.settings, day)

    def run(self) -> WatchReport:
        while not self.stop.is_set():
            started = self._clock()
            self.report.polls += 1
            if self._poll() and (self.options.until_done or self.date.over):
                break
            self.stop.wait(max(0.0, started + self.options.interval - self._clock()))
        self.report.stopped = self.stop.is_set()
        return self.report

    def _poll(self) -> bool:
        """One poll; True when the date is done (every game rated, given up or postponed) or over."""
        try:
            board, not_modified = self.reader.read()
        except SourceError as exc:
            logger.warning("watch: no scoreboard (%s); next poll in %g s", exc, self.options.interval)
            self._line(status="error", error=str(exc))
            return False
        self.report.not_modified += not_modified
        if board.day != self.date.day and not self._switch(board):
            self._line(status="waiting", scoreboard_date=board.day.isoformat(), not_modified=not_modified)
            return self.date.over
        self.date.seen = True
        rated_now = self._rate_final(board)
        done = self.date.settled(board, self.report.not_rated)
        self._line(
            status="done" if done else "watching",
            not_modified=not_modified,
            games=len(board.rated_games),
            final=len(board.final),
            rated=rated_now,
            rated_total=len(self.date.done),
            pending=self.date.pending(),
            not_rated=sorted(self.report.not_rated),
        )
        return done

    def _switch(self, board: Scoreboard) -> bool:
        """The scoreboard is at another date: True when the watch moved on to it (``follow``)."""
        day = self.date.day
        if board.day < day and not self.date.seen:
            return False  # not our date yet: wait for the scoreboard to roll over
        if not self.date.seen and not self.options.follow:
            raise UsageError(
                f"watch --date {day}: the CDN's scoreboard serves only its current day, {board.day}; "
                f"rate a past date with a run: nba-predictions --date {day}"
            )
        for game_id, reason in self.date.pending().items():
            self.report.not_rated.setdefault(game_id, f"{reason}; the scoreboard moved on to {board.day}")
        if not self.options.follow:
            self.date.over = True  # its games are off the scoreboard: nothing more to watch
            return False
        logger.info("watch: the scoreboard moved on from %s to %s", day, board.day)
        self.date = DateState(self.resources, board.day, self.options.documents)
        return True

    def _rate_final(self, board: Scoreboard) -> list[str]:
        todo = self.date.todo(board, self.report.not_rated, self._clock())
        if not todo:
            return []
        source = self._current_source()
        cdn = _cdn_of(source)
        if cdn is not None:
            cdn.take_statuses(board.games)
        rated: list[str] = []
        for game in todo:
            if self.stop.is_set():
                break
            try:
                outcome = self.date.rater.rate(source, game.game_id)
            except SourceError as exc:  # the source as a whole: a fresh one on the next poll
                logger.warning("watch: %s failed (%s); trying again on the next poll", source.name, exc)
                self._source = None
                self._failed(game.game_id, str(exc))
                break
            if isinstance(outcome, str):
                self._failed(game.game_id, outcome)
                continue
            self._rated(outcome)
            rated.append(game.game_id)
        return rated

    def _current_source(self) -> Source:
        if self._source is None:
            self._source = self._make_source(self.date.day)
        return self._source

    def _rated(self, game: RatedGame) -> None:
        now = self._clock()
        after = now - self.date.seen_final[game.game_id]
        self.date.rated(game.game_id)
        self.report.rated[game.game_id] = Rated(game, self.report.polls, after, now)
        logger.info(
            "watch: %s %s rated %.1f (%s), %s %.1f s after its final status was seen (its run %.1f s)",
            game.game_id,
            game.teams,
            game.rating,
            game.classification,
            "stored" if game.stored else "already stored by another run, left alone,",
            after,
            game.seconds,
        )

    def _failed(self, game_id: str, reason: str) -> None:
        given_up = self.date.failed(game_id, reason, self.options.give_up_after)
        if given_up is not None:
            self.report.not_rated[game_id] = given_up

    def _line(self, **fields: object) -> None:
        if not self.options.log_json:
            return
        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        line = {"event": "poll", "poll": self.report.polls, "at": at, "date": self.date.day.isoformat(), **fields}
        self._emit(json.dumps(line))


def _cdn_of(source: Source) -> CdnSource | None:
    """The CDN source serving ``source`` (itself, or the chain's member), which takes the scoreboard's statuses."""
    from nba_predictions.sources.chain import SourceChain

    if isinstance(source, SourceChain) and "cdn" in source.order:
        source = source.source("cdn")
    return source if isinstance(source, CdnSource) else None


def run_watch(
    settings: Settings,
    options: WatchOptions,
    *,
    stop: threading.Event | None = None,
    emit: Callable[[str], None] | None = None,
) -> WatchReport:
    """A whole watch with resources and a scoreboard reader of its own (the command line, the Prefect
    flow): the scoreboard at ``NBA_CDN_URL`` (else the NBA's CDN), whatever ``--source`` rates from."""
    from nba_predictions.sources.registry import cdn_base_url

    reader = ScoreboardReader.for_settings(settings.api, cdn_base_url(settings.api))
    try:
        with Resources(settings) as resources:
            return Watch(resources, options, reader, stop=stop, emit=emit).run()
    finally:
        reader.close()
