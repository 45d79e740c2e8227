"""One step of one date, as a Prefect worker runs it: settings from the worker's environment.

This module is the orchestration's counterpart of :mod:`nba_predictions.cli`: it resolves the
settings (the worker's environment: ``DATABASE_URL``, ``NBA_SOURCE``, AWS credentials …), runs
the step between the documents of its run of the date
(:func:`~nba_predictions.runs.dated.run_dated_step`: ``{documents}/{day}/runs/{run}/``, the
date's ``latest.json`` pointing at the run once the step is done), and writes the step's JSON run
summary next to them, whatever the outcome.  It does not import Prefect, so it is tested on its own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date

from nba_predictions.config import ENVIRONMENT, Settings, parse_number
from nba_predictions.documents import locations
from nba_predictions.documents.models import STEPS
from nba_predictions.errors import UsageError
from nba_predictions.runs import dated
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.summary import EXIT_CODES, RunSummary, run_status

logger = logging.getLogger(__name__)


def retry_policy(env: Mapping[str, str]) -> tuple[int, list[float]]:
    """How often a step that hit a retryable source error is run again, and the waits between.

    ``NBA_STEP_RETRIES`` (default 3) and ``NBA_STEP_RETRY_DELAY`` (seconds before the first
    retry, default 300; each later wait is three times the one before).
    """

    retries = int(_non_negative(env, "NBA_STEP_RETRIES", int))
    first = _non_negative(env, "NBA_STEP_RETRY_DELAY", float)
    return retries, [first * 3**i for i in range(retries)]


def _non_negative(env: Mapping[str, str], name: str, kind: type[int] | type[float]) -> float:
    """The variable ``name`` of ``env`` (default: :data:`~nba_predictions.config.ENVIRONMENT`'s) as a
    number of 0 or more; anything else is a usage error naming it."""
    return parse_number(name, env.get(name, ENVIRONMENT[name][0]), kind)


def settings_for(day: date, source: str | None, force: bool, env: Mapping[str, str] | None = None) -> Settings:
    """The worker's settings for one run (its environment, the run's date, source and force)."""
    return Settings.resolve({"date": day, "source": source, "force": force}, env)


def write_summary(location: str, summary: RunSummary) -> None:
    """Write a JSON run summary (best effort: a summary that cannot be written is logged)."""
    dated.write_summary(location, summary)


def read_summary(location: str) -> dict | None:
    """A JSON run summary written by :func:`write_summary`, or None when there is none."""
    try:
        return json.loads(locations.read_bytes(location))
    except locations.LocationError as exc:
        if not exc.missing:
            logger.warning("could not read the run summary %s: %s", location, exc.reason)
        return None


def run_step(
    step: str,
    day: date,
    documents: str,
    *,
    run: str | None = None,
    source: str | None = None,
    force: bool = False,
    env: Mapping[str, str] | None = None,
) -> dict:
    """Run ``step`` for ``day`` in run ``run`` (default: a new run for collection, the date's
    latest for a later step), between its documents under ``documents``.

    Returns the step's run summary (``RunSummary.to_dict()``); a step that fails as a whole
    raises its :class:`PipelineError` (a :class:`RetryableSourceError` is what the flow retries).
    Either way the summary is written to ``{documents}/{day}/runs/{run}/summaries/{step}.json``.
    """
    if step not in STEPS:
        raise UsageError(f"unknown step {step!r}: use one of {', '.join(STEPS)}")
    if not documents:
        raise UsageError("no documents root: deploy with --documents (a folder path or a URL such as s3://bucket/nba)")
    settings = settings_for(day, source, force, env)
    with Resources(settings) as resources:
        summary, run = dated.run_dated_step(resources, step, day, documents, run)
    if summary.error is not None:
        raise summary.error
    logger.info("%s for %s (run %s) done:\n%s", step, day, run, summary.render())
    return summary.to_dict()


def combine(step_summaries: list[dict]) -> dict:
    """The whole run's summary from its steps' summaries (the last one carries the counts forward)."""
    if not step_summaries:
        raise ValueError("no step ran")
    last = dict(step_summaries[-1])
    last["steps"] = [s for summary in step_summaries for s in summary["steps"]]
    last["duration_seconds"] = round(sum(s["duration_seconds"] for s in step_summaries), 3)
    last["started_at"] = step_summaries[0]["started_at"]
    errors = [e for summary in step_summaries for e in summary["errors"]]
    last["errors"] = list(dict.fromkeys(errors))
    return _with_status(last)


def with_error(summary: dict, message: str) -> dict:
    """``summary`` (a :meth:`RunSummary.to_dict`) with ``message`` among its errors: a failed run."""
    if message not in summary["errors"]:
        summary["errors"].append(message)
    return _with_status(summary)


def _with_status(summary: dict) -> dict:
    """``status``, ``ok`` and ``exit_code`` of a summary's dict, by :func:`run_status`."""
    status = run_status(stopped=bool(summary["errors"]), failures=bool(summary["failed"]))
    summary.update(status=status, ok=status == "ok", exit_code=EXIT_CODES[status])
    return summary
