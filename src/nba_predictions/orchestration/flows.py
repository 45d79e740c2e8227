"""The Prefect flows.

* ``nba-collection``, ``nba-features``, ``nba-prediction``, ``nba-storage``: one step of one date,
  each deployed on its own work pool so that it runs on the server (and in the venv) that has its
  step's requirements.  The step runs in a task that Prefect retries only on
  :class:`~nba_predictions.errors.RetryableSourceError` (timeouts, 429, 5xx).
* ``nba-rate-date``: the daily job.  It runs the step deployments one after the other for a date
  (default: yesterday, US Eastern) in a run of its own (``{documents}/{day}/runs/{run}/``, so two
  runs of one date never replace each other's documents; the date's ``latest.json`` names the
  last to finish a step), and returns the run summary as its result; with ``from_step`` it resumes
  from the stored document of the step before, in the run given as ``run`` or else the latest.
* ``nba-backfill``: a range of dates through the existing backfill (one process, all steps).
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, cast

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.client.schemas.objects import State  # at run time: Prefect reads the flows' annotations
from prefect.deployments import run_deployment
from prefect.states import Failed

from nba_predictions.config import yesterday_eastern
from nba_predictions.documents.layout import document_url, new_run_id, summary_url
from nba_predictions.documents.models import STEPS
from nba_predictions.errors import PipelineError, RetryableSourceError, UsageError
from nba_predictions.orchestration import runner
from nba_predictions.runs.dated import resolve_run

if TYPE_CHECKING:  # pragma: no cover
    from prefect.client.schemas.objects import FlowRun

StepName = Literal["collection", "features", "prediction", "storage"]
SourceName = Literal["auto", "archive", "nba_api"]

# flow name -> the deployment the daily flow starts for each step ("flow/deployment").
STEP_FLOW_NAMES = {step: f"nba-{step}" for step in STEPS}
STEP_DEPLOYMENT_NAME = "step"
STEP_DEPLOYMENTS = {step: f"{name}/{STEP_DEPLOYMENT_NAME}" for step, name in STEP_FLOW_NAMES.items()}
CRASH_RERUNS = 2  # times the daily flow runs a step again whose flow run Crashed (its process died)


def _retryable(task: object, task_run: object, state: State) -> bool:
    """Retry a step only when it failed on a retryable source error."""
    try:
        state.result()
    except RetryableSourceError:
        return True
    except BaseException:
        return False
    return False


@task(name="run-step", cache_policy=NONE, persist_result=False)
def _step_task(step: str, day: date, documents: str, run: str | None, source: str | None, force: bool) -> dict:
    return runner.run_step(step, day, documents, run=run, source=source, force=force)


def _forward_our_logs() -> None:
    """Send our modules' log lines (INFO and up) to the flow run's logs as well."""
    from prefect.logging.handlers import APILogHandler

    ours = logging.getLogger("nba_predictions")
    if not any(isinstance(handler, APILogHandler) for handler in ours.handlers):
        ours.addHandler(APILogHandler())
    if ours.getEffectiveLevel() > logging.INFO:
        ours.setLevel(logging.INFO)


def _run_step(step: str, day: date, documents: str, run: str | None, source: str | None, force: bool) -> dict:
    _forward_our_logs()
    get_run_logger().info("%s for %s runs in %s (worker's Python %s)", step, day, sys.prefix, sys.version.split()[0])
    retries, delays = runner.retry_policy(os.environ)
    configured = _step_task.with_options(
        name=f"{step}-{day.isoformat()}",
        retries=retries,
        retry_delay_seconds=delays or 0,
        retry_condition_fn=_retryable,
    )
    return configured(step, day, documents, run, source, force)


@flow(name=STEP_FLOW_NAMES["collection"], persist_result=False, validate_parameters=True)
def collection_step(day: date, documents: str, source: SourceName | None = None, run: str | None = None) -> dict:
    """Collect ``day``'s completed games into ``{documents}/{day}/runs/{run}/collected_games.json``
    (``run``: the daily flow's; by default a new run)."""
    return _run_step("collection", day, documents, run, source, False)


@flow(name=STEP_FLOW_NAMES["features"], persist_result=False)
def features_step(day: date, documents: str, source: SourceName | None = None, run: str | None = None) -> dict:
    """Features from the run's ``collected_games.json`` into its ``engineered_features.json``
    (``run``: the daily flow's; by default the date's latest)."""
    return _run_step("features", day, documents, run, source, False)


@flow(name=STEP_FLOW_NAMES["prediction"], persist_result=False)
def prediction_step(day: date, documents: str, run: str | None = None) -> dict:
    """Ratings from the run's ``engineered_features.json`` into its ``predictions.json``."""
    return _run_step("prediction", day, documents, run, None, False)


@flow(name=STEP_FLOW_NAMES["storage"], persist_result=False)
def storage_step(day: date, documents: str, force: bool = False, run: str | None = None) -> dict:
    """Store the run's ``predictions.json`` ratings in the worker's database (``DATABASE_URL``)."""
    return _run_step("storage", day, documents, run, None, force)


STEP_FLOWS = {
    "collection": collection_step,
    "features": features_step,
    "prediction": prediction_step,
    "storage": storage_step,
}


def _step_parameters(step: str, day: date, documents: str, run: str, source: str | None, force: bool) -> dict:
    parameters: dict = {"day": day.isoformat(), "documents": documents, "run": run}
    if step in ("collection", "features") and source is not None:
        parameters["source"] = source
    if step == "storage":
        parameters["force"] = force
    return parameters


@flow(name="nba-rate-date", persist_result=True, result_serializer="json")
def rate_date(
    day: date | None = None,
    documents: str = "",
    from_step: StepName = "collection",
    source: SourceName | None = None,
    force: bool = False,
    run: str | None = None,
) -> dict[str, Any] | State:
    """Rate one date (default: yesterday, US Eastern) by running the four step deployments.

    Each step runs on its own work pool (its own server and venv); documents go to the run's
    folder ``{documents}/{day}/runs/{run}/``: a new run from collection, else ``run`` (default:
    the date's latest).  Returns the run summary; a run whose games or steps failed ends Failed
    with the summary as its data and the command that resumes it in its message.
    """
    logger = get_run_logger()
    day = day or yesterday_eastern()
    if not documents:
        raise UsageError(
            "no documents root: redeploy with --documents (a folder path or a URL such as s3://bucket/nba)"
        )
    steps = list(STEPS[STEPS.index(from_step) :])
    # One run id for all the steps, fixed here: a run of the same date started meanwhile elsewhere
    # moves the date's pointer, not this run's documents.
    run = new_run_id() if from_step == "collection" else resolve_run(documents, day, from_step, run)
    logger.info("rating %s as run %s under %s", day, run, documents)
    summaries: list[dict] = []
    for step in steps:
        logger.info("%s for %s on work pool nba-%s", step, day, step)
        child = _run_step_deployment(step, day, documents, run, source, force)
        state = child.state
        written = runner.read_summary(summary_url(documents, day, run, step))
        if state is None or not state.is_completed():
            reason = (state.message if state is not None else None) or "the step's flow run did not complete"
            if written is not None and written["steps"] == [step]:
                summaries.append(written)
            resume = _resume_hint(step, day, documents, run)
            message = f"{step} for {day} failed in flow run {child.name}: {reason}; {resume}"
            logger.error(message)
            summary = runner.with_error(runner.combine(summaries), message) if summaries else None
            return Failed(message=message, data=summary)
        if written is None:
            raise PipelineError(
                f"{step} for {day} completed but left no run summary at "
                f"{summary_url(documents, day, run, step)}: check that every worker reaches {documents}"
            )
        summaries.append(written)
    summary = runner.combine(summaries)
    logger.info(
        "run summary for %s: status %s, found %d, saved %d, skipped %d, failed %d",
        day,
        summary["status"],
        summary["found"],
        summary["saved"],
        summary["skipped"],
        len(summary["failed"]),
    )
    if not summary["ok"]:
        return Failed(message=f"{len(summary['failed'])} game(s) of {day} failed: see the run summary", data=summary)
    return summary


def _run_step_deployment(step: str, day: date, documents: str, run: str, source: str | None, force: bool) -> FlowRun:
    """Run the step's deployment and wait for its end; a step whose flow run Crashed (its process
    died: the crash automation of :mod:`.crashes` marks it) is run again in the same run, at most
    :data:`CRASH_RERUNS` times.  A step run again replaces its run's own document; storage stores
    only the games not stored yet, so nothing is stored twice."""
    reruns = 0
    while True:
        child = cast(
            "FlowRun",
            run_deployment(
                name=STEP_DEPLOYMENTS[step],
                parameters=_step_parameters(step, day, documents, run, source, force),
                timeout=None,
                as_subflow=True,
            ),
        )
        if child.state is None or not child.state.is_crashed() or reruns == CRASH_RERUNS:
            return child
        reruns += 1
        get_run_logger().warning(
            "%s for %s crashed in flow run %s (%s): running it again in run %s (%d of %d)",
            step,
            day,
            child.name,
            child.state.message,
            run,
            reruns,
            CRASH_RERUNS,
        )


def _resume_hint(step: str, day: date, documents: str, run: str) -> str:
    if step == "collection":
        return "run the deployment again once the cause is fixed"
    previous = STEPS[STEPS.index(step) - 1]
    return (
        f"once fixed, resume from {document_url(documents, day, run, previous)} with: prefect deployment run "
        f"'nba-rate-date/daily' --param day={day.isoformat()} --param from_step={step} --param run={run}"
    )


@task(name="backfill", cache_policy=NONE, persist_result=False)
def _backfill_task(start: date, end: date, source: str | None, force: bool) -> dict:
    from nba_predictions.runs.backfill import backfill
    from nba_predictions.runs.resources import Resources

    settings = runner.settings_for(start, source, force, os.environ)
    with Resources(settings) as resources:
        return backfill(resources, start, end).to_dict()


@flow(name="nba-backfill", persist_result=True, result_serializer="json")
def backfill_range(
    start: date, end: date, source: SourceName | None = None, force: bool = False
) -> dict[str, Any] | State:
    """Rate every date from ``start`` to ``end`` with the existing backfill (one process, all
    four steps, the range as one run); the backfill summary is the result."""
    _forward_our_logs()
    retries, delays = runner.retry_policy(os.environ)
    summary = _backfill_task.with_options(
        retries=retries, retry_delay_seconds=delays or 0, retry_condition_fn=_retryable
    )(start, end, source, force)
    if not summary["ok"]:
        return Failed(
            message=f"backfill {start} to {end}: {len(summary['failed_dates'])} date(s) and "
            f"{len(summary['failed'])} game(s) failed, or it stopped: see the backfill summary",
            data=summary,
        )
    return summary
