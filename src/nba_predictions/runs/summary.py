"""What a run did: one summary for a date and for a range, its status, and its ``pipeline_runs`` row.

* :func:`run_status` is the one ok / partial / failed rule (and :data:`EXIT_CODES` its exit
  code); the summary, the backfill and the orchestration's combined summaries all use it.
  Games the source knows it can never rate (``SkippedGame.rateable`` False: the archive's play-in
  games without play-by-play, a play-by-play it recorded truncated or inconsistent) are reported
  as *not rateable*, with the reason, like dates no source covers: they fail no run.  A game that
  could have been rated and was not still does.
* :class:`RunSummary` is a date's run or, with per-date reports in ``dates``, a range's (a
  backfill).  It is printed at the end (:meth:`RunSummary.render`), written by ``--summary-json``
  and by the orchestration (:meth:`RunSummary.to_dict`) and recorded in ``pipeline_runs``
  (:meth:`RunSummary.record`).  A run returns its summary whatever the outcome; what stopped it
  is in ``errors`` (its text) and ``error`` (the exception, for the command line's one line and
  exit code).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Literal

from nba_predictions.documents.models import SkippedGame
from nba_predictions.storage.records import RunRecord

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.errors import PipelineError

SUMMARY_VERSION = "1.1"  # the JSON run summary's shape (RunSummary.to_dict), a date's and a range's
# 1.1: ``not_rateable`` (games the source can never rate, with reasons); ``failed`` lists only the others.
SHOWN_PROBLEMS = 20  # a range's problems listed by render(); to_dict() lists them all

Status = Literal["ok", "partial", "failed"]
EXIT_CODES: dict[Status, int] = {"ok": 0, "partial": 1, "failed": 1}
"""A run's exit code by status: 0 only when every game (and every date) was done."""


def run_status(*, stopped: bool, failures: bool) -> Status:
    """``failed`` when something stopped the run, ``partial`` when games (or dates) failed, else ``ok``."""
    if stopped:
        return "failed"
    return "partial" if failures else "ok"


def game_problem(game: SkippedGame) -> str:
    """A failed (or not rateable) game as one line of a summary or a ``pipeline_runs`` row."""
    return f"{game.game_id} ({game.step}{'' if game.rateable else ', not rateable'}): {game.reason}"


def failures(games: list[SkippedGame]) -> list[SkippedGame]:
    """The games that could have been rated and were not: these fail a run."""
    return [g for g in games if g.rateable]


def not_rateable(games: list[SkippedGame]) -> list[SkippedGame]:
    """The games their source knows it can never rate: reported, never a failure."""
    return [g for g in games if not g.rateable]


def _games_dict(games: list[SkippedGame]) -> dict:
    return {
        "failed": [g.model_dump() for g in failures(games)],
        "not_rateable": [g.model_dump() for g in not_rateable(games)],
    }


@dataclass
class DateReport:
    """One date of a range.  ``status``: ``ok``; ``skipped`` (no source answers for it under the
    chosen ``--source``: ``reason`` says why); ``failed`` (its source failed: ``reason``)."""

    day: date
    source: str | None = None
    found: int = 0
    processed: int = 0
    saved: int = 0
    skipped: int = 0  # already stored and rated, left alone (no --force)
    failed: list[SkippedGame] = field(default_factory=list)  # every game not processed (see rateable)
    status: Literal["ok", "skipped", "failed"] = "ok"
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
            **_games_dict(self.failed),
        }


