"""``nba-predictions archive update|status``: the local archive's command (parser and handler).

``update --season S [--source auto|cdn|nba_api]`` fills the local archive (``NBA_ARCHIVE_DIR``)
with a season from a live source (:mod:`nba_predictions.runs.archive_update`): exit 0 when every
game could be had, 1 when some could not (each named on standard error).  ``status [--season S]``
prints the archives' coverage per season (:mod:`nba_predictions.runs.archive_status`).
"""

from __future__ import annotations

import argparse
import sys

from nba_predictions.cli.exits import EXIT_OK
from nba_predictions.cli.parsers import PROG, _logging_flags, _Parser
from nba_predictions.config import Settings
from nba_predictions.core.season import Season


def _season(text: str) -> Season:
    try:
        return Season.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def archive_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=f"{PROG} archive",
        description="The local archive (NBA_ARCHIVE_DIR, default data/archive/): every final game a live "
        "source collects is kept there, in the bundled archive's format, and read with it. "
        "'update --season 2025-26' fills a season from a live source (resumable: games already in either "
        "archive are skipped); 'status' prints the coverage per season.",
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="{update,status}", parser_class=_Parser)
    update = actions.add_parser(
        "update",
        help="fill the local archive with a season from a live source",
        description="Fill the local archive with every final game of a season a live source can serve, "
        "skipping the games either archive already holds. A progress bar on a terminal, a line per week "
        "of dates otherwise; one line per game that could not be had; exit 1 if any.",
    )
    update.add_argument("--season", type=_season, required=True, help="the season, e.g. 2025-26")
    update.add_argument(
        "--source",
        choices=("auto", "cdn", "nba_api"),
        help="the live source: cdn, nba_api, or auto = the live sources of NBA_SOURCES in order (default auto)",
    )
    _logging_flags(update)
    status = actions.add_parser(
        "status",
        help="print the archives' coverage per season",
        description="Per season: games, those with play-by-play in the bundled and in the local archive, "
        "dates with games, and the dates no archive covers.",
    )
    status.add_argument("--season", type=_season, help="only this season, e.g. 2025-26")
    _logging_flags(status)
    return p


def archive(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "status":
        from nba_predictions.runs.archive_status import archive_status, render_status
        from nba_predictions.sources.archive import default_archive_path, local_archive_path

        rows = archive_status(settings, args.season)
        bundled = str(settings.bundled_archive or default_archive_path())
        local = (
            str(local_archive_path(settings.archive_dir)) if settings.archive_dir else "none (NBA_ARCHIVE_DIR is empty)"
        )
        print(render_status(rows, bundled, local))
        return EXIT_OK
    from nba_predictions.runs.archive_update import update_season
    from nba_predictions.runs.backfill.progress import make_progress

    progress = make_progress(quiet=settings.quiet, stream=sys.stderr, label="archive", verb="stored")
    report = update_season(settings, args.season, args.source or "auto", progress=progress)
    print(report.render(), file=sys.stderr)
    return report.exit_code
