"""``nba-predictions watch``: its flags and what it does (the loop is :mod:`nba_predictions.runs.watch`)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime
from typing import Any

from nba_predictions.cli.parsers import PROG, _date, _logging_flags, _Parser, _positive
from nba_predictions.config import DEFAULT_WATCH_INTERVAL_SECONDS, EASTERN, SOURCE_CHOICES, Settings


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"invalid interval {text!r}: expected a number of seconds above 0, e.g. 120")
    return value


def watch_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=f"{PROG} watch",
        description="Rate each game of a date minutes after its final buzzer: poll the NBA CDN's live "
        "scoreboard (a conditional request: an unchanged scoreboard costs a 304) and, as each game turns "
        "final, run collection -> storage for that game alone. A game whose play-by-play or box score is "
        "not final yet is tried again on the next poll. Games already rated are left alone (--force "
        "re-rates them), so a restarted watch goes on where it stopped. Without --date and --until-done "
        "it follows the scoreboard from day to day until stopped (SIGTERM or Ctrl-C: between games).",
    )
    p.add_argument(
        "--date",
        type=_date,
        help="game date YYYY-MM-DD (default: today, US Eastern); the scoreboard serves only the NBA's "
        "current day: a later date is waited for, an earlier one refused (rate it with a run)",
    )
    p.add_argument(
        "--interval",
        type=_interval,
        default=DEFAULT_WATCH_INTERVAL_SECONDS,
        metavar="SECONDS",
        help=f"seconds between polls (default {DEFAULT_WATCH_INTERVAL_SECONDS:g})",
    )
    p.add_argument(
        "--until-done",
        action="store_true",
        help="exit once every game of the date is rated (0) or cannot be (1, naming the games)",
    )
    p.add_argument(
        "--give-up-after",
        type=_positive,
        default=None,
        metavar="POLLS",
        help="a final game still not rated after this many polls is reported as not rated (default 30)",
    )
    p.add_argument(
        "--documents",
        metavar="DIR|URL",
        help="also keep the date's three documents current under DIR/YYYY-MM-DD/ (a path or an s3:// or "
        "file:// URL), rewritten whole as games are added, so a --from-step run can go on from them",
    )
    p.add_argument("--log-json", action="store_true", help="one JSON line per poll on standard error")
    p.add_argument("--force", action="store_true", help="re-rate games already stored in the database")
    p.add_argument(
        "--source",
        choices=SOURCE_CHOICES,
        help="where each final game's feeds come from (env NBA_SOURCE; default auto); cdn serves tonight's games",
    )
    p.add_argument("--database", metavar="URL", help="SQLAlchemy database URL (env DATABASE_URL)")
    p.add_argument("--model", metavar="PATH", help="XGBoost model JSON (env NBA_MODEL_PATH)")
    _logging_flags(p)
    return p


def watch(args: argparse.Namespace, settings: Settings) -> int:
    from nba_predictions.runs.watch import GIVE_UP_AFTER, WatchOptions, run_watch

    day = args.date or datetime.now(tz=EASTERN).date()
    options = WatchOptions(
        day=day,
        interval=args.interval,
        until_done=args.until_done,
        follow=args.date is None and not args.until_done,
        give_up_after=args.give_up_after or GIVE_UP_AFTER,
        documents=args.documents,
        log_json=args.log_json,
    )
    stop = threading.Event()
    previous: dict[signal.Signals, Any] = {}
    for number in (signal.SIGTERM, signal.SIGINT):
        previous[number] = signal.signal(number, lambda *_: stop.set())
    try:
        report = run_watch(settings, options, stop=stop, emit=_stderr_line)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    ended = "stopped" if report.stopped else "ended"
    print(
        f"{PROG} watch {day}: {ended} after {report.polls} poll(s) ({report.not_modified} not modified); "
        f"{len(report.rated)} game(s) rated, {len(report.not_rated)} not rated",
        file=sys.stderr,
    )
    if report.not_rated:
        named = "; ".join(f"{game_id} ({reason})" for game_id, reason in sorted(report.not_rated.items()))
        print(f"{PROG}: error: not rated: {named}", file=sys.stderr)
    return report.exit_code


def _stderr_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
