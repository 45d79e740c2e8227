"""What each command does with its parsed flags and resolved settings: the run (one date), train,
backfill and serve; ``show`` is :mod:`.show`, ``--validate`` :mod:`.validate`.  Each returns the
exit code; a failure that stops a command is raised (:mod:`nba_predictions.cli` turns it into
one line and an exit code).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from nba_predictions.cli.exits import EXIT_OK
from nba_predictions.cli.parsers import PROG
from nba_predictions.config import Settings
from nba_predictions.documents.locations import same_location
from nba_predictions.documents.models import STEPS
from nba_predictions.errors import PipelineError, UsageError
from nba_predictions.runs.summary import RunSummary

# The backfill reports per chunk and lists failed games in its summary; these modules' own
# per-game lines only when debugging.
BACKFILL_QUIET_LOGGERS = (
    "nba_predictions.steps",
    "nba_predictions.features.history",
    "nba_predictions.sources",
    "nba_predictions.documents.io",
)


def write_summary(location: str | None, summary: RunSummary) -> None:
    """Write ``summary.to_dict()`` to ``location`` all or nothing (no-op without a location)."""
    if location is None:
        return
    import json

    from nba_predictions.documents.locations import LocationError, write_bytes

    try:
        write_bytes(location, (json.dumps(summary.to_dict(), indent=2) + "\n").encode("utf-8"))
    except LocationError as exc:
        raise PipelineError(
            f"cannot write the run summary to {location}: {exc.reason}; choose a writable --summary-json path"
        ) from None


def check_summary_location(location: str | None) -> None:
    if location is None:
        return
    from nba_predictions.documents.locations import LocationError, check_writable

    try:
        check_writable(location)
    except LocationError as exc:
        raise UsageError(f"--summary-json {location}: {exc.reason}; {exc.hint or 'choose a writable path'}") from None


def check_run_args(args: argparse.Namespace) -> tuple[str, str]:
    """The steps a run (or a backfill) goes through, from its flags; their contradictions refused."""
    if args.from_step and not args.input:
        raise UsageError("--input is required when using --from-step")
    if args.input and not args.from_step:
        raise UsageError(
            "--input is only read with --from-step (e.g. --from-step features --input collected_games.json)"
        )
    if args.until_step and args.until_step != "storage" and not args.output:
        raise UsageError(f"--output is required when using --until-step {args.until_step}")
    start = args.from_step or "collection"
    # As in the spec's examples, `--from-step X --output F` runs X alone and writes its document;
    # without --output a resumed run goes on through storage.
    if args.until_step:
        end = args.until_step
    elif args.from_step and args.output and args.from_step != "storage":
        end = args.from_step
    else:
        end = "storage"
    if STEPS.index(start) > STEPS.index(end):
        raise UsageError(f"--from-step {start} comes after --until-step {end}: nothing to run")
    if args.from_step == "storage" and args.output:
        raise UsageError("--output has nothing to write with --from-step storage (storage writes the database)")
    if args.input and args.output and "-" not in (args.input, args.output) and same_location(args.input, args.output):
        raise UsageError("--input and --output are the same file: write the output elsewhere")
    return start, end


def run(args: argparse.Namespace, settings: Settings) -> int:
    """The default command: steps of one date (or of one input document), or ``--validate``."""
    if args.step and not args.validate:
        raise UsageError("--step is only read with --validate (e.g. --validate --step collection)")
    if args.validate:
        from nba_predictions.cli.validate import validate_command

        return validate_command(settings, args.step)
    start, end = check_run_args(args)
    check_summary_location(args.summary_json)
    from nba_predictions.runs.pipeline import StepRunner
    from nba_predictions.runs.resources import Resources

    with Resources(settings) as resources:
        summary = StepRunner(resources, explicit_date=args.date is not None, notify=True).run(
            start, end, input_path=args.input, output_path=args.output
        )
    write_summary(args.summary_json, summary)
    if summary.error is not None:  # the run stopped: its one error line, not the summary
        raise summary.error
    if not settings.quiet or not summary.ok:
        print(summary.render(), file=sys.stderr)
    return summary.exit_code


def train(args: argparse.Namespace, settings: Settings) -> int:
    from nba_predictions.model.training.train import train_main
    from nba_predictions.sources.archive import ArchiveSource

    report = train_main(
        Path(args.output_dir) if args.output_dir else None,
        seed=args.seed,
        docs_dir=Path(args.docs_dir) if args.docs_dir else None,
        source=ArchiveSource(settings.bundled_archive, settings.archive_dir),  # the bundled and local archives
    )
    print(report.render())
    return EXIT_OK


def backfill(args: argparse.Namespace, settings: Settings) -> int:
    _, end = check_run_args(args)
    if args.from_step and (args.start or args.end):
        raise UsageError("--start and --end come from the input document with --from-step: drop them")
    if not args.from_step and (args.start is None or args.end is None):
        raise UsageError("backfill needs --start and --end (or --from-step with --input)")
    check_summary_location(args.summary_json)
    if settings.log_level != "DEBUG":
        for name in BACKFILL_QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)
    from nba_predictions.runs.backfill import CHUNK_GAMES, backfill, make_progress
    from nba_predictions.runs.resources import Resources

    with Resources(settings) as resources:
        summary = backfill(
            resources,
            args.start,
            args.end,
            end,
            from_step=args.from_step,
            input_path=args.input,
            output_path=args.output,
            progress=make_progress(quiet=settings.quiet, stream=sys.stderr),
            chunk_games=args.chunk_games or CHUNK_GAMES,
        )
    write_summary(args.summary_json, summary)
    if not settings.quiet or not summary.ok:
        print(summary.render(), file=sys.stderr)
    if summary.errors:
        print(f"{PROG}: error: {summary.errors[0]}", file=sys.stderr)
    return summary.exit_code


def serve(args: argparse.Namespace, settings: Settings) -> int:
    from nba_predictions.web.server import serve

    serve(settings, args.host, args.port)
    return EXIT_OK
