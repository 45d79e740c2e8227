"""``nba-predictions step STEP --documents ROOT [--date D] [--run ID]``: one step of one date between
the documents of its run under a documents root (what ``deploy/bin/nba-step`` runs on each of the
four servers; the Prefect step flows do the same through the orchestration's runner).

Collection starts a new run (``ROOT/DATE/runs/RUN/``); a later step goes on with the run the
date's ``latest.json`` names, or the one ``--run`` gives (:mod:`nba_predictions.runs.dated`).  Two
runs of one date therefore never replace each other's documents.  The spec's step-by-step
commands (``--until-step X --output F``, ``--from-step Y --input F``) are unchanged: file names a
user gives are the user's.
"""

from __future__ import annotations

import argparse
import sys

from nba_predictions.cli.parsers import PROG, _date, _logging_flags, _Parser
from nba_predictions.config import SOURCE_CHOICES, Settings
from nba_predictions.documents.models import STEPS


def step_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=f"{PROG} step",
        description="Run one step of one date between the documents of its run under --documents: "
        "collection starts a new run (DOCUMENTS/DATE/runs/RUN/), a later step goes on with the run "
        "DOCUMENTS/DATE/latest.json names (or --run). Two runs of one date never replace each "
        "other's documents. Writes the step's JSON run summary into the run's summaries/ folder.",
    )
    p.add_argument("step", choices=STEPS, help="the step to run")
    p.add_argument("--documents", required=True, metavar="ROOT", help="the documents root: a folder or a URL")
    p.add_argument("--date", type=_date, help="game date YYYY-MM-DD (default: yesterday, US Eastern time)")
    p.add_argument("--run", metavar="ID", help="the run to write into (default: new for collection, else the latest)")
    p.add_argument("--force", action="store_true", help="re-rate games already stored in the database")
    p.add_argument("--source", choices=SOURCE_CHOICES, help="data source (env NBA_SOURCE; default auto)")
    p.add_argument("--database", metavar="URL", help="SQLAlchemy database URL (env DATABASE_URL)")
    p.add_argument("--model", metavar="PATH", help="XGBoost model JSON (env NBA_MODEL_PATH)")
    _logging_flags(p)
    return p


def step(args: argparse.Namespace, settings: Settings) -> int:
    """Run the step; the run's id and where its documents are go to standard error."""
    from nba_predictions.documents.layout import run_folder
    from nba_predictions.runs.dated import run_dated_step
    from nba_predictions.runs.resources import Resources

    day = settings.target_date
    with Resources(settings) as resources:
        summary, run = run_dated_step(resources, args.step, day, args.documents, args.run)
    if summary.error is not None:
        raise summary.error
    if not settings.quiet or not summary.ok:
        print(summary.render(), file=sys.stderr)
    print(f"{args.step} for {day}: run {run}, documents in {run_folder(args.documents, day, run)}", file=sys.stderr)
    return summary.exit_code
