"""A run's row in ``pipeline_runs``: written by every run that stores, whatever its outcome."""

from __future__ import annotations

import logging

from nba_predictions.runs.resources import Resources
from nba_predictions.runs.summary import RunSummary

logger = logging.getLogger(__name__)


def record_run(resources: Resources, summary: RunSummary) -> None:
    """Add the run's row (:meth:`RunSummary.record`) to ``pipeline_runs`` in the run's database;
    a failure to do so is logged, not raised: the run's own outcome matters more than its row."""
    from nba_predictions.steps.storage import record_run as insert_run

    try:
        insert_run(resources.database(), summary.record())
    except Exception as exc:
        # After a failed storage step the error already says what is wrong with the database.
        log = logger.debug if summary.status == "failed" else logger.warning
        log("could not record the run in pipeline_runs: %s", exc)


def record_failure_before_storage(resources: Resources, summary: RunSummary) -> None:
    """A run meant to end in storage failed before it (the API down, a refused document): its
    row, status ``failed``, when the database exists and answers.  A failed run never creates a
    database (a missing SQLite file stays missing)."""
    try:
        if not resources.database_exists():
            logger.debug("run not recorded in pipeline_runs: no database at %s yet", resources.settings.database_url)
            return
    except Exception as exc:  # no storage packages, a bad URL: the run's own error is what to report
        logger.debug("run not recorded in pipeline_runs: %s", exc)
        return
    record_run(resources, summary)
