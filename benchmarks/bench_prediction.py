#!/usr/bin/env python
"""Predictions per second for 10,000 real games: one batch call versus one call per game.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_prediction.py [--games 10000] [--repeat 3]

The games are real: the first N games with play-by-play in the offline archive, their features
computed by the features step's vectorised pass.  Two levels are timed, each batch versus one call
per game (the original job's way):

* step: :func:`nba_predictions.steps.prediction.predict_games` on the whole document, versus once
  per single-game document (validation, contributions and classification included);
* model: the bare ``Booster.predict`` on the N x 12 matrix, versus once per one-row matrix.

The best of ``--repeat`` runs is reported for the batch calls; the per-game loop runs once.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import numpy as np
    import xgboost

    from nba_predictions.documents.models import ALL_FEATURES, EngineeredFeatures, FeaturedGame, GameFeatures, Metadata
    from nba_predictions.features.matrix import range_features
    from nba_predictions.model.loader import load_model
    from nba_predictions.sources.archive import ArchiveSource
    from nba_predictions.steps.prediction import predict_games

    source = ArchiveSource()
    first, last = source.coverage()
    table = range_features(source, first, last)
    if len(table) < args.games:
        print(f"the archive has only {len(table)} games with features; use --games {len(table)}", file=sys.stderr)
        return 2
    games = [
        FeaturedGame(game_id=r.game_id, raw_data=r, features=GameFeatures(**dict(zip(ALL_FEATURES, row.tolist()))))
        for r, row in zip(table.records[: args.games], table.matrix[: args.games])
    ]
    stamp = datetime(2024, 1, 1, tzinfo=timezone.utc)
    doc = EngineeredFeatures(metadata=Metadata(step="features", timestamp=stamp, total_games=len(games)), games=games)
    singles = [
        EngineeredFeatures(metadata=Metadata(step="features", timestamp=stamp, total_games=1), games=[g]) for g in games
    ]
    model = load_model()
    matrix = np.array([g.features.vector() for g in games])
    names = list(ALL_FEATURES)

    def best(fn) -> float:
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    step_batch = best(lambda: predict_games(doc, model, 80.0, 60.0))
    t0 = time.perf_counter()
    per_game = [predict_games(s, model, 80.0, 60.0)[0] for s in singles]
    step_single = time.perf_counter() - t0
    assert per_game == predict_games(doc, model, 80.0, 60.0), "batch and per-game predictions differ"

    model_batch = best(lambda: model.booster.predict(xgboost.DMatrix(matrix, feature_names=names)))
    t0 = time.perf_counter()
    for i in range(len(games)):
        model.booster.predict(xgboost.DMatrix(matrix[i : i + 1], feature_names=names))
    model_single = time.perf_counter() - t0

    n = len(games)
    print(
        f"{n:,} real games ({games[0].raw_data.date} to {games[-1].raw_data.date}), model {model.version}, "
        f"xgboost {xgboost.__version__}"
    )
    print(f"{'level':<8}{'batch (one call)':>22}{'one call per game':>22}{'ratio':>10}")
    for level, b, s in (("step", step_batch, step_single), ("model", model_batch, model_single)):
        print(f"{level:<8}{n / b:>16,.0f} /s ({b:5.2f} s){n / s:>13,.0f} /s ({s:5.2f} s){s / b:>9.1f}x")
    print("identical ratings from both ways: yes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
