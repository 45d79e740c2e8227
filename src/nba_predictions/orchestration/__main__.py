"""``python -m nba_predictions.orchestration deploy --documents URL``: set up Prefect."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from nba_predictions.orchestration.crashes import HEARTBEAT_SECONDS, SILENT_SECONDS
from nba_predictions.orchestration.deploy import DEFAULT_CRON, DEFAULT_TIMEZONE

PROG = "python -m nba_predictions.orchestration"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Set up nba-predictions on a Prefect 3 server (PREFECT_API_URL): work pools and deployments.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser(
        "deploy",
        help="create the work pools and register (or update) the deployments",
        description="Create the five work pools (nba-collection limited to one run at a time) and "
        "register the deployments nba-<step>/step, nba-rate-date/daily and nba-backfill/backfill.",
    )
    d.add_argument(
        "--documents",
        required=True,
        metavar="URL",
        help="where the daily flow keeps each date's documents: a folder every worker reaches "
        "or a URL such as s3://bucket/nba",
    )
    d.add_argument("--cron", default=DEFAULT_CRON, help=f"the daily schedule (default '{DEFAULT_CRON}')")
    d.add_argument(
        "--timezone", default=DEFAULT_TIMEZONE, help=f"the schedule's time zone (default {DEFAULT_TIMEZONE})"
    )
    d.add_argument("--paused", action="store_true", help="register the schedule inactive")
    d.add_argument(
        "--crash-after",
        type=int,
        default=SILENT_SECONDS,
        metavar="SECONDS",
        help="mark a flow run Crashed after this long without a heartbeat (they come every "
        f"{HEARTBEAT_SECONDS} s; default {SILENT_SECONDS})",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        from nba_predictions.orchestration.deploy import deploy

        for line in deploy(
            args.documents,
            cron=args.cron,
            timezone=args.timezone,
            paused=args.paused,
            crash_after=args.crash_after,
        ):
            print(line)
    except ImportError as exc:
        print(
            f"{PROG}: error: Prefect is not installed ({exc.name}): pip install 'nba-predictions[orchestration]' "
            "(or -r requirements-orchestration.txt)",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:
        print(
            f"{PROG}: error: {type(exc).__name__}: {exc} (is PREFECT_API_URL set to your Prefect server, "
            "e.g. http://127.0.0.1:4200/api?)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
