"""What a backfill did: per date, and in total (printed, written by --summary-json, and recorded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from nba_predictions.documents.models import SkippedGame
from nba_predictions.runs.pipeline import SUMMARY_VERSION  # one version for both summaries' JSON shape

SHOWN_PROBLEMS = 20  # problems listed by render(); to_dict() lists them all


@dataclass
class DateReport:
    """One date of a backfill.  ``status``: ``ok``; ``skipped`` (no source answers for it under the
    chosen ``--source``: ``reason`` says why); ``failed`` (its source failed: ``reason``)."""

    day: date
    source: str | None = None
    found: int = 0
    processed: int = 0
    saved: int = 0
    skipped: int = 0  # already stored and rated, left alone (no --force)
    failed: list[SkippedGame] = field(default_factory=list)
    status: str = "ok"
    reason: str | None = None

    @property
    def eventful(self) -> bool:
        """Worth a line in the JSON summary: it had games or a problem."""
        return bool(self.found or self.failed or self.status != "ok")

    def to_dict(self) -> dict:
        return {
            "target_date": self.day.isoformat(),
            "status": self.status,
            "reason": self.reason,
            "source": self.source,
            "found": self.found,
            "processed": self.processed,
            "saved": self.saved,
            "skipped": self.skipped,
            "failed": [g.model_dump() for g in self.failed],
        }


@dataclass
class BackfillSummary:
    """A backfill from ``first`` to ``last`` as one run.  The game counts are those of the
    dates (``dates``) or, for a backfill that starts from a document, of the document's run."""

    first: date | None  # None: a document's run, the document naming no date
    last: date | None
    steps: list[str]
    dates: list[DateReport] = field(default_factory=list)
    found: int = 0
    processed: int = 0
    saved: int = 0
    skipped: int = 0
    failed: list[SkippedGame] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # what stopped the run, if anything
    source: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    duration_seconds: float = 0.0
    target_date: date | None = None  # a backfill has none (pipeline_runs.target_date stays null)

    def add(self, report: DateReport) -> None:
        self.dates.append(report)
        self.found += report.found
        self.processed += report.processed
        self.saved += report.saved
        self.skipped += report.skipped
        self.failed.extend(report.failed)
        if report.source:
            self.add_source(report.source)

    def add_source(self, name: str) -> None:
        """``source`` lists every source that served a date, e.g. ``archive, nba_api``."""
        names = set(self.source.split(", ")) if self.source else set()
        if name not in names:
            self.source = ", ".join(sorted(names | {name}))

    @property
    def failed_dates(self) -> list[DateReport]:
        return [d for d in self.dates if d.status == "failed"]

    @property
    def skipped_dates(self) -> list[DateReport]:
        return [d for d in self.dates if d.status == "skipped"]

    @property
    def ok(self) -> bool:
        """Every game of every date that a source answers for was rated (dates no source can
        answer for under the chosen ``--source`` are reported, not failures)."""
        return not self.failed and not self.errors and not self.failed_dates

    @property
    def status(self) -> str:
        if self.errors:
            return "failed"
        return "ok" if self.ok else "partial"

    def date_problems(self) -> list[str]:
        """One line per run of consecutive dates skipped or failed for the same reason."""
        lines: list[str] = []
        run: list[DateReport] = []

        def flush() -> None:
            if run:
                days = f"{run[0].day}" if len(run) == 1 else f"{run[0].day} to {run[-1].day} ({len(run)} dates)"
                what = "not rated" if run[0].status == "skipped" else "failed"
                lines.append(f"{days} {what}: {run[0].reason}")
                run.clear()

        for report in self.dates:
            if report.status == "ok":
                flush()
                continue
            if run and (report.status, _reason_kind(report)) != (run[-1].status, _reason_kind(run[-1])):
                flush()
            run.append(report)
        flush()
        return lines

    def run_record(self) -> RecordedRun:
        """What ``pipeline_runs`` records of the backfill: the dates' problems among the errors."""
        return RecordedRun(
            self.target_date,
            self.steps,
            self.source,
            self.found,
            self.processed,
            self.saved,
            self.skipped,
            self.failed,
            self.date_problems() + self.errors,
            self.started_at,
        )

    def problems(self) -> list[str]:
        return self.date_problems() + [f"{g.game_id} ({g.step}): {g.reason}" for g in self.failed] + self.errors

    def to_dict(self) -> dict:
        """JSON-ready: totals, every date with games or a problem (``runs``), every problem."""
        return {
            "summary_version": SUMMARY_VERSION,
            "status": self.status,
            "ok": self.ok,
            "exit_code": 0 if self.ok else 1,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "steps": list(self.steps),
            "source": self.source,
            "dates": {
                "total": len(self.dates),
                "with_games": sum(1 for d in self.dates if d.found),
                "skipped": len(self.skipped_dates),
                "failed": len(self.failed_dates),
            },
            "found": self.found,
            "processed": self.processed,
            "saved": self.saved,
            "skipped": self.skipped,
            "failed": [g.model_dump() for g in self.failed],
            "failed_dates": [{"date": d.day.isoformat(), "reason": d.reason} for d in self.failed_dates],
            "skipped_dates": [{"date": d.day.isoformat(), "reason": d.reason} for d in self.skipped_dates],
            "errors": list(self.errors),
            "runs": [d.to_dict() for d in self.dates if d.eventful],
            "started_at": self.started_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 3),
        }

    def render(self) -> str:
        problems = self.problems()
        shown = problems[:SHOWN_PROBLEMS]
        if len(problems) > SHOWN_PROBLEMS:
            shown.append(f"... and {len(problems) - SHOWN_PROBLEMS} more (all of them in --summary-json)")
        rate = self.processed / self.duration_seconds if self.duration_seconds > 0 else 0.0
        return "\n".join(
            [
                "backfill summary",
                f"  dates       : {self.first or '?'} to {self.last or '?'}: {len(self.dates)} dates, "
                f"{sum(1 for d in self.dates if d.found)} with games, {len(self.skipped_dates)} not rated "
                f"(no source), {len(self.failed_dates)} failed",
                f"  source      : {self.source or '-'}",
                f"  steps       : {' -> '.join(self.steps)}",
                f"  games       : found {self.found}, processed {self.processed}, saved {self.saved}, "
                f"skipped {self.skipped}, failed {len(self.failed)}",
                f"  errors      : {len(problems) or 'none'}",
                *(f"    - {p}" for p in shown),
                f"  duration    : {self.duration_seconds:.2f} s ({rate:,.0f} games/s)",
            ]
        )


@dataclass(frozen=True)
class RecordedRun:
    """A backfill as :class:`~nba_predictions.storage.records.SummaryLike` (one ``pipeline_runs`` row)."""

    target_date: date | None
    steps: Sequence[str]
    source: str | None
    found: int
    processed: int
    saved: int
    skipped: int
    failed: Sequence[SkippedGame]
    errors: Sequence[str]
    started_at: datetime


def _reason_kind(report: DateReport) -> str:
    """A date's reason without the date itself, so consecutive dates of one gap group together."""
    return (report.reason or "").replace(report.day.isoformat(), "{date}")
