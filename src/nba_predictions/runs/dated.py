"""One step of one date between the date's run documents under a documents root.

The cron/systemd layout (``nba-predictions step STEP --documents ROOT``, which ``deploy/bin/nba-step``
runs) and the Prefect step flows both come here, so they share one layout
(:mod:`nba_predictions.documents.layout`): every run of a date writes to a folder of its own
(``{root}/{day}/runs/{run}/``) and ``{root}/{day}/latest.json`` names the run that last finished a
step.  Which run a step belongs to:

* ``run`` given (the Prefect daily flow passes its run to each step; ``--run`` on the command
  line): that one;
* otherwise collection starts a new run, and a later step goes on with the run ``latest.json``
  names (a date with no pointer yet is a one-line error naming the collection command).

A step run again within one run (a retry, or by hand with ``--run``) replaces that run's own
document, and says so in a warning line; it never touches another run's.
"""

from __future__ import annotations

import json
import logging
from datetime import date

from nba_predictions.documents import layout, locations
from nba_predictions.errors import ArtifactError
from nba_predictions.runs.pipeline import StepRunner
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.summary import RunSummary

logger = logging.getLogger(__name__)


def resolve_run(root: str, day: date, step: str, run: str | None) -> str:
    """The run ``step`` of ``day`` belongs to (see the module doc)."""
    if run is not None:
        return layout.check_run_id(run)
    if step == "collection":
        return layout.new_run_id()
    latest = layout.read_latest(root, day)
    if latest is None:
        raise ArtifactError(
            f"no run of {day} under {root} to go on from ({layout.pointer_url(root, day)} does not exist): "
            f"run the collection step first (nba-predictions step collection --date {day} --documents {root})"
        )
    return str(latest["run"])


def write_summary(location: str, summary: RunSummary) -> None:
    """Write a JSON run summary (best effort: a summary that cannot be written is logged)."""
    try:
        locations.write_bytes(location, (json.dumps(summary.to_dict(), indent=2) + "\n").encode("utf-8"))
    except locations.LocationError as exc:
        logger.warning("could not write the run summary to %s: %s", location, exc.reason)


def run_dated_step(
    resources: Resources, step: str, day: date, root: str, run: str | None = None
) -> tuple[RunSummary, str]:
    """Run ``step`` for ``day`` in its run under ``root``; returns the summary and the run id.

    The summary is written to the run's ``summaries/{step}.json`` whatever the outcome; the
    date's pointer moves to the run once the step has finished (its document written, or for
    storage the database), so it never names a document that is not there.
    """
    run = resolve_run(root, day, step, run)
    source, target = layout.step_locations(root, day, run, step)
    logger.info("%s for %s, run %s: %s -> %s", step, day, run, source or "the source", target or "the database")
    if target is not None and locations.exists(target):
        logger.warning("%s of run %s is run again: replacing its %s", step, run, target)
    # storage posts what it newly stored to the webhook (runs/notify.py), as the date run does: the
    # cron layout's and the Prefect deployment's daily storage are that run's last step.
    runner = StepRunner(resources, explicit_date=True, notify=step == "storage")
    summary = runner.run(step, step, input_path=source, output_path=target, day=day)
    write_summary(layout.summary_url(root, day, run, step), summary)
    if summary.error is None:
        layout.write_latest(root, day, run, step)
    return summary, run
