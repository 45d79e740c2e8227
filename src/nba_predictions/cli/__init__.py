"""Command line: argument parsing, settings, logging, exit codes.  Nothing else.

``main`` is the entry point of ``nba-predictions``, ``python -m nba_predictions`` and ``main.py``.
The package: :mod:`.parsers` (flags), :mod:`.commands` (what each command does), :mod:`.show`
(``show``'s table and JSON), :mod:`.adopt` (``adopt``), :mod:`.archive` (``archive update|status``), :mod:`.votes`
(``votes export``), :mod:`.step` (``step``), :mod:`.validate`
(``--validate``) and :mod:`.exits`, the only module
that turns exceptions into exit codes and user-facing text (0 every game done; 1 a run failed or
any game failed; 2 usage error; 141 standard output closed by its reader).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from nba_predictions.cli import commands
from nba_predictions.cli.adopt import adopt, adopt_parser
from nba_predictions.cli.archive import archive, archive_parser
from nba_predictions.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_STDOUT_CLOSED, EXIT_USAGE, exit_code_of
from nba_predictions.cli.parsers import PROG, backfill_parser, run_parser, serve_parser, show_parser, train_parser
from nba_predictions.cli.show import show
from nba_predictions.cli.step import step, step_parser
from nba_predictions.cli.votes import votes, votes_parser
from nba_predictions.cli.watch import watch, watch_parser
from nba_predictions.config import Settings
from nba_predictions.documents.locations import CHATTY_LOGGERS

__all__ = [
    "COMMANDS",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_STDOUT_CLOSED",
    "EXIT_USAGE",
    "PROG",
    "backfill_parser",
    "main",
    "run_parser",
    "serve_parser",
    "show_parser",
    "train_parser",
]

Handler = Callable[[argparse.Namespace, Settings], int]

COMMANDS: dict[str, tuple[Callable[[], argparse.ArgumentParser], Handler]] = {
    "train": (train_parser, commands.train),
    "show": (show_parser, show),
    "adopt": (adopt_parser, adopt),
    "backfill": (backfill_parser, commands.backfill),
    "serve": (serve_parser, commands.serve),
    "watch": (watch_parser, watch),
    "archive": (archive_parser, archive),
    "step": (step_parser, step),
    "votes": (votes_parser, votes),
}
"""The subcommands: their parser and what they do.  Without one, the arguments are a run's."""


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: the process's arguments), run the command, return its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    return exit_code_of(lambda: _command(arguments))


def _command(argv: list[str]) -> int:
    from dotenv import find_dotenv, load_dotenv

    # The .env of the folder the command runs in (or a parent), never the package's own;
    # variables already set in the environment win.
    load_dotenv(find_dotenv(usecwd=True), override=False)
    handler: Handler
    if argv and argv[0] in COMMANDS:
        make_parser, handler = COMMANDS[argv[0]]
        args = make_parser().parse_args(argv[1:])
    else:
        handler = commands.run
        args = run_parser().parse_args(argv)
    settings = _settings(args)  # resolved once: flags > environment/.env > defaults
    _setup_logging(settings.log_level, settings.quiet)
    return handler(args, settings)


def _settings(args: argparse.Namespace) -> Settings:
    flags = {name: getattr(args, name, None) for name in ("date", "source", "database", "model", "log_level")}
    flags["quiet"] = getattr(args, "quiet", False)
    flags["force"] = getattr(args, "force", False)
    return Settings.resolve(flags)


def _setup_logging(level: str, quiet: bool) -> None:
    """Log lines to standard error (never standard output: it may carry a document)."""
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
