#!/usr/bin/env python
"""Freshness of ``watch``: from a game's final status to its rating in the database the page reads.

Usage: ``.venv/bin/python benchmarks/bench_watch.py [--date 2025-02-26] [--interval 2] [--seed 7]``

Against the fake CDN on 127.0.0.1 (tests/fakeserver/cdn.py, the games built from the offline
archive), whose scoreboard turns the date's games final at moments spread over the run (decided by
time here, at random phases against the polls: a benchmark, not a test), a watch polls every
``--interval`` seconds, as ``watch --until-done --source cdn`` does, into a fresh SQLite database.
For each game it measures, on one clock (both run in this process):

* **freshness**: from the moment the scoreboard turned it final to its rating stored (the page and
  the API list a stored game at the next request: tests/web/test_watch_page.py);
* **wait**: from its final status to the poll that saw it; **run**: its own collection -> storage.

and prints their median, 90th percentile and maximum, the bound ``interval + the longest run``, and
what it cost the CDN: scoreboard requests (and how many were answered 304), box scores and
play-by-plays per game, schedule requests.  Nothing is asserted.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from nba_predictions.config import Settings  # noqa: E402
from nba_predictions.runs.resources import Resources  # noqa: E402
from nba_predictions.runs.watch import Watch, WatchOptions  # noqa: E402
from nba_predictions.sources.archive import ArchiveSource  # noqa: E402
from nba_predictions.sources.cdn.scoreboard import ScoreboardReader  # noqa: E402
from tests.fakeserver.cdn import FakeCdn  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def row(name: str, values: list[float]) -> str:
    return (
        f"  {name:<34} median {statistics.median(values):6.2f} s   p90 {percentile(values, 0.9):6.2f} s   "
        f"max {max(values):6.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", type=date.fromisoformat, default=date(2025, 2, 26))
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder, FakeCdn(ArchiveSource()) as cdn:
        tmp = Path(folder)
        ids = cdn.show_scoreboard(args.date)
        start = time.monotonic() + 1.0
        # The games end at random phases against the polls, 0.5 to 1.5 intervals apart.
        ends, at = {}, start
        for game_id in ids:
            at += args.interval * rng.uniform(0.5, 1.5)
            ends[game_id] = at
        cdn.show_scoreboard(args.date, final_when=lambda game_id, _n: time.monotonic() >= ends[game_id])
        env = {"NBA_CDN_URL": cdn.cdn_url, "NBA_API_CACHE_DIR": str(tmp / "cache"), "NBA_API_MIN_INTERVAL": "0"}
        settings = Settings.resolve({"source": "cdn", "database": f"sqlite:///{tmp / 'ratings.db'}"}, env)
        reader = ScoreboardReader.for_settings(settings.api, cdn.cdn_url)
        with Resources(settings) as resources:
            resources.model()  # loaded before the first game, as a long-running watch has it
            options = WatchOptions(day=args.date, interval=args.interval, until_done=True)
            report = Watch(resources, options, reader).run()
        reader.close()
        rated = report.rated
        fresh = [rated[g].stored_at - ends[g] for g in rated]
        wait = [rated[g].stored_at - rated[g].game.seconds - ends[g] for g in rated]
        runs = [rated[g].game.seconds for g in rated]
        print(
            f"watch {args.date}: {len(rated)} of {len(ids)} games rated, interval {args.interval:g} s, seed {args.seed}"
        )
        print(row("freshness (final -> stored)", fresh))
        print(row("wait (final -> the poll seeing it)", wait))
        print(row("run (collection -> storage)", runs))
        bound = args.interval + max(runs)
        print(f"  bound interval + longest run          {bound:6.2f} s; every game within it: {max(fresh) <= bound}")
        print(
            f"  CDN requests: {cdn.counts['scoreboard']} scoreboard ({report.polls} polls, "
            f"{cdn.not_modified} answered 304 = {cdn.not_modified / cdn.counts['scoreboard']:.0%}), "
            f"{cdn.counts['boxscore'] / len(ids):.2f} box scores and {cdn.counts['playbyplay'] / len(ids):.2f} "
            f"play-by-plays per game, {cdn.counts['schedule']} schedule"
        )
    return 0 if len(rated) == len(ids) else 1


if __name__ == "__main__":
    raise SystemExit(main())
