"""``--source auto``: each date served by the first source, in ``NBA_SOURCES`` order, that can.

The default order is the offline archive (the dates it covers), then the NBA's CDN, then
stats.nba.com.  For each date the chain asks each source in turn for the date's games:

* a source that does not cover the date (:class:`DateNotCoveredError`) is skipped, at INFO;
* a source that fails (any other :class:`SourceError`) is logged at WARNING with the reason, and
  the next one is asked;
* a source that does not answer within its timeout (:class:`UnresponsiveSourceError`: the live
  sources are built with ``give_up_on_timeout`` for the chain) is passed over for the rest of the
  run: one timeout, never one per game and retry.

The first source that lists the date's games serves the whole date: its timelines and its season
results (standings, head-to-head) too, so every game of a date's documents comes from the one
source named in their ``metadata.source`` (the chain's :attr:`name` after the date is listed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

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
from nba_predictions.sources.base import Source, games_and_timelines_by_date

logger = logging.getLogger(__name__)

T = TypeVar("T")


class SourceChain:
    """The sources named in ``order``, built on first use by ``make``; see the module doc."""

    def __init__(self, order: Sequence[str], make: Callable[[str], Source]) -> None:
        if not order:
            raise ValueError("a source chain needs at least one source")
        self.order = tuple(order)
        self._make = make
        self._sources: dict[str, Source] = {}
        self._passed_over: dict[str, str] = {}  # source -> why it is not asked again this run
        self._served: dict[date, str] = {}  # date -> the source that listed its games
        self._last: str | None = None
        # The source that served the last date listed, or else the documents' games (a features
        # step's timelines and results); "auto" before any (kept current by _serve).
        self.name = "auto"

    def _serve(self, name: str) -> None:
        self._last = self.name = name

    def served_by(self, day: date) -> str | None:
        return self._served.get(day)

    def passed_over(self) -> dict[str, str]:
        return dict(self._passed_over)

    def source(self, name: str) -> Source:
        if name not in self._sources:
            self._sources[name] = self._make(name)
        return self._sources[name]

    def _candidates(self, reasons: list[str]) -> list[str]:
        """The sources not passed over, in order; a reason added for each one that is."""
        reasons.extend(f"{n} passed over ({self._passed_over[n]})" for n in self.order if n in self._passed_over)
        return [name for name in self.order if name not in self._passed_over]

    def _first(
        self,
        ask: Callable[[Source], T],
        reason: Callable[[str, Exception], str],
        reasons: list[str],
        also: tuple[type[Exception], ...] = (),
    ) -> tuple[str, T] | None:
        """Ask each source not passed over, in order; the first answer and its source's name, or
        None.  A source that does not answer is passed over for the rest of the run; each failure
        (an :class:`UnresponsiveSourceError`, another :class:`SourceError`, or one of ``also``)
        adds ``reason(name, error)`` to ``reasons`` and the next one is asked."""
        caught: tuple[type[Exception], ...] = (SourceError, *also)
        for name in self._candidates(reasons):
            try:
                return name, ask(self.source(name))
            except UnresponsiveSourceError as exc:
                self._passed_over[name] = f"it did not answer within its timeout: {exc}"
                logger.warning("source auto: %s did not answer; passed over for the rest of the run (%s)", name, exc)
                reasons.append(reason(name, exc))
            except caught as exc:
                reasons.append(reason(name, exc))
        return None

    # -- Source protocol --------------------------------------------------------------------

    def covers(self, day: date) -> bool:
        return any(self.source(name).covers(day) for name in self._candidates([]))

    def completed_games(self, day: date) -> list[GameRecord]:
        reasons: list[str] = []
        errors: list[Exception] = []

        def reason(name: str, exc: Exception) -> str:
            if isinstance(exc, UnresponsiveSourceError):
                errors.append(exc)
                return f"{name} did not answer ({exc})"
            if isinstance(exc, DateNotCoveredError):
                logger.info("source auto: %s does not cover %s (%s)", name, day, exc)
                return f"{name} does not cover it ({exc})"
            logger.warning("source auto: %s failed for %s (%s); asking the next source", name, day, exc)
            errors.append(exc)
            return f"{name} failed ({exc})"

        found = self._first(lambda source: source.completed_games(day), reason, reasons)
        if found is not None:
            name, games = found
            self._served[day] = name
            self._serve(name)
            because = f"; before it: {'; '.join(reasons)}" if reasons else ""
            logger.info("source auto: %s served by %s (%d completed games)%s", day, name, len(games), because)
            return games
        message = f"source auto: no source could serve {day} (tried {', '.join(self.order)}): {'; '.join(reasons)}"
        if not errors:
            raise DateNotCoveredError(message)
        if any(isinstance(e, RetryableSourceError) for e in errors):
            raise RetryableSourceError(message)
        raise FatalSourceError(message)

    def score_timeline(self, game: GameRecord) -> ScoreTimeline:
        """From the source that listed the game's date; for a game of a date not listed this run
        (a document's), from the first source that has it."""
        served = self._served.get(game.date)
        if served is not None:
            return self.source(served).score_timeline(game)
        reasons: list[str] = []
        found = self._first(
            lambda source: source.score_timeline(game),
            lambda name, exc: f"{name}: {str(exc).removeprefix(f'game {game.game_id}: ')}",
            reasons,
            also=(GameDataError,),
        )
        if found is None:
            raise GameDataError(game.game_id, f"no source has its timeline ({'; '.join(reasons)})")
        self._serve(self._last or found[0])
        return found[1]

    def games_and_timelines(self, first: date, last: date) -> tuple[list[GameRecord], dict[str, ScoreTimeline]]:
        """The range's games and timelines, date by date (each date from the source that serves it)."""
        return games_and_timelines_by_date(self, first, last)

    def season_results(self, season: Season) -> Sequence[GameResult]:
        """From the source that served the last date (the same source's results as its games),
        else the first source that has the season."""
        if self._last is not None:
            return self.source(self._last).season_results(season)
        reasons: list[str] = []
        found = self._first(lambda source: source.season_results(season), lambda name, exc: f"{name}: {exc}", reasons)
        if found is None:
            raise DateNotCoveredError(f"source auto: no source has the results of {season} ({'; '.join(reasons)})")
        self._serve(found[0])  # later seasons and the games' timelines come from the same source
        return found[1]

    # -- checks (--validate) ----------------------------------------------------------------

    def describe(self) -> str:
        return f"auto ({', '.join(self.order)})"

    def probe(self, day: date | None = None) -> str:
        """The first source in order that would serve ``day``: the archive when it covers the
        date, else the first live source that answers its probe."""
        reasons: list[str] = []
        for name in self._candidates(reasons):
            source = self.source(name)
            probe = getattr(source, "probe", None)
            if probe is None:  # the archive: no network, only its range
                if day is not None and source.covers(day):
                    return f"source auto: {name} covers {day}"
                reasons.append(f"{name} does not cover {day}")
                continue
            try:
                return f"source auto: {name}: {probe(day)}"
            except SourceError as exc:
                reasons.append(f"{name}: {exc}")
        raise FatalSourceError(f"source auto: no source would serve {day}: {'; '.join(reasons)}")
