"""Create the work pools and register the deployments on a Prefect server.

``python -m nba_predictions.orchestration deploy --documents s3://bucket/nba`` (idempotent: run
it again after an upgrade or to change the schedule).  Prefect's API URL comes from the
environment (``PREFECT_API_URL``), as for every Prefect command.

* work pools ``nba-collection`` (at most one run at a time: the stats API's politeness),
  ``nba-features``, ``nba-prediction``, ``nba-storage`` (one per step, each served by a worker on
  the step's server) and ``nba-pipeline`` (the daily flow and the backfill);
* deployments ``nba-<step>/step`` on each step's pool, ``nba-rate-date/daily`` with the daily
  schedule, ``nba-backfill/backfill`` and ``nba-watch/evening`` (the day's games as each ends,
  from noon US Eastern: :mod:`.watch`);
* the automation that marks a flow run whose process died ``Crashed`` (:mod:`.crashes`): every
  deployment's flow runs send a heartbeat every 30 s, and the daily flow runs a crashed step again.

The flows are found by module path (``nba_predictions.orchestration.flows``): every worker's venv
has the package installed (``pip install --no-deps .``), so nothing is pulled at run time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from nba_predictions.orchestration.crashes import HEARTBEAT_ENV, SILENT_SECONDS, TAG, ensure_crash_automation

logger = logging.getLogger(__name__)

DEFAULT_CRON = "0 6 * * *"  # 06:00: every game of the day before has ended (West-coast games too)
DEFAULT_TIMEZONE = "America/New_York"  # the NBA's game dates are US Eastern
WATCH_CRON = "0 12 * * *"  # noon: the watch of the day's games starts before the first tip-off


@dataclass(frozen=True)
class Pool:
    name: str
    concurrency_limit: int | None
    serves: str


POOLS = (
    Pool("nba-collection", 1, "the collection step (one run at a time: the stats API's politeness)"),
    Pool("nba-features", None, "the features step"),
    Pool("nba-prediction", None, "the prediction step"),
    Pool("nba-storage", None, "the storage step"),
    Pool("nba-pipeline", None, "the daily flow (nba-rate-date) and the backfill (nba-backfill)"),
)
PIPELINE_POOL = "nba-pipeline"
DAILY_DEPLOYMENT = "nba-rate-date/daily"
BACKFILL_DEPLOYMENT = "nba-backfill/backfill"
WATCH_DEPLOYMENT = "nba-watch/evening"


def ensure_pools() -> list[str]:
    """Create the process work pools that are missing; set every pool's concurrency limit."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    done = []
    with get_client(sync_client=True) as client:
        for pool in POOLS:
            try:
                client.read_work_pool(pool.name)
            except ObjectNotFound:
                client.create_work_pool(
                    WorkPoolCreate(
                        name=pool.name,
                        type="process",
                        description=f"nba-predictions: {pool.serves}",
                        base_job_template=ProcessWorker.get_default_base_job_template(),
                        concurrency_limit=pool.concurrency_limit,
                    )
                )
                done.append(f"created work pool {pool.name} (concurrency limit: {pool.concurrency_limit or 'none'})")
                continue
            client.update_work_pool(pool.name, WorkPoolUpdate(concurrency_limit=pool.concurrency_limit))
            done.append(f"work pool {pool.name} exists (concurrency limit set to {pool.concurrency_limit or 'none'})")
    return done


def deploy(
    documents: str,
    cron: str = DEFAULT_CRON,
    timezone: str = DEFAULT_TIMEZONE,
    paused: bool = False,
    crash_after: int = SILENT_SECONDS,
) -> list[str]:
    """Ensure the pools, the crash automation and the deployments; returns one line per thing done."""
    from prefect.schedules import Cron

    from nba_predictions.orchestration.flows import STEP_DEPLOYMENT_NAME, STEP_FLOWS, backfill_range, rate_date
    from nba_predictions.orchestration.watch import watch_evening

    if not documents:
        raise ValueError("--documents is required: a folder every worker reaches, or a URL such as s3://bucket/nba")
    done = ensure_pools()
    for step, step_flow in STEP_FLOWS.items():
        _register(step_flow, f"nba-{step}", name=STEP_DEPLOYMENT_NAME, description=f"the {step} step of one date")
        done.append(f"deployment {_name(step_flow)}/{STEP_DEPLOYMENT_NAME} on work pool nba-{step}")
    _register(
        rate_date,
        PIPELINE_POOL,
        name="daily",
        description="rate yesterday's games (US Eastern): the four steps, each on its own pool",
        schedules=[Cron(cron, timezone=timezone, active=not paused)],
        parameters={"documents": documents},
    )
    done.append(
        f"deployment {DAILY_DEPLOYMENT} on work pool {PIPELINE_POOL}: cron '{cron}' ({timezone})"
        f"{' (paused)' if paused else ''}, documents under {documents}"
    )
    _register(backfill_range, PIPELINE_POOL, name="backfill", description="rate a range of dates (the backfill)")
    done.append(f"deployment {BACKFILL_DEPLOYMENT} on work pool {PIPELINE_POOL}")
    _register(
        watch_evening,
        PIPELINE_POOL,
        name="evening",
        description="rate the day's games as each ends (watch --until-done); the daily run is the catch-all",
        schedules=[Cron(WATCH_CRON, timezone=timezone, active=not paused)],
        parameters={"documents": documents},
    )
    done.append(
        f"deployment {WATCH_DEPLOYMENT} on work pool {PIPELINE_POOL}: cron '{WATCH_CRON}' ({timezone})"
        f"{' (paused)' if paused else ''}"
    )
    done.append(ensure_crash_automation(crash_after))
    return done


def _register(flow: Any, pool: str, **options: Any) -> None:
    """``flow.to_deployment(...).apply(work_pool_name=pool)``, the module path as the entry point.

    Prefect types both methods as "a value or a coroutine" (they are sync-compatible): called from
    synchronous code, as here, they return the value, hence ``Any``.
    """
    from prefect.types.entrypoint import EntrypointType

    deployment = flow.to_deployment(
        entrypoint_type=EntrypointType.MODULE_PATH, tags=[TAG], job_variables={"env": dict(HEARTBEAT_ENV)}, **options
    )
    deployment.apply(work_pool_name=pool)


def _name(flow: Any) -> str:
    return str(flow.name)
