"""Command line: argument parsing, settings, logging, exit codes.  Nothing else.

Exit codes: 0 every game done; 1 a run failed or any game failed; 2 usage error; 141 standard
output was closed by its reader (``show --json | head -3``: a quiet exit, as a process ended by
SIGPIPE).  This is the only module that turns exceptions into exit codes and user-facing text.
"""

from __future__ import annotations

import argparse
import calendar
import logging
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from nba_predictions import __version__
from nba_predictions.config import LOG_LEVELS, SOURCE_CHOICES, Settings
from nba_predictions.documents.locations import CHATTY_LOGGERS, same_location
from nba_predictions.documents.models import STEPS
from nba_predictions.errors import PipelineError, UsageError

logger = logging.getLogger("nba_predictions")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_STDOUT_CLOSED = 128 + 13  # 128 + SIGPIPE, what a shell reports for a process its pipe ended
PROG = "nba-predictions"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit 2) instead of the usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _date(text: str) -> date:
    """A ``YYYY-MM-DD`` date; a well-formed one that does not exist says why (no day 30 in February)."""
    match = _ISO_DAY.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: expected YYYY-MM-DD, e.g. 2024-01-15")
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: there is no month {month} (months are 01 to 12)")
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= days:
        raise argparse.ArgumentTypeError(
            f"invalid date {text!r}: {calendar.month_name[month]} {year} has {days} days, so day {day} does not exist"
        )
    try:
        return date(year, month, day)
    except ValueError as exc:  # year 0000
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: {exc}") from None


def _logging_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--log-level", choices=LOG_LEVELS, type=str.upper, help="log verbosity (env LOG_LEVEL; default INFO)"
    )
    p.add_argument("--quiet", action="store_true", help="only warnings and errors on stderr")


def _summary_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--summary-json",
        metavar="PATH",
        help="also write the run summary as JSON here (a path or URL), whatever the outcome",
    )


def _write_summary(location: str | None, summary: object | None) -> None:
    """Write ``summary.to_dict()`` to ``location`` all or nothing (no-op without either)."""
    if location is None or summary is None:
        return
    import json

    from nba_predictions.documents.locations import LocationError, write_bytes

    try:
        write_bytes(location, (json.dumps(summary.to_dict(), indent=2) + "\n").encode("utf-8"))  # type: ignore[attr-defined]
    except LocationError as exc:
        raise PipelineError(
            f"cannot write the run summary to {location}: {exc.reason}; choose a writable --summary-json path"
        ) from None


def _check_summary_location(location: str | None) -> None:
    if location is None:
        return
    from nba_predictions.documents.locations import LocationError, check_writable

    try:
        check_writable(location)
    except LocationError as exc:
        raise UsageError(f"--summary-json {location}: {exc.reason}; {exc.hint or 'choose a writable path'}") from None


def run_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Rate completed NBA games 0-100 for how worth watching they were, without spoilers. "
        "Runs collection -> features -> prediction -> storage for one date, or a part of it "
        "through JSON files. Other commands: 'backfill' (rate a range of dates), 'show' (list a "
        "date's rated games), 'train' (retrain the model), 'serve' (the web page and API); "
        "see e.g. '%s backfill --help'." % PROG,
    )
    p.add_argument("--date", type=_date, help="game date YYYY-MM-DD (default: yesterday, US Eastern time)")
    p.add_argument("--until-step", choices=STEPS, help="stop after this step (needs --output unless storage)")
    p.add_argument("--from-step", choices=STEPS[1:], help="start at this step (needs --input)")
    p.add_argument(
        "--input",
        help="input JSON document for --from-step: a path, a file://, s3:// or memory:// URL, or '-' = standard input",
    )
    p.add_argument(
        "--output",
        help="write the last step's JSON document here: a path, a URL as for --input, or '-' = standard output",
    )
    p.add_argument("--force", action="store_true", help="re-rate games already stored in the database")
    _summary_flag(p)
    p.add_argument(
        "--validate",
        action="store_true",
        help="check configuration, model, database and data source, print a report, exit 0 or 1",
    )
    p.add_argument(
        "--step",
        choices=STEPS,
        help="with --validate: check only what this step needs (a machine with only its requirements-<step>.txt)",
    )
    p.add_argument(
        "--source",
        choices=SOURCE_CHOICES,
        help="data source: archive (offline, bundled), nba_api (live), auto (archive when it "
        "covers the date; env NBA_SOURCE; default auto)",
    )
    p.add_argument(
        "--database",
        metavar="URL",
        help="SQLAlchemy database URL (env DATABASE_URL; default sqlite:///data/nba_predictions.db)",
    )
    p.add_argument(
        "--model", metavar="PATH", help="XGBoost model JSON (env NBA_MODEL_PATH; default: the shipped model)"
    )
    _logging_flags(p)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def train_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=f"{PROG} train",
        description="Train the rating model from the offline archive, "
        "reproducibly, and write the model, its metadata and the model card's figures.",
    )
    p.add_argument(
        "--output-dir",
        default=None,
        help="where to write model.json and model_meta.json (default: the package's model/files)",
    )
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument(
        "--docs-dir", default=None, help="also rewrite the model card (MODEL.md) and its figures here, e.g. docs"
    )
    _logging_flags(p)
    return p


