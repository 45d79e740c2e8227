"""The training run's worth-watching label (issue 23) tried before the features are model inputs: nothing is written.

    python scripts/worth_watching_experiment.py [--raw RAW_DIR] [--cache FILE] [--seed N]

Until the stakes and performance features are columns of the training data's feature matrix, the
training run trains on the Excitement Index label alone.  This script computes those columns the
way the features package does (the stakes from the archive's results, the performance features
from the raw play-by-play) and runs the training run's own label code on them
(:mod:`nba_predictions.model.training.worth`, :mod:`~nba_predictions.model.training.worth_fit`): the
weights chosen on the validation seasons against the acclaimed games of the training seasons, an
XGBoost model with the shipped settings trained on the shipped features plus the twelve new ones,
the held-out seasons scored once; then every goal (the existing bias goals and the issue's Done-when),
before (a model of the EI label on the shipped features) and after.  ``--raw`` names the folder of
``pbp_v2_compact_<season>.csv.gz`` files (performance features for 2013-14 to 2024-25; a game without
player lines has them 0); ``--cache`` a JSON file of the per-game performance values, written after
the first read of ``--raw`` (minutes) and read instead of it afterwards.  docs/WORTH_WATCHING.md
quotes a run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

CHOSEN_LABEL = "possession+rate+pace"  # the shipped model's label candidate (model_meta.json)


def performance_values_by_game(raw: Path | None, cache: Path | None, records: dict) -> dict[str, dict[str, int]]:  # type: ignore[type-arg]
    """Each game's performance features from the raw play-by-play (only games whose players' points add
    up to the archive's final score), read from ``cache`` when it exists and written to it otherwise."""
    from nba_predictions.features.performance import lines_from_pbp_v2, performance_values

    if cache is not None and cache.is_file():
        return json.loads(cache.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    found: dict[str, dict[str, int]] = {}
    if raw is not None:
        from performance_lines import season_games

        for path in sorted(raw.glob("pbp_v2_compact_*.csv.gz")):
            for game_id, rows in season_games(path).items():
                if game_id in records:
                    lines = lines_from_pbp_v2(rows)
                    home = sum(x.points for x in lines.values() if x.side == "home")
                    away = sum(x.points for x in lines.values() if x.side == "away")
                    if (home, away) == (records[game_id].home_team_score, records[game_id].away_team_score):
                        found[game_id] = performance_values(lines.values())
        if cache is not None:
            cache.write_text(json.dumps(found, sort_keys=True), encoding="utf-8")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--raw", type=Path, default=None, help="folder of pbp_v2_compact_<season>.csv.gz files")
    parser.add_argument("--cache", type=Path, default=None, help="JSON file of per-game performance values")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    import numpy as np

    from nba_predictions.core.season import Season
    from nba_predictions.documents.models import ALL_FEATURES
    from nba_predictions.features.history import load_history, stakes_context
    from nba_predictions.features.matrix import range_features
    from nba_predictions.features.spec import FIFTY_POINTS, PERFORMANCE_NAMES
    from nba_predictions.features.stakes import STAKES_NAMES, stakes_columns
    from nba_predictions.model.training import bias
    from nba_predictions.model.training import regressor as rg
    from nba_predictions.model.training import selection as sel
    from nba_predictions.model.training import worth_fit as wf
    from nba_predictions.model.training.data import load_training_data, split_seasons, split_validation
    from nba_predictions.sources.archive import ArchiveSource

    with ArchiveSource() as source:
        data = load_training_data(source)
        first, last = source.coverage()
        history = load_history(source, first, last)
        table = range_features(source, first, last, history)
        last_result = Season.of_date(source.results_coverage()[1])
    records = {r.game_id: r for r in table.records}
    train_seasons, test_seasons = split_seasons(sorted(set(data.seasons)), last_result)
    _, val_seasons = split_validation(train_seasons)
    tr, te, val = data.rows(train_seasons), data.rows(test_seasons), data.rows(val_seasons)
    season_text = data.season_text
    test_text = [str(s) for s in test_seasons]
    cache = sel.FitCache(data)
    candidate = next(c for c in sel.CANDIDATES if c.name == CHOSEN_LABEL)
    ei_label = sel.fit_label(candidate, tr, cache).label

    stakes = stakes_columns(data.game_ids, [stakes_context(history, records[g]) for g in data.game_ids])
    found = performance_values_by_game(args.raw, args.cache, records)
    print(f"performance features for {len(found):,} of {len(data.game_ids):,} games (the others 0)")
    columns = {n: np.asarray(stakes[n], dtype=float) for n in STAKES_NAMES}
    columns |= {
        n: np.array([found.get(g, {}).get(n, 0) for g in data.game_ids], dtype=float) for n in PERFORMANCE_NAMES
    }

    worth = wf.fit_worth_label(ei_label, columns, data.game_ids, tr, val)
    c = worth.choice
    print(f"chosen on the validation seasons {[str(s) for s in val_seasons]}: {c.weights.to_dict()}")
    print(
        f"  {c.acclaimed_share:.0%} of the {c.acclaimed_games} acclaimed training games labelled >= 85; Spearman "
        f"with the EI label on validation {c.ei_spearman:.4f}; {c.eligible_points} of {c.grid_points} grid points"
    )
    names = [*ALL_FEATURES, *STAKES_NAMES, *PERFORMANCE_NAMES]
    x = np.column_stack([data.features, *(columns[n] for n in (*STAKES_NAMES, *PERFORMANCE_NAMES))])
    hyper = rg.HyperParameters(max_depth=4, eta=0.05, rounds=1000)  # the shipped model's settings
    booster = rg.train(x[tr], worth.label[tr], names, hyper, args.seed)
    pred = rg.predict(booster, x, names)
    before = rg.predict(
        rg.train(data.features[tr], ei_label[tr], ALL_FEATURES, hyper, args.seed), data.features, ALL_FEATURES
    )

    details, after_goals, before_goals = wf.worth_details(
        worth,
        predict=lambda m: rg.predict(booster, m, names),
        x=x,
        names=names,
        ratings=(pred, before),
        labels=(worth.label, ei_label),
        ei_label=ei_label,
        game_ids=data.game_ids,
        season_text=season_text,
        rows=(tr, te),
        test_seasons=test_text,
    )
    games = bias.Games(
        data.features,
        data.total_points,
        season_text,
        data.game_ids,
        columns["top_points"] >= FIFTY_POINTS,
        f"a {FIFTY_POINTS}-point scorer",
    )
    goals = {}
    for which, rating, label in (("after", pred, worth.label), ("before", before, ei_label)):
        figures = {
            "all": bias.bias_figures(label, rating, games, np.ones(len(label), dtype=bool)),
            "unseen": bias.bias_figures(label, rating, games, ~tr),
            "ratings": bias.rating_figures(label, rating, games),
            "held_out": {
                s: {
                    "spearman": rg.spearman(rating[season_text == s], label[season_text == s]),
                    "mae": rg.mae(rating[season_text == s], label[season_text == s]),
                    "old_label_spearman": rg.spearman(rating[season_text == s], ei_label[season_text == s]),
                }
                for s in test_text
            },
        }
        goals[which] = bias.goal_checks(figures)
    goals["after"] += after_goals
    goals["before"] += before_goals
    print("goals (the 'old label' here is the EI label; before = a model of the EI label on the shipped features):")
    for a, b in zip(goals["after"], goals["before"]):
        print(f"  [{'met' if a['met'] else 'NOT MET'}] {a['goal']}: {a['figure']} (before: {b['figure']})")
    later = sorted({s for s in season_text.tolist() if s > max(test_text)})
    for s in later:
        r = season_text == s
        print(
            f"{s} (never used): Spearman {rg.spearman(pred[r], worth.label[r]):.3f} / MAE "
            f"{rg.mae(pred[r], worth.label[r]):.2f} against the worth label; {rg.spearman(pred[r], ei_label[r]):.3f} "
            "against the EI label"
        )
    mv = details["moves"]
    print(f"the median held-out game ({mv['game_id']}, rated {mv['rating']:.1f}) made:")
    for m in mv["moves"]:
        print(f"  {m['scenario']:<42} {m['move']:+.1f}")
    print("acclaimed games rated below 80:")
    for g in details["acclaimed"]:
        if g["rating"] < 80:
            print(
                f"  {g['game_id']} ({g['where']}) EI label {g['ei_label']:.1f}, label {g['label']:.1f}, rating "
                f"{g['rating']:.1f}: {g['description']}"
            )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
