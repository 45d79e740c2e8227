"""The command line's parsers: flags, their help and their values' checks (one-line usage errors)."""

from __future__ import annotations

import argparse
import calendar
import re
from datetime import date

from nba_predictions import __version__
from nba_predictions.config import (
    DEFAULT_CHUNK_GAMES,
    DEFAULT_SEED,
    DEFAULT_SERVE_HOST,
    DEFAULT_SERVE_PORT,
    ENVIRONMENT,
    LOG_LEVELS,
    SOURCE_CHOICES,
)
from nba_predictions.documents.models import STEPS
from nba_predictions.errors import UsageError

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
        "--log-level",
        choices=LOG_LEVELS,
        type=str.upper,
        help=f"log verbosity (env LOG_LEVEL; default {ENVIRONMENT['LOG_LEVEL'][0]})",
    )
    p.add_argument("--quiet", action="store_true", help="only warnings and errors on stderr")


def _summary_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--summary-json",
        metavar="PATH",
        help="also write the run summary as JSON here (a path or URL), whatever the outcome",
    )


def run_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Rate completed NBA games 0-100 for how worth watching they were, without spoilers. "
        "Runs collection -> features -> prediction -> storage for one date, or a part of it "
        "through JSON files. Other commands: 'backfill' (rate a range of dates), 'show' (list a "
        "date's rated games), 'adopt' (make the original web app's database ours), 'train' (retrain the "
        "model), 'serve' (the web page and API); "
        f"see e.g. '{PROG} backfill --help'.",
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
        help=f"SQLAlchemy database URL (env DATABASE_URL; default {ENVIRONMENT['DATABASE_URL'][0]})",
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
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
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
        help=f"games per batch prediction and per storage transaction (default {DEFAULT_CHUNK_GAMES}): "
        "the most a kill can lose",
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
        "--host",
        default=DEFAULT_SERVE_HOST,
        help=f"address to listen on (default {DEFAULT_SERVE_HOST}; 0.0.0.0 = every interface)",
    )
    p.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_SERVE_PORT,
        help=f"port to listen on (default {DEFAULT_SERVE_PORT}, where the original front end calls its API; "
        "0 = any free port)",
    )
    p.add_argument("--database", metavar="URL", help="SQLAlchemy database URL (env DATABASE_URL), opened read-only")
    _logging_flags(p)
    return p
