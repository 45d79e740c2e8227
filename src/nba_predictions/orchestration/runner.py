"""One step of one date, as a Prefect worker runs it: settings from the worker's environment.

This module is the orchestration's counterpart of :mod:`nba_predictions.cli`: it resolves the
settings (the worker's environment: ``DATABASE_URL``, ``NBA_SOURCE``, AWS credentials …), runs
the step through :class:`~nba_predictions.runs.pipeline.Pipeline` between the date's documents, and
writes the step's JSON run summary next to them, whatever the outcome.  It does not import
Prefect, so it is tested on its own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date

from nba_predictions.config import ENVIRONMENT, Settings, _number
from nba_predictions.documents import locations
from nba_predictions.documents.models import STEPS
from nba_predictions.errors import PipelineError, UsageError
from nba_predictions.orchestration.layout import step_locations, summary_url
from nba_predictions.runs.pipeline import Pipeline, RunSummary

logger = logging.getLogger(__name__)


def retry_policy(env: Mapping[str, str]) -> tuple[int, list[float]]:
    """How often a step that hit a retryable source error is run again, and the waits between.

    ``NBA_STEP_RETRIES`` (default 3) and ``NBA_STEP_RETRY_DELAY`` (seconds before the first
    retry, default 300; each later wait is three times the one before).
    """

    def var(name: str) -> str:
        return env.get(name, ENVIRONMENT[name][0])

    retries = int(_number("NBA_STEP_RETRIES", var("NBA_STEP_RETRIES"), int))
    first = float(_number("NBA_STEP_RETRY_DELAY", var("NBA_STEP_RETRY_DELAY"), float))
    return retries, [first * 3**i for i in range(retries)]


def settings_for(day: date, source: str | None, force: bool, env: Mapping[str, str] | None = None) -> Settings:
    """The worker's settings for one run (its environment, the run's date, source and force)."""
    return Settings.resolve({"date": day, "source": source, "force": force}, env)


def write_summary(location: str, summary: RunSummary) -> None:
    """Write a JSON run summary (best effort: a summary that cannot be written is logged)."""
    try:
        locations.write_bytes(location, (json.dumps(summary.to_dict(), indent=2) + "\n").encode("utf-8"))
    except locations.LocationError as exc:
        logger.warning("could not write the run summary to %s: %s", location, exc.reason)


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
    source: str | None = None,
    force: bool = False,
    env: Mapping[str, str] | None = None,
) -> dict:
    """Run ``step`` for ``day``, reading and writing the date's documents under ``documents``.

    Returns the step's run summary (``RunSummary.to_dict()``); a step that fails as a whole
    raises its :class:`PipelineError` (a :class:`RetryableSourceError` is what the flow retries).
    Either way the summary is written to ``{documents}/{day}/summaries/{step}.json``.
    """
    if step not in STEPS:
        raise UsageError(f"unknown step {step!r}: use one of {', '.join(STEPS)}")
    if not documents:
        raise UsageError("no documents root: deploy with --documents (a folder path or a URL such as s3://bucket/nba)")
    settings = settings_for(day, source, force, env)
    source_url, target_url = step_locations(documents, day, step)
    logger.info("%s for %s: %s -> %s", step, day, source_url or settings.source, target_url or "the database")
    with Pipeline(settings, explicit_date=True) as pipeline:
        try:
            summary = pipeline.run(step, step, input_path=source_url, output_path=target_url, day=day)
        except PipelineError:
            if pipeline.last_summary is not None:
                write_summary(summary_url(documents, day, step), pipeline.last_summary)
            raise
    write_summary(summary_url(documents, day, step), summary)
    logger.info("%s for %s done:\n%s", step, day, summary.render())
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
    last["status"] = "failed" if last["errors"] else ("partial" if last["failed"] else "ok")
    last["ok"] = last["status"] == "ok"
    last["exit_code"] = 0 if last["ok"] else 1
    return last