@dataclass
class RunSummary:
    """What a run did.  A date's run has a ``target_date`` (and, for a range document read by a
    one-date run, its ``span``); a range's has ``span`` = (first, last) and its per-date reports in
    ``dates`` (None for a date's run), the game counts being the dates' totals."""

    steps: list[str]
    target_date: date | None = None
    span: tuple[date | None, date | None] | None = None
    dates: list[DateReport] | None = None
    source: str | None = None
    found: int = 0
    processed: int = 0
    saved: int = 0
    skipped: int = 0  # already stored and not re-rated (no --force)
    # Every game a step did not process (a document's skipped_games): the failures and, with
    # rateable False, the games the source can never rate (see failures / not_rateable).
    failed: list[SkippedGame] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # what stopped the run, if anything
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    duration_seconds: float = 0.0
    notification: str | None = None  # the webhook's outcome (runs/notify.py), None when nothing was posted
    error: PipelineError | None = field(default=None, repr=False, compare=False)

    @classmethod
    def for_range(cls, first: date | None, last: date | None, steps: list[str]) -> RunSummary:
        """An empty range summary (a backfill fills in its dates as it goes)."""
        return cls(steps=steps, span=(first, last), dates=[])

    # -- outcome -----------------------------------------------------------------------------------

    def stop(self, exc: PipelineError) -> None:
        """``exc`` stopped the run: its text among the errors (once), the exception kept."""
        if str(exc) not in self.errors:
            self.errors.append(str(exc))
        self.error = exc

    @property
    def failed_dates(self) -> list[DateReport]:
        return [d for d in self.dates or () if d.status == "failed"]

    @property
    def skipped_dates(self) -> list[DateReport]:
        return [d for d in self.dates or () if d.status == "skipped"]

    @property
    def failures(self) -> list[SkippedGame]:
        """The games that could have been rated and were not: they make the run ``partial``."""
        return failures(self.failed)

    @property
    def not_rateable(self) -> list[SkippedGame]:
        """The games the source knows it can never rate: reported, not failures."""
        return not_rateable(self.failed)

    @property
    def status(self) -> Status:
        """Dates no source can answer for under the chosen ``--source``, and games the source can
        never rate, are reported, not failures."""
        return run_status(stopped=bool(self.errors), failures=bool(self.failures or self.failed_dates))

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    # -- a range -----------------------------------------------------------------------------------

    def add(self, report: DateReport) -> None:
        """A range's date: its report kept, its counts added to the totals."""
        assert self.dates is not None, "add() is for a range's summary"
        self.dates.append(report)
        self.found += report.found
        self.processed += report.processed
        self.saved += report.saved
        self.skipped += report.skipped
        self.failed.extend(report.failed)
        if report.source:
            names = set(self.source.split(", ")) if self.source else set()
            self.source = ", ".join(sorted(names | {report.source}))  # e.g. "archive, nba_api"

    def as_range(self) -> RunSummary:
        """A date run of a range document as a range's summary (no per-date reports)."""
        first, last = self.span or (self.target_date, self.target_date)
        return replace(self, target_date=None, span=(first, last), dates=[])

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

        for report in self.dates or ():
            if report.status == "ok":
                flush()
                continue
            if run and (report.status, _reason_kind(report)) != (run[-1].status, _reason_kind(run[-1])):
                flush()
            run.append(report)
        flush()
        return lines

    # -- what is written and recorded ---------------------------------------------------------------

    def record(self, finished_at: datetime | None = None) -> RunRecord:
        """The run's ``pipeline_runs`` row: the failed games, the dates' problems, then the errors."""
        return RunRecord(
            target_date=self.target_date,
            steps=tuple(self.steps),
            source=self.source,
            found=self.found,
            processed=self.processed,
            saved=self.saved,
            skipped=self.skipped,
            failed=len(self.failures),
            status=self.status,
            errors=(
                *map(game_problem, self.failures),
                *map(game_problem, self.not_rateable),
                *self.date_problems(),
                *self.errors,
            ),
            started_at=self.started_at,
            finished_at=finished_at or datetime.now(timezone.utc),
        )

    def to_dict(self) -> dict:
        """The summary as JSON-ready values (``--summary-json``, the orchestrator's flow result)."""
        return _date_dict(self) if self.dates is None else _range_dict(self, self.dates)

    def render(self) -> str:
        """The summary printed at the end of a run (standard error)."""
        return _render_date(self) if self.dates is None else _render_range(self, self.dates)


# -- the summary's JSON and text ----------------------------------------------------------------


def _head(s: RunSummary) -> dict:
    return {"summary_version": SUMMARY_VERSION, "status": s.status, "ok": s.ok, "exit_code": s.exit_code}


def _counts(s: RunSummary) -> dict:
    return {
        "found": s.found,
        "processed": s.processed,
        "saved": s.saved,
        "skipped": s.skipped,
        **_games_dict(s.failed),
    }


def _tail(s: RunSummary) -> dict:
    return {"started_at": s.started_at.isoformat(), "duration_seconds": round(s.duration_seconds, 3)}