def backfill_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=f"{PROG} backfill",
        description="Rate every date from --start to --end (inclusive) as one "
        "run: one read of the archive, one batch prediction and one transaction per chunk of games. "
        "Games already rated are left alone unless --force, so a backfill killed part-way and rerun "
        "does only what is missing. Dates the archive does not cover go to the live API under "
        "--source auto and are reported as not rated under --source archive. A progress bar on a "
        "terminal, one line per chunk otherwise, nothing with --quiet.",
    )
    p.add_argument("--start", type=_date, help="first date YYYY-MM-DD (not with --from-step)")
    p.add_argument("--end", type=_date, help="last date YYYY-MM-DD (not with --from-step)")
    p.add_argument(
        "--until-step",
        choices=STEPS,
        help="stop after this step; collection, features and prediction write one document for the range to --output",
    )
    p.add_argument("--from-step", choices=STEPS[1:], help="go on from a range document (--input) at this step")
    p.add_argument("--input", help="the range document for --from-step: a path, a URL, or '-' = standard input")
    p.add_argument("--output", help="write the range's last document here: a path, a URL, or '-' = standard output")
    p.add_argument("--force", action="store_true", help="re-rate games already stored")
    _summary_flag(p)
    p.add_argument("--source", choices=SOURCE_CHOICES, help="data source (env NBA_SOURCE; default auto)")
    p.add_argument("--database", metavar="URL", help="SQLAlchemy database URL (env DATABASE_URL)")
    p.add_argument("--model", metavar="PATH", help="XGBoost model JSON (env NBA_MODEL_PATH)")
    p.add_argument(
        "--chunk-games",
        type=_positive,
        default=None,
        metavar="N",
        help="games per batch prediction and per storage transaction (default 1024): the most a kill can lose",
    )
    _logging_flags(p)
    return p


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}: expected a whole number of 1 or more")
    return value


def show_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=f"{PROG} show",
        description="List a date's rated games, best first: teams, rating, "
        "class. No scores, margins or winners unless --spoilers.",
    )
    p.add_argument("--date", type=_date, help="game date YYYY-MM-DD (default: yesterday, US Eastern time)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--spoilers",
        action="store_true",
        help="SPOILERS: also print each game's features and the rating's explanation (final margin, "
        "largest lead, comebacks...), which reveal how the game went",
    )
    p.add_argument("--database", metavar="URL", help="SQLAlchemy database URL (env DATABASE_URL)")
    _logging_flags(p)
    return p


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(
            f"invalid port {text!r}: expected a number from 0 to 65535 (0 = any free port)"
        )
    return int(text)


def serve_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=f"{PROG} serve",
        description="Serve the ratings read-only: the spoiler-free web page at /, "
        "the original web app's JSON API at /api/v1 (its front end works unchanged) and the API docs at "
        "/docs. Needs the web extra (pip install 'nba-predictions[web]'); CORS_ORIGINS sets the origins "
        "the API answers cross-origin.",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 = every interface)"
    )
    p.add_argument(
        "--port",
        type=_port,
        default=3001,
        help="port to listen on (default 3001, where the original front end calls its API; 0 = any free port)",
    )
    p.add_argument("--database", metavar="URL", help="SQLAlchemy database URL (env DATABASE_URL), opened read-only")
    _logging_flags(p)
    return p


def _setup_logging(level: str, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING if quiet else getattr(logging, level))
    # Alembic narrates every migration plugin at INFO; its news matters only when debugging.
    logging.getLogger("alembic").setLevel(logging.DEBUG if level == "DEBUG" and not quiet else logging.WARNING)
    # Object-storage clients log request headers (session tokens) at DEBUG: never below WARNING.
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def _settings(args: argparse.Namespace) -> Settings:
    flags = {name: getattr(args, name, None) for name in ("date", "source", "database", "model", "log_level")}
    flags["quiet"] = getattr(args, "quiet", False)
    flags["force"] = getattr(args, "force", False)
    return Settings.resolve(flags)


