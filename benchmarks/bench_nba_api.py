"""Calls and time of NbaApiSource for one date, cold and warm cache, against the local fake server.

    python benchmarks/bench_nba_api.py [--date 2024-01-15] [--interval 0.6]

The run collects what the pipeline needs for the date: the completed games, every game's score
timeline, and the season results the history needs (``history.seasons_needed``: the date's season
and the five before it, for standings and head-to-head).  Three cache states:

* cold:  an empty cache directory;
* warm:  the next day's run for a new date -- past seasons on disk, the current season's log
         from yesterday (so it is fetched again), the date's games not yet fetched;
* rerun: the same date again the same day -- everything that cannot change is on disk.

The calls are those docs/LIVE_API.md states (1 + N + the game logs not on disk); the original
design made 1 + 6N calls for N games, each after a fixed 1 s sleep.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.fakeserver

from nba_predictions.config import EASTERN  # noqa: E402
from nba_predictions.features.history import seasons_needed  # noqa: E402
from nba_predictions.sources.archive import ArchiveSource  # noqa: E402
from nba_predictions.sources.cache import ResponseCache  # noqa: E402
from nba_predictions.sources.http import HttpTransport, RetryPolicy  # noqa: E402
from nba_predictions.sources.nba_api import NbaApiSource  # noqa: E402
from tests.fakeserver import FakeStatsServer  # noqa: E402


def run(server: FakeStatsServer, cache_dir: Path, day: date, interval: float) -> tuple[int, float, int]:
    today = day + timedelta(days=1)
    server.today = today
    source = NbaApiSource(
        stats_url=server.stats_url,
        cdn_url=server.cdn_url,
        transport=HttpTransport(timeout_seconds=10, min_interval_seconds=interval, retry=RetryPolicy(retries=2)),
        cache=ResponseCache(cache_dir, now=lambda: datetime(today.year, today.month, today.day, 6, tzinfo=EASTERN)),
        today=lambda: today,
    )
    before = server.total
    started = time.perf_counter()
    games = source.completed_games(day)
    for game in games:
        source.score_timeline(game)
    for season in seasons_needed(day, day):
        source.season_results(season)
    return server.total - before, time.perf_counter() - started, len(games)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--date", type=date.fromisoformat, default=date(2024, 1, 15))
    parser.add_argument("--interval", type=float, default=0.6, help="minimum seconds between calls (default 0.6)")
    args = parser.parse_args()

    archive = ArchiveSource()
    day = args.date
    next_day = next(d for d in (day + timedelta(days=i) for i in range(1, 10)) if archive.completed_games(d))
    with FakeStatsServer(archive) as server, tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        cold = run(server, cache, day, args.interval)
        warm = run(server, cache, next_day, args.interval)
        rerun = run(server, cache, next_day, args.interval)

    print(f"NbaApiSource against the fake server, min interval {args.interval} s")
    print(f"{'run':<34}{'games':>6}{'calls':>7}{'1 + 6N (orig.)':>16}{'time s':>9}{'orig. >= s':>12}")
    for label, (calls, seconds, n) in (
        (f"cold cache      {day}", cold),
        (f"warm cache      {next_day}", warm),
        (f"rerun same day  {next_day}", rerun),
    ):
        original = 1 + 6 * n
        print(f"{label:<34}{n:>6}{calls:>7}{original:>16}{seconds:>9.2f}{original * 1.0:>12.0f}")
    print("orig. >= s: the original design's fixed 1 s sleep before each of its 1 + 6N calls, network time excluded")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
