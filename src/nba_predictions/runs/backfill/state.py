"""What a range run knows as it goes: its dates, their reports, and what it leaves alone."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from nba_predictions.documents.models import Metadata, Step
from nba_predictions.runs.backfill.progress import Progress
from nba_predictions.runs.metadata import document_metadata
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.summary import DateReport, RunSummary
from nba_predictions.sources.registry import Route

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from nba_predictions.config import Settings
    from nba_predictions.core.domain import GameRecord
    from nba_predictions.sources.archive_rows import ArchiveRow

logger = logging.getLogger("nba_predictions.runs.backfill")


@dataclass
class Day:
    """One date of the range, and what the run has found for it so far."""

    route: Route
    report: DateReport
    rows: list[ArchiveRow] = field(default_factory=list)  # the archive's rows still to rate

    @classmethod
    def of(cls, route: Route) -> Day:
        """A date as routed; a date no source answers for is reported as skipped, with the reason."""
        day = cls(route, DateReport(route.day, source=route.source))
        if route.source is None:
            day.report.status, day.report.reason = "skipped", route.reason
        return day


@dataclass
class Featured:
    """The range's games ready to rate, in (date, game id) order: ``rows[i]`` are the features of
    ``records[i]`` (columns :data:`~nba_predictions.documents.models.ALL_FEATURES`)."""

    records: list[GameRecord]
    rows: np.ndarray


@dataclass
class RangeState:
    """A range run from ``first`` to ``last`` through step ``until`` on ``resources``."""

    resources: Resources
    first: date
    last: date
    until: str
    summary: RunSummary
    progress: Progress
    chunk_games: int
    output_path: str | None = None
    days: list[Day] = field(default_factory=list)  # the dates reached so far, in order
    stored: set[str] = field(default_factory=set)  # games already rated, left alone (no --force)
    predicted_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))

    @property
    def settings(self) -> Settings:
        return self.resources.settings

    def report(self, day: date) -> DateReport:
        return self.days[(day - self.first).days].report

    def metadata(self, step: Step, count: int, model_version: str | None = None) -> Metadata:
        """A range document's metadata: its dates, its one source (None when several served it)
        and every game that could not be taken."""
        sources = sorted({d.route.source for d in self.days if d.route.source and d.report.found})
        return document_metadata(
            step,
            count,
            [g for d in self.days for g in d.report.failed],
            span=(self.first, self.last),
            source=sources[0] if len(sources) == 1 else None,
            model_version=model_version,
        )

    def warn_failed(self, chunk: list[Day]) -> None:
        """A warning for the chunk's games that failed; a line at INFO for those never rateable."""
        games = [g for d in chunk for g in d.report.failed]
        for log, which, what in (
            (logger.warning, [g for g in games if g.rateable], "could not be rated"),
            (logger.info, [g for g in games if not g.rateable], "are not rateable from their source"),
        ):
            if which:
                log(
                    "backfill %s to %s: %d game(s) %s (listed in the summary), e.g. %s",
                    chunk[0].route.day,
                    chunk[-1].route.day,
                    len(which),
                    what,
                    which[0].reason,
                )
