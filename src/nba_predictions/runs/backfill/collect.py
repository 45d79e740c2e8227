"""A range's dates through the one-date collection and features steps (the live API's dates and
those the columnar pass hands back), with one history per source and a live API that is given up
on after repeated failures."""

from __future__ import annotations

import logging
from datetime import date

from nba_predictions.core.domain import GameRecord
from nba_predictions.documents.models import CollectedGame
from nba_predictions.errors import DateNotCoveredError, PipelineError, SourceError
from nba_predictions.features.history import History, load_history
from nba_predictions.runs.archiving import archive_collected
from nba_predictions.runs.backfill.state import Day, RangeState
from nba_predictions.sources.registry import LIVE_SOURCES, Route

logger = logging.getLogger("nba_predictions.runs.backfill")

LIVE_FAILURES_BEFORE_GIVING_UP = 3
"""After this many consecutive live-API dates fail, the remaining ones are not tried in this run."""


class DateCollector:
    """Collects the dates of one range run, one at a time, filling in their reports."""

    def __init__(self, state: RangeState) -> None:
        self.state = state
        self.histories: dict[str, History] = {}
        self.live_failures = 0
        self.live_down: str | None = None  # why the live API is not tried any more, once it is not

    def featured(self, d: Day) -> list[tuple[GameRecord, list[float]]]:
        """One date through the one-date collection and features steps; a failure fails the date."""
        from nba_predictions.steps.features import build_features

        games = self.collect(d)
        if not games:
            return []
        featured, not_featured = build_features(games, None)
        d.report.failed.extend(not_featured)
        return [(g.raw_data, g.features.vector()) for g in featured]

    def collect(self, d: Day) -> list[CollectedGame]:
        """One date through the one-date collection step (its report filled in): a failure of its
        source fails the date, a date the source does not cover is skipped."""
        from nba_predictions.steps.collection import collect_games

        name = d.route.source
        assert name is not None
        if name in LIVE_SOURCES and self.live_down is not None:
            d.report.status, d.report.reason = "failed", self.live_down
            return []
        try:
            source = self.state.resources.source_named(name)
            games, skipped, found = collect_games(
                source, d.route.day, self.history(name, d.route.day), skip_ids=self.state.stored
            )
        except DateNotCoveredError as exc:
            d.report.status, d.report.reason = "skipped", str(exc)
            return []
        except PipelineError as exc:
            d.report.status, d.report.reason = "failed", _live_reason(str(exc), d.route)
            if name in LIVE_SOURCES and isinstance(exc, SourceError):
                self._live_failed(d.route.day, exc)
            return []
        if name in LIVE_SOURCES:
            self.live_failures = 0
            archive_collected(self.state.settings, name, d.route.day, games, listed=found)
        d.report.found = found
        d.report.skipped = found - len(games) - len(skipped)
        d.report.failed = list(skipped)
        return games

    def history(self, name: str, day: date) -> History:
        """The standings/head-to-head history of a source for the rest of the range, loaded once."""
        if name not in self.histories:
            source = self.state.resources.source_named(name)
            try:
                self.histories[name] = load_history(source, day, self.state.last)
            except SourceError as exc:
                if name in LIVE_SOURCES:
                    self.live_down = f"not tried: the live API's results for the standings failed ({exc})"
                raise
        return self.histories[name]

    def _live_failed(self, day: date, exc: SourceError) -> None:
        self.live_failures += 1
        if self.live_failures >= LIVE_FAILURES_BEFORE_GIVING_UP and self.live_down is None:
            self.live_down = (
                f"not tried: the live API failed for the {self.live_failures} live dates before it "
                f"(the last, {day}: {exc})"
            )
            logger.warning(
                "backfill: the live API failed for %d dates in a row; the remaining dates it would "
                "serve are reported as failed",
                self.live_failures,
            )


def _live_reason(reason: str, route: Route) -> str:
    """A live-API date's failure, with why the live API was asked (the archive's gap, its end)."""
    return f"{reason} (the live API was asked: the date {route.reason})" if route.reason else reason
