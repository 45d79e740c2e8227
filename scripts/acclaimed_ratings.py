"""The acclaimed development set rated by the shipped model, with what was at stake in each game.

    python scripts/acclaimed_ratings.py [--archive PATH]

Prints one line per game of ``model/training/acclaimed_games.csv`` (kind, shipped rating, the
stakes features) and, over every archive game, the shipped model's mean rating by what was at
stake: the figures docs/WORTH_WATCHING.md quotes for the model before a
"worth watching" label.  Reads the archive only; writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from nba_predictions.model.training.acclaimed import load_acclaimed  # noqa: E402

CLASSIC_RATING = 80.0
GROUPS = (
    ("regular season", lambda c: (c["playoff_round"] == 0) & (c["play_in"] == 0) & (c["cup_final"] == 0)),
    ("seeding race (1+ team)", lambda c: c["seed_race_teams"] > 0),
    ("play-in", lambda c: c["play_in"] == 1),
    ("playoffs", lambda c: c["playoff_round"] > 0),
    ("elimination games", lambda c: (c["elimination_game"] == 1) & (c["playoff_round"] > 0)),
    ("Game 7s", lambda c: c["game_seven"] == 1),
    ("Finals", lambda c: c["playoff_round"] == 4),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--archive", type=Path, default=None, help="archive.sqlite (default: the packaged one)")
    args = parser.parse_args(argv)

    import numpy as np

    from nba_predictions.features.history import load_history, stakes_context
    from nba_predictions.features.matrix import range_features
    from nba_predictions.features.stakes import stakes_columns
    from nba_predictions.model.loader import load_model
    from nba_predictions.sources.archive import ArchiveSource

    acclaimed = load_acclaimed()
    with ArchiveSource(args.archive) as source:
        first, last = source.coverage()
        history = load_history(source, first, last)
        table = range_features(source, first, last, history)
    model = load_model()
    values, _ = model.predict(
        model.select(np.asarray(table.matrix, dtype=np.float64), table.columns), model.feature_names
    )
    rating = np.clip(np.asarray(values, dtype=np.float64), 0.0, 100.0)
    stakes = stakes_columns(table.game_ids, [stakes_context(history, r) for r in table.records])
    where = {g: i for i, g in enumerate(table.game_ids)}

    print(f"{'game':<11} {'kind':<11} {'rating':>6}  stakes  description")
    high = 0
    for game in acclaimed:
        i = where[game.game_id]
        high += rating[i] >= CLASSIC_RATING
        flags = [n for n in ("elimination_game", "game_seven", "play_in", "cup_final") if stakes[n][i]]
        stage = f"R{stakes['playoff_round'][i]}G{stakes['series_game'][i]}" if stakes["playoff_round"][i] else "RS"
        print(f"{game.game_id:<11} {game.kind:<11} {rating[i]:6.1f}  {stage:<6}  {game.description} {flags or ''}")
    print(f"\nrated >= {CLASSIC_RATING:g} by the shipped model: {high} of {len(acclaimed)}")
    for kind in ("close", "stakes", "performance"):
        rows = [where[g.game_id] for g in acclaimed if g.kind == kind]
        share = float(np.mean(rating[rows] >= CLASSIC_RATING))
        print(f"  {kind:<11} {len(rows):3d} games, median rating {np.median(rating[rows]):5.1f}, >= 80: {share:.0%}")
    print(f"\nshipped rating by stakes, every archive game with a timeline ({len(table.game_ids):,}):")
    for name, pick in GROUPS:
        rows = pick(stakes)
        if not rows.any():
            print(f"  {name:<24} no games with a timeline")
            continue
        mean, median = rating[rows].mean(), np.median(rating[rows])
        print(f"  {name:<24} {int(rows.sum()):6,d} games, mean {mean:5.1f}, median {median:5.1f}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
