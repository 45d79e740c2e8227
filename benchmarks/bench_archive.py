#!/usr/bin/env python
"""Time and memory to collect from the offline archive.

Usage: ``.venv/bin/python benchmarks/bench_archive.py [--season 2023-24] [--date 2024-01-15] [--repeat 5]``

Measures, each in a fresh ``ArchiveSource`` (so the first-open cost is included) and as the best
of ``--repeat`` runs:

1. one date: ``completed_games`` + ``score_timeline`` and ``GameContext`` of every game (history
   loaded for that date only);
2. a whole regular season (1,230 games) through the bulk accessors: ``season_games`` +
   ``timelines`` (one query) + ``load_history`` + ``History.context`` per game;
3. the same season date by date through the plain ``Source`` protocol (``completed_games`` and
   ``score_timeline`` per game), for comparison;

and the peak Python heap (tracemalloc) of run 2 plus the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from nba_predictions.core.season import Season
from nba_predictions.errors import GameDataError
from nba_predictions.features.history import load_history
from nba_predictions.sources.archive import ArchiveSource


def one_date(day: date) -> int:
    source = ArchiveSource()
    games = source.completed_games(day)
    history = load_history(source, day, day)
    for g in games:
        source.score_timeline(g)
        history.context(g)
    source.close()
    return len(games)


def season_bulk(season: Season) -> int:
    source = ArchiveSource()
    games = source.season_games(season, ("Regular Season",))
    _, timelines = source.games_and_timelines(games[0].date, games[-1].date)
    history = load_history(source, games[0].date, games[-1].date)
    contexts = [history.context(g) for g in games]
    source.close()
    assert len(contexts) == len(games)
    return len(games), len(timelines)


def season_per_date(season: Season) -> int:
    source = ArchiveSource()
    first, last = source.coverage()
    results = [r for r in source.season_results(season) if r.season_type == "Regular Season"]
    day, end = results[0].date, results[-1].date
    history = load_history(source, day, end)
    n = 0
    while day <= end:
        if first <= day <= last:
            for g in source.completed_games(day):
                if g.season_id.startswith("2"):
                    try:
                        source.score_timeline(g)
                    except GameDataError:  # truncated play-by-play: skipped, as the step does
                        continue
                    history.context(g)
                    n += 1
        day += timedelta(days=1)
    source.close()
    return n


def best_of(repeat: int, fn, *args) -> tuple[float, int]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--season", default="2023-24")
    parser.add_argument("--date", default="2024-01-15")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    season, day = Season.parse(args.season), date.fromisoformat(args.date)

    t_date, n_date = best_of(args.repeat, one_date, day)
    t_bulk, (n_bulk, n_timelines) = best_of(args.repeat, season_bulk, season)
    t_loop, n_loop = best_of(max(1, args.repeat // 2), season_per_date, season)

    tracemalloc.start()
    season_bulk(season)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    print(f"archive file: {ArchiveSource().path.stat().st_size / 1e6:.1f} MB")
    print(f"one date ({day}, {n_date} games, timelines + contexts): {t_date * 1000:.1f} ms")
    print(
        f"whole season {season} bulk ({n_bulk} games, {n_timelines} timelines, {n_bulk} contexts): {t_bulk:.3f} s "
        f"= {t_bulk / n_bulk * 1000:.2f} ms per game"
    )
    print(
        f"whole season {season} date by date via Source protocol ({n_loop} games): {t_loop:.3f} s "
        f"= {t_loop / n_loop * 1000:.2f} ms per game; ratio per-date / bulk = {t_loop / t_bulk:.2f}"
    )
    print(f"peak Python heap during the bulk season run: {peak / 1e6:.1f} MB")
    print(f"max resident set size of this process: {rss_kib / 1024:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