def _check_run_args(args: argparse.Namespace) -> tuple[str, str]:
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


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.step and not args.validate:
        raise UsageError("--step is only read with --validate (e.g. --validate --step collection)")
    if args.validate:
        from nba_predictions.runs.validate import validate

        report, ok = validate(settings, args.step)
        print(report)
        return EXIT_OK if ok else EXIT_FAILED
    start, end = _check_run_args(args)
    _check_summary_location(args.summary_json)
    from nba_predictions.runs.pipeline import Pipeline

    with Pipeline(settings, explicit_date=args.date is not None) as pipeline:
        try:
            summary = pipeline.run(start, end, input_path=args.input, output_path=args.output)
        except PipelineError:
            _write_summary(args.summary_json, pipeline.last_summary)
            raise
    _write_summary(args.summary_json, summary)
    if not settings.quiet or not summary.ok:
        print(summary.render(), file=sys.stderr)
    return EXIT_OK if summary.ok else EXIT_FAILED


def _train(args: argparse.Namespace, settings: Settings) -> int:
    from nba_predictions.model.training.train import train_main

    report = train_main(
        Path(args.output_dir) if args.output_dir else None,
        seed=args.seed,
        docs_dir=Path(args.docs_dir) if args.docs_dir else None,
    )
    print(report.render())
    return EXIT_OK


def _backfill(args: argparse.Namespace, settings: Settings) -> int:
    start, end = _check_run_args(args)
    if args.from_step and (args.start or args.end):
        raise UsageError("--start and --end come from the input document with --from-step: drop them")
    if not args.from_step and (args.start is None or args.end is None):
        raise UsageError("backfill needs --start and --end (or --from-step with --input)")
    _check_summary_location(args.summary_json)
    if settings.log_level != "DEBUG":
        # The backfill reports per chunk and lists failed games in its summary; the steps' own
        # per-game lines only when debugging.
        for name in (
            "nba_predictions.steps",
            "nba_predictions.features.history",
            "nba_predictions.sources",
            "nba_predictions.documents.io",
        ):
            logging.getLogger(name).setLevel(logging.ERROR)
    from nba_predictions.runs.backfill import CHUNK_GAMES, backfill, make_progress
    from nba_predictions.runs.pipeline import Pipeline

    with Pipeline(settings) as pipeline:
        summary = backfill(
            pipeline,
            args.start,
            args.end,
            end,
            from_step=args.from_step,
            input_path=args.input,
            output_path=args.output,
            progress=make_progress(quiet=settings.quiet, stream=sys.stderr),
            chunk_games=args.chunk_games or CHUNK_GAMES,
        )
    _write_summary(args.summary_json, summary)
    if not settings.quiet or not summary.ok:
        print(summary.render(), file=sys.stderr)
    if summary.errors:
        print(f"{PROG}: error: {summary.errors[0]}", file=sys.stderr)
    return EXIT_OK if summary.ok else EXIT_FAILED


def _show(args: argparse.Namespace, settings: Settings) -> int:
    from nba_predictions.steps.storage import connect, games_for_date, render_json, render_table

    db = connect(settings.database_url, create=False)
    try:
        rows = games_for_date(db, settings.target_date, spoilers=args.spoilers)
    finally:
        db.close()
    print(render_json(rows) if args.json else render_table(rows, settings.target_date))
    return EXIT_OK


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from nba_predictions.web.server import serve

    serve(settings, args.host, args.port)
    return EXIT_OK


def _detach_stdout() -> None:
    """Point standard output at /dev/null: what is still buffered for a closed pipe is dropped
    instead of failing again (with a traceback) when the interpreter flushes it at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError) as exc:  # no file descriptor (stdout replaced): nothing to detach
        logger.debug("standard output not detached: %s", exc)


COMMANDS = {
    "train": (train_parser, _train),
    "show": (show_parser, _show),
    "backfill": (backfill_parser, _backfill),
    "serve": (serve_parser, _serve),
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        from dotenv import find_dotenv, load_dotenv

        # The .env of the folder the command runs in (or a parent), never the package's own;
        # variables already set in the environment win.
        load_dotenv(find_dotenv(usecwd=True), override=False)
        if argv and argv[0] in COMMANDS:
            make_parser, handler = COMMANDS[argv[0]]
            args = make_parser().parse_args(argv[1:])
        else:
            handler = _run
            args = run_parser().parse_args(argv)
        settings = _settings(args)  # resolved once: flags > environment/.env > defaults
        _setup_logging(settings.log_level, settings.quiet)
        code = handler(args, settings)
        sys.stdout.flush()  # a reader that left is found out here, not at the interpreter's exit
        return code
    except BrokenPipeError:
        _detach_stdout()  # the reader of our stdout has gone (| head): nothing more to say
        return EXIT_STDOUT_CLOSED
    except UsageError as exc:
        print(f"{PROG}: usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PipelineError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        if getattr(exc, "stdout_closed", False):
            _detach_stdout()
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: keep the line, keep the trace in the log
        logger.debug("unexpected error", exc_info=True)
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {exc} "
            "(rerun with --log-level DEBUG for the traceback and report it)",
            file=sys.stderr,
        )
        return EXIT_FAILED