def _date_dict(s: RunSummary) -> dict:
    span = {"first_date": _iso(s.span[0]), "last_date": _iso(s.span[1])} if s.span else {}
    return {
        **_head(s),
        "target_date": _iso(s.target_date),
        **span,
        "source": s.source,
        "steps": list(s.steps),
        **_counts(s),
        "errors": list(s.errors),
        **({"notification": s.notification} if s.notification is not None else {}),
        **_tail(s),
    }


def _range_dict(s: RunSummary, dates: list[DateReport]) -> dict:
    """Totals, every date with games or a problem (``runs``), every problem."""
    first, last = s.span or (None, None)
    return {
        **_head(s),
        "first": _iso(first),
        "last": _iso(last),
        "steps": list(s.steps),
        "source": s.source,
        "dates": {
            "total": len(dates),
            "with_games": sum(1 for d in dates if d.found),
            "skipped": len(s.skipped_dates),
            "failed": len(s.failed_dates),
        },
        **_counts(s),
        "failed_dates": [{"date": d.day.isoformat(), "reason": d.reason} for d in s.failed_dates],
        "skipped_dates": [{"date": d.day.isoformat(), "reason": d.reason} for d in s.skipped_dates],
        "errors": list(s.errors),
        "runs": [d.to_dict() for d in dates if d.eventful],
        **_tail(s),
    }


def _games_line(s: RunSummary) -> str:
    return (
        f"  games       : found {s.found}, processed {s.processed}, saved {s.saved}, "
        f"skipped {s.skipped}, failed {len(s.failures)}, not rateable {len(s.not_rateable)}"
    )


def _not_rateable_lines(s: RunSummary) -> list[str]:
    """The games the source can never rate, with their reasons (not errors: they fail no run)."""
    games = s.not_rateable
    if not games:
        return []
    shown = [f"    - {game_problem(g)}" for g in games[:SHOWN_PROBLEMS]]
    if len(games) > SHOWN_PROBLEMS:
        shown.append(f"    ... and {len(games) - SHOWN_PROBLEMS} more (all of them in --summary-json)")
    return [f"  not rateable: {len(games)} (the source can never rate them; not a failure)", *shown]


def _render_date(s: RunSummary) -> str:
    problems = [*map(game_problem, s.failures), *s.errors]
    return "\n".join(
        [
            "run summary",
            f"  target date : {s.target_date or 'unknown'}",
            f"  source      : {s.source or '-'}",
            f"  steps       : {' -> '.join(s.steps)}",
            _games_line(s),
            *_not_rateable_lines(s),
            f"  errors      : {len(problems) or 'none'}",
            *(f"    - {p}" for p in problems),
            *([f"  notification: {s.notification}"] if s.notification is not None else []),
            f"  duration    : {s.duration_seconds:.2f} s",
        ]
    )


def _render_range(s: RunSummary, dates: list[DateReport]) -> str:
    """The first :data:`SHOWN_PROBLEMS` problems (the dates', the games', what stopped the run)."""
    problems = [*s.date_problems(), *map(game_problem, s.failures), *s.errors]
    shown = problems[:SHOWN_PROBLEMS]
    if len(problems) > SHOWN_PROBLEMS:
        shown.append(f"... and {len(problems) - SHOWN_PROBLEMS} more (all of them in --summary-json)")
    rate = s.processed / s.duration_seconds if s.duration_seconds > 0 else 0.0
    first, last = s.span or (None, None)
    return "\n".join(
        [
            "backfill summary",
            f"  dates       : {first or '?'} to {last or '?'}: {len(dates)} dates, "
            f"{sum(1 for d in dates if d.found)} with games, {len(s.skipped_dates)} not rated "
            f"(no source), {len(s.failed_dates)} failed",
            f"  source      : {s.source or '-'}",
            f"  steps       : {' -> '.join(s.steps)}",
            _games_line(s),
            *_not_rateable_lines(s),
            f"  errors      : {len(problems) or 'none'}",
            *(f"    - {p}" for p in shown),
            f"  duration    : {s.duration_seconds:.2f} s ({rate:,.0f} games/s)",
        ]
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _reason_kind(report: DateReport) -> str:
    """A date's reason without the date itself, so consecutive dates of one gap group together."""
    return (report.reason or "").replace(report.day.isoformat(), "{date}")
