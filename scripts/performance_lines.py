"""Players' lines and the performance features of every game of the raw play-by-play, checked
against the archive's final scores and rated by the shipped model.

    python scripts/performance_lines.py RAW_DIR [--archive PATH]

``RAW_DIR`` holds the season files ``pbp_v2_compact_<season>.csv.gz`` (PlayByPlayV2 rows, the
raw data the archive was built from; see docs/WORTH_WATCHING.md).  For each game: the players'
lines (:func:`~nba_predictions.features.player_lines.lines_from_pbp_v2`), whether each side's
players' points add up to the archive's final score, whether their leading lines
(:func:`~nba_predictions.features.player_lines.leading_lines`) are the archive's ``player_lines``
(format 2 stores them: ``scripts/build_archive.py`` sums them the same way, for every game, those
whose points do not add up included), and the performance features; then how many games have a
50-point scorer, a duel, a triple-double, and the shipped model's ratings of them.  Reads only;
writes nothing.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from nba_predictions.features.performance import (  # noqa: E402
    DUEL_POINTS,
    FIFTY_POINTS,
    TRIPLE_DOUBLE,
    performance_values,
)
from nba_predictions.features.player_lines import leading_lines, lines_from_pbp_v2  # noqa: E402


def season_games(path: Path) -> dict[str, list[dict[str, str]]]:
    """One season file's rows, by game id (10 digits), in file order."""
    games: dict[str, list[dict[str, str]]] = defaultdict(list)
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            games[row["GAME_ID"].zfill(10)].append(row)
    return games


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("raw_dir", type=Path, help="folder of pbp_v2_compact_<season>.csv.gz files")
    parser.add_argument("--archive", type=Path, default=None, help="archive.sqlite (default: the packaged one)")
    args = parser.parse_args(argv)
    files = sorted(args.raw_dir.glob("pbp_v2_compact_*.csv.gz"))
    if not files:
        message = f"error: no pbp_v2_compact_<season>.csv.gz in {args.raw_dir}: give the raw play-by-play folder"
        print(message, file=sys.stderr)
        return 2

    import numpy as np

    from nba_predictions.features.matrix import range_features
    from nba_predictions.model.loader import load_model
    from nba_predictions.sources.archive import ArchiveSource

    with ArchiveSource(args.archive) as source:
        table = range_features(source, *source.coverage())
    finals = {r.game_id: (r.home_team_score, r.away_team_score) for r in table.records}
    stored = {g: t.player_lines for g, t in zip(table.game_ids, table.timelines)}
    model = load_model()
    values, _ = model.predict(
        model.select(np.asarray(table.matrix, dtype=np.float64), table.columns), model.feature_names
    )
    rating = dict(zip(table.game_ids, np.clip(np.asarray(values, dtype=np.float64), 0.0, 100.0).tolist()))

    started = time.perf_counter()
    features: dict[str, dict[str, int]] = {}
    matched = mismatched = same_as_archive = 0
    for path in files:
        for game_id, rows in season_games(path).items():
            lines = lines_from_pbp_v2(rows)
            if game_id not in finals:
                continue
            same_as_archive += leading_lines(lines.values()) == stored[game_id]
            home = sum(line.points for line in lines.values() if line.side == "home")
            away = sum(line.points for line in lines.values() if line.side == "away")
            if (home, away) == finals[game_id]:
                matched += 1
                features[game_id] = performance_values(lines.values())
            else:
                mismatched += 1
    print(f"{len(files)} season files in {time.perf_counter() - started:.0f} s")
    print(f"games in the archive with a timeline: players' points add up to the final score in {matched:,}, ")
    print(f"  not in {mismatched:,} (those get no features here)")
    print(f"  their leading lines are the archive's player_lines in {same_as_archive:,} of {matched + mismatched:,}")

    rated = np.array([rating[g] for g in features])
    median = float(np.median(rated))
    print(f"shipped rating of all {len(features):,} games: median {median:.1f}")
    groups = (
        (f"a {FIFTY_POINTS}-point scorer", lambda v: v["top_points"] >= FIFTY_POINTS),
        (f"a duel (both top scorers >= {DUEL_POINTS})", lambda v: v["duel_points"] >= DUEL_POINTS),
        ("a triple-double (points, rebounds, assists)", lambda v: v["all_round"] >= TRIPLE_DOUBLE),
        ("none of these", lambda v: v["top_points"] < FIFTY_POINTS and v["all_round"] < TRIPLE_DOUBLE),
    )
    for name, pick in groups:
        chosen = np.array([rating[g] for g, v in features.items() if pick(v)])
        if chosen.size:
            print(
                f"  {name:<44} {chosen.size:6,d} games, median rating {np.median(chosen):5.1f}, "
                f"<= 20: {np.mean(chosen <= 20):.0%}"
            )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
