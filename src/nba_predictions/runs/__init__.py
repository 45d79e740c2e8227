"""Runs: a date's steps and a range's, on resources opened once, each returning its summary.

* :class:`~.resources.Resources` - the sources, model and database of a run, made on first use;
  ``with Resources(settings) as resources:`` closes them.
* :class:`~.pipeline.StepRunner` - steps ``start``..``end`` for one date or one input document:
  ``StepRunner(resources).run("collection", "storage", day=day)``.
* :func:`~.backfill.backfill` - a range of dates as one run: ``backfill(resources, first, last)``.
* :class:`~.summary.RunSummary` - what either returns, whatever the outcome: ``status`` (``ok``,
  ``partial``, ``failed``), ``exit_code``, counts, failed games, a range's per-date reports
  (``dates``), and what stopped the run (``errors``, ``error``).

:func:`rate_date` and :func:`backfill_range` do the whole of either with resources of their own.
Nothing is imported here until one of them is called.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.config import Settings
    from nba_predictions.runs.summary import RunSummary

__all__ = ["backfill_range", "rate_date"]


def rate_date(settings: Settings, day: date | None = None) -> RunSummary:
    """Collect, rate and store the games of ``day`` (default: the settings' date); its summary."""
    from nba_predictions.runs.pipeline import StepRunner
    from nba_predictions.runs.resources import Resources

    with Resources(settings) as resources:
        return StepRunner(resources).run("collection", "storage", day=day)


def backfill_range(settings: Settings, first: date, last: date) -> RunSummary:
    """Rate and store every date from ``first`` to ``last`` as one run; its summary.  Raises
    :class:`~nba_predictions.errors.UsageError` for an empty range."""
    from nba_predictions.runs.backfill import backfill
    from nba_predictions.runs.resources import Resources

    with Resources(settings) as resources:
        return backfill(resources, first, last)
