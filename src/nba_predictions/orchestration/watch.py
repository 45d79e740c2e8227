"""The Prefect flow ``nba-watch``: the evening's games rated as each ends (``watch --until-done``).

Deployed as ``nba-watch/evening`` on the ``nba-pipeline`` pool (its worker's venv has every step's
requirements: the watch runs all four steps in one process), started each day at noon US Eastern
(:data:`~nba_predictions.orchestration.deploy.WATCH_CRON`) for that day's games; it ends after the
last one is rated, Failed naming any game it could not rate (the daily ``nba-rate-date`` run the
next morning stays the catch-all).  Its result: the games rated (teams, rating, seconds from final
status to stored) and those not rated, with why.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Any, Literal

from prefect import flow, get_run_logger
from prefect.client.schemas.objects import State  # at run time: Prefect reads the flow's annotations
from prefect.states import Failed

from nba_predictions.config import EASTERN
from nba_predictions.orchestration import runner
from nba_predictions.orchestration.flows import _forward_our_logs

WatchSource = Literal["auto", "archive", "cdn", "nba_api"]


@flow(name="nba-watch", persist_result=True, result_serializer="json")
def watch_evening(
    day: date | None = None,
    documents: str = "",
    interval: float = 120.0,
    source: WatchSource = "cdn",
    give_up_after: int = 30,
) -> dict[str, Any] | State:
    """Watch ``day`` (default: today, US Eastern) until every game is rated or cannot be."""
    from nba_predictions.runs.watch import WatchOptions, run_watch

    _forward_our_logs()
    day = day or datetime.now(tz=EASTERN).date()
    get_run_logger().info("watching %s's games, polling every %g s", day, interval)
    options = WatchOptions(
        day=day, interval=interval, until_done=True, give_up_after=give_up_after, documents=documents or None
    )
    report = run_watch(runner.settings_for(day, source, False, os.environ), options)
    result = {
        "date": day.isoformat(),
        "polls": report.polls,
        "not_modified": report.not_modified,
        "rated": {
            game_id: {"teams": r.game.teams, "rating": r.game.rating, "seconds_after_final": round(r.after_final, 1)}
            for game_id, r in sorted(report.rated.items())
        },
        "not_rated": dict(sorted(report.not_rated.items())),
    }
    if report.not_rated:
        named = ", ".join(sorted(report.not_rated))
        return Failed(message=f"{len(report.not_rated)} game(s) of {day} not rated: {named}", data=result)
    return result
