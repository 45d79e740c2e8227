"""Features of a whole season from the archive: vectorised pass vs one game at a time.

Usage::

    python benchmarks/bench_features.py [--season 2023-24] [--per-game-limit N]

Three ways, in one run, over the same games:

1. ``range_features``: the whole range in one pass (one history load, standings once per
   date, head-to-head from one index, timeline features as numpy array operations).
2. ``build_features`` one date at a time, as the daily pipeline runs on spec-format documents
   (one history load per date).
3. The original job's way: every game on its own - a fresh standings and head-to-head computation
   (a new history from the source's results) and its own timeline query per game.

Prints games per second for each, the ratio, and checks that all three give equal features.
``--per-game-limit`` times way 3 on the first N games only (it takes about 0.1 s per game).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict

from nba_predictions.core.season import Season
from nba_predictions.documents.models import CollectedGame
from nba_predictions.features import game as ft
from nba_predictions.features.history import load_history
from nba_predictions.features.matrix import range_features
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.steps.features import build_features


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--season", default="2023-24", help="season in the form 2023-24 (default %(default)s)")
    parser.add_argument(
        "--per-game-limit",
        type=int,
        default=0,
        help="time the one-game-at-a-time way on the first N games only (default: all)",
    )
    args = parser.parse_args()
    season = Season.parse(args.season)
    source = ArchiveSource()
    games = source.season_games(season)
    if not games:
        print(f"the archive has no games for {season}", file=sys.stderr)
        return 1
    first, last = games[0].date, games[-1].date
    print(f"season {season}: {len(games)} games from {first} to {last} (archive {source.path.name})")

    # 1. vectorised whole-range pass
    clock = time.perf_counter()
    table = range_features(source, first, last)
    vectorised_s = time.perf_counter() - clock
    rows = dict(zip(table.game_ids, table.matrix.tolist()))

    # 2. the pipeline step, one date at a time, from spec-format documents
    by_day: dict = defaultdict(list)
    for record in table.records:
        by_day[record.date].append(CollectedGame(**record.model_dump()))
    clock = time.perf_counter()
    step_vectors = {}
    for day in sorted(by_day):
        featured, _ = build_features(by_day[day], source)
        step_vectors.update((f.game_id, f.features.vector()) for f in featured)
    per_date_s = time.perf_counter() - clock

    # 3. the original way: fresh standings and head-to-head for every game
    sample = table.records[: args.per_game_limit] if args.per_game_limit > 0 else table.records
    clock = time.perf_counter()
    per_game_vectors = {}
    for record in sample:
        context = load_history(source, record.date, record.date).context(record)
        timeline = source.score_timeline(record)
        per_game_vectors[record.game_id] = ft.game_features(record, timeline, context).vector()
    per_game_s = time.perf_counter() - clock

    n, m = len(table), len(sample)
    mismatches = [g for g in table.game_ids if step_vectors.get(g) != rows[g]]
    mismatches += [g for g, v in per_game_vectors.items() if v != rows[g]]
    rate = {
        "vectorised season pass": n / vectorised_s,
        "build_features per date": n / per_date_s,
        "one game at a time (original)": m / per_game_s,
    }
    print(f"{n} games featured, {len(table.skipped)} skipped (no or truncated play-by-play)")
    print(f"{'way':32} {'games':>6} {'seconds':>9} {'games/s':>10}")
    print(f"{'vectorised season pass':32} {n:6d} {vectorised_s:9.2f} {rate['vectorised season pass']:10.0f}")
    print(f"{'build_features per date':32} {n:6d} {per_date_s:9.2f} {rate['build_features per date']:10.0f}")
    print(
        f"{'one game at a time (original)':32} {m:6d} {per_game_s:9.2f} {rate['one game at a time (original)']:10.1f}"
    )
    print(
        f"speed-up of the vectorised pass: {rate['vectorised season pass'] / rate['one game at a time (original)']:.0f}x "
        f"over one game at a time, {rate['vectorised season pass'] / rate['build_features per date']:.1f}x over per date"
    )
    if mismatches:
        print(f"MISMATCH: {len(mismatches)} games differ, e.g. {mismatches[:5]}")
        return 1
    print(f"features equal in all three ways ({n} + {n} + {m} games compared)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
