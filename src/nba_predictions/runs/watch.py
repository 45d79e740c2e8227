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
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from nba_predictions.errors import SourceError, UsageError
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.watch_documents import DateDocuments
from nba_predictions.runs.watch_game import GameRater, RatedGame
from nba_predictions.sources.base import Source
from nba_predictions.sources.cdn import CdnSource
from nba_predictions.sources.cdn.scoreboard import Scoreboard, ScoreboardReader

logger = logging.getLogger(__name__)

GIVE_UP_AFTER = 30  # polls: an hour at the default interval for a final game's feeds to become final


@dataclass(frozen=True)
class WatchOptions:
    day: date
    interval: float = 120.0
    until_done: bool = False
    follow: bool = False
    give_up_after: int = GIVE_UP_AFTER
    documents: str | None = None
    log_json: bool = False


@dataclass(frozen=True)
class Rated:
    """A game rated by this watch: the poll that rated it, and how long after this watch first saw it
    final it was stored (the scoreboard's final status is at most one interval older than that)."""

    game: RatedGame
    poll: int
    after_final: float
    stored_at: float  # the watch's clock (time.monotonic)


@dataclass
class WatchReport:
    rated: dict[str, Rated] = field(default_factory=dict)
    not_rated: dict[str, str] = field(default_factory=dict)  # game id -> why
    polls: int = 0
    not_modified: int = 0
    stopped: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.not_rated else 0


def spoiler_free(reason: str) -> str:
    """A failure's reason without the scores the sources' messages may quote (``108-106`` -> ``#-#``)."""
    return re.sub(r"(?<![\d-])\d{1,3}-\d{1,3}(?![\d-])", "#-#", reason)


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
        self._start(options.day)

    def _registry_source(self, day: date) -> Source:
        from nba_predictions.sources.registry import make_source

        return make_source(self.resources.settings, day)

    def _start(self, day: date) -> None:
        """Watch ``day``: what the database already holds of it is done (``--force`` aside)."""
        from nba_predictions.steps.storage import rated_game_ids

        self.day, self.seen_day, self.over = day, False, False
        self.done: set[str] = (
            set() if self.resources.settings.force else rated_game_ids(self.resources.database(), day, day)
        )
        self.failures: dict[str, tuple[int, str]] = {}  # game id -> (failed polls, last reason)
        self.seen_final: dict[str, float] = {}
        documents = DateDocuments(self.options.documents, day) if self.options.documents else None
        if documents is not None:
            documents.check_writable()
            documents.load()
        self.rater = GameRater(self.resources, day, documents)
        if self.done:
            logger.info(
                "watch: %d game(s) of %s already rated; left alone (--force re-rates them)", len(self.done), day
            )

    def run(self) -> WatchReport:
        while not self.stop.is_set():
            started = self._clock()
            self.report.polls += 1
            if self._poll() and (self.options.until_done or self.over):
                break
            self.stop.wait(max(0.0, started + self.options.interval - self._clock()))
        self.report.stopped = self.stop.is_set()
        return self.report

    def _poll(self) -> bool:
        """One poll; True when the date is done (every game rated, given up or postponed)."""
        try:
            board, not_modified = self.reader.read()
        except SourceError as exc:
            logger.warning(
                "watch: the scoreboard could not be read (%s); next poll in %g s", exc, self.options.interval
            )
            self._line(status="error", error=str(exc))
            return False
        self.report.not_modified += not_modified
        if board.day != self.day and not self._switch(board):
            self._line(status="waiting", scoreboard_date=board.day.isoformat(), not_modified=not_modified)
            return board.day > self.day  # the date is over (its pending games reported by _switch)
        self.seen_day = True
        rated_now = self._rate_final(board)
        done = self._done(board)
        self._line(
            status="done" if done else "watching",
            not_modified=not_modified,
            games=len(board.rated_games),
            final=len(board.final),
            rated=rated_now,
            rated_total=len(self.done),
            pending={g: spoiler_free(r) for g, (_, r) in self.failures.items() if g not in self.done},
            not_rated=sorted(self.report.not_rated),
        )
        return done

    def _switch(self, board: Scoreboard) -> bool:
        """The scoreboard is at another date: True when the watch moved on to it (``follow``)."""
        if board.day < self.day and not self.seen_day:
            return False  # not our date yet: wait for the scoreboard to roll over
        if not self.seen_day and not self.options.follow:
            raise UsageError(
                f"watch --date {self.day}: the CDN's scoreboard serves only its current day, {board.day}; "
                f"rate a past date with a run: nba-predictions --date {self.day}"
            )
        for game_id, (_, reason) in self.failures.items():
            if game_id not in self.done:
                self.report.not_rated.setdefault(
                    game_id, f"{spoiler_free(reason)}; the scoreboard moved on to {board.day}"
                )
        if not self.options.follow:
            self.over = True  # its games are off the scoreboard: nothing more to watch
            return False
        logger.info("watch: the scoreboard moved on from %s to %s", self.day, board.day)
        self._start(board.day)
        return True

    def _rate_final(self, board: Scoreboard) -> list[str]:
        todo = [g for g in board.final if g.game_id not in self.done and g.game_id not in self.report.not_rated]
        now = self._clock()
        for game in todo:
            self.seen_final.setdefault(game.game_id, now)
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
                outcome = self.rater.rate(source, game.game_id)
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
            self._source = self._make_source(self.day)
        return self._source

    def _rated(self, game: RatedGame) -> None:
        now = self._clock()
        after = now - self.seen_final[game.game_id]
        self.done.add(game.game_id)
        self.failures.pop(game.game_id, None)
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
        count = self.failures.get(game_id, (0, ""))[0] + 1
        self.failures[game_id] = (count, reason)
        if count >= self.options.give_up_after:
            self.report.not_rated[game_id] = f"{spoiler_free(reason)} (after {count} polls)"
            logger.warning("watch: %s not rated after %d polls: %s", game_id, count, spoiler_free(reason))
        else:
            logger.info("watch: %s not rated yet, tried again next poll: %s", game_id, spoiler_free(reason))

    def _done(self, board: Scoreboard) -> bool:
        settled = self.done | set(self.report.not_rated)
        return all(g.game_id in settled or g.postponed for g in board.rated_games)

    def _line(self, **fields: object) -> None:
        if not self.options.log_json:
            return
        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._emit(
            json.dumps({"event": "poll", "poll": self.report.polls, "at": at, "date": self.day.isoformat(), **fields})
        )


def _cdn_of(source: Source) -> CdnSource | None:
    """The CDN source serving ``source`` (itself, or the chain's member), which takes the scoreboard's statuses."""
    from nba_predictions.sources.chain import SourceChain

    if isinstance(source, SourceChain) and "cdn" in source.order:
        source = source.source("cdn")
    return source if isinstance(source, CdnSource) else None
