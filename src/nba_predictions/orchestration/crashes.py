"""Flow runs whose process died (a lost machine, a killed worker and its flow-run process).

Such a run stays ``Running`` on the server for ever: nothing is left to report its end.  Prefect's
answer, used as documented ("detect zombie flows"): every flow run of our deployments sends a
heartbeat event every :data:`HEARTBEAT_SECONDS` (the deployments set
``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` for their flow-run processes), and the automation
:data:`AUTOMATION_NAME` marks a run of ours ``Crashed`` once :data:`SILENT_SECONDS` have passed
after a heartbeat with no further heartbeat and no end state.  ``nba-rate-date`` then runs the
crashed step again in the same run (:func:`nba_predictions.orchestration.flows.rate_date`).
"""

from __future__ import annotations

from datetime import timedelta

HEARTBEAT_SECONDS = 30  # Prefect's minimum
SILENT_SECONDS = 90  # three missed heartbeats: a busy machine's late heartbeat never crashes a live run
AUTOMATION_NAME = "nba-predictions: crash flow runs that stopped sending heartbeats"
TAG = "nba-predictions"  # every deployment's tag, so the automation leaves other projects' runs alone
HEARTBEAT_ENV = {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS)}


def ensure_crash_automation(silent_seconds: int = SILENT_SECONDS) -> str:
    """Create the automation, or update it to this definition; returns the line to print."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    automation = AutomationCore(
        name=AUTOMATION_NAME,
        description=f"a flow run tagged {TAG} that sent no heartbeat and no end state for "
        f"{silent_seconds} s after a heartbeat is marked Crashed (its process is gone)",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            },
            match={"prefect.resource.id": ["prefect.flow-run.*"]},
            match_related={"prefect.resource.id": f"prefect.tag.{TAG}"},
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=silent_seconds),
        ),
        actions=[
            ChangeFlowRunState(
                name="Crashed",
                force=False,  # a run that ended meanwhile keeps its end state
                state=StateType.CRASHED,
                message=f"no heartbeat for {silent_seconds} s: the flow run's process is gone "
                "(its machine or worker was lost)",
            )
        ],
    )
    with get_client(sync_client=True) as client:
        existing = client.read_automations_by_name(AUTOMATION_NAME)
        if existing:
            client.update_automation(existing[0].id, automation)
            verb = "updated"
        else:
            client.create_automation(automation)
            verb = "created"
    return f"{verb} automation '{AUTOMATION_NAME}' (Crashed after {silent_seconds} s without a heartbeat)"
