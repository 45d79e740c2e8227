"""Storing a full season (1,230 games) on SQLite: one run vs one transaction per game.

Usage::

    python benchmarks/bench_storage.py [--dir DIR] [--repeat N]

The games are the real 2023-24 regular season (ids, dates, teams) from the recorded
``leaguegamefinder`` response under tests/fixtures/api; ratings and features are synthetic but
valid (the storage cost does not depend on their values).  Every way starts from an empty
database file under ``--dir`` (default: a temporary folder; put it on the disk you deploy on,
since the per-game ways pay one fsync per commit):

1. ``store_predictions`` once with the whole season: one connection, one transaction.
2. One transaction per game on one connection (same statements, a commit after each game).
3. ``store_predictions`` once per game on a database opened once (what a backfill storing date
   after date through one ``Database`` costs per call).
4. ``store_predictions`` once per game, each on a database opened for it, as the job this
   replaces did: an engine, a schema check and a transaction per game.

Prints the time of each, games per second, and the ratio to way 1; checks every way stored
1,230 games.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from nba_predictions.documents.models import Predictions
from nba_predictions.steps.storage import store_predictions
from nba_predictions.storage import queries
from nba_predictions.storage.database import connect, open_database
from nba_predictions.storage.engine import write_transaction
from nba_predictions.storage.rows import detail_row, game_row, team_rows

GAMEFINDER = (
    Path(__file__).parents[1]
    / "tests"
    / "fixtures"
    / "api"
    / "nba_api"
    / "stats_leaguegamefinder_team_2023-24_regular_season.json.gz"
)


def season_document() -> Predictions:
    """A predictions document for every 2023-24 regular-season game."""
    payload = json.loads(gzip.decompress(GAMEFINDER.read_bytes()))
    result = payload["resultSets"][0]
    headers = result["headers"]
    teams_by_game: dict[str, list[dict]] = {}
    for values in result["rowSet"]:
        row = dict(zip(headers, values))
        teams_by_game.setdefault(row["GAME_ID"], []).append(row)
    predictions = []
    for n, (game_id, pair) in enumerate(sorted(teams_by_game.items())):
        home = next(r for r in pair if " vs. " in r["MATCHUP"])
        away = next(r for r in pair if r is not home)
        margin = abs(home["PTS"] - away["PTS"])
        rating = round(max(0.0, min(100.0, 95 - 2.2 * margin + (n % 7))), 1)
        predictions.append(
            {
                "game_id": game_id,
                "rating": rating,
                "classification": "good" if rating >= 80 else "mediocre" if rating >= 60 else "bad",
                "top_features": [{"feature": "scores_diff", "contribution": round(8 - margin * 0.8, 2)}],
                "features": {
                    "diff_ranks": n % 15,
                    "inter_conference": n % 2,
                    "scores_diff": margin,
                    "position_score": round((n % 11) / 5.5, 3),
                    "competitive_seconds": float(max(0, 2880 - 40 * margin)),
                    "lead_changes": n % 17,
                    "rivalry_score": round((n % 5) * 0.2, 2),
                    "times_tied": n % 9,
                    "overtime_periods": 0,
                    "clutch_seconds": float(n % 300),
                    "largest_lead": margin + n % 10,
                    "comeback_points": n % 12,
                    "second_half_close_seconds": float(max(0, 1440 - 25 * margin)),
                    "decided_seconds": float(0 if margin <= 3 else 30 * margin),
                    "go_ahead_seconds_left": float(n % 2880),
                    "last_lead_change_seconds_left": float(n % 2880),
                    "last_tie_seconds_left": float(n % 2880),
                    "winner_margin_10s_left": margin,
                    "winner_margin_30s_left": margin,
                    "winner_margin_60s_left": margin,
                },
                "raw_data": {
                    "game_id": game_id,
                    "date": home["GAME_DATE"],
                    "home_team_id": home["TEAM_ID"],
                    "away_team_id": away["TEAM_ID"],
                    "home_team_abbreviation": home["TEAM_ABBREVIATION"],
                    "away_team_abbreviation": away["TEAM_ABBREVIATION"],
                    "season_id": home["SEASON_ID"],
                    "home_team_score": home["PTS"],
                    "away_team_score": away["PTS"],
                    "lead_changes": n % 17,
                    "times_tied": n % 9,
                    "game_status": "Final",
                    "attendance": None,
                },
            }
        )
    return Predictions.model_validate(
        {
            "metadata": {
                "step": "prediction",
                "timestamp": datetime.now(timezone.utc).isoformat(),
                "model_version": "bench",
                "total_games": len(predictions),
            },
            "predictions": predictions,
        }
    )


def single(doc: Predictions, i: int) -> Predictions:
    return Predictions.model_construct(
        metadata=doc.metadata.model_copy(update={"total_games": 1}), predictions=[doc.predictions[i]]
    )


def one_run(doc: Predictions, url: str) -> None:
    with open_database(url) as db:
        result = store_predictions(doc, db)
    assert result.saved == len(doc.predictions), result


def transaction_per_game(doc: Predictions, url: str) -> None:
    now = datetime.now(timezone.utc)
    with open_database(url) as db:
        for p in doc.predictions:
            with write_transaction(db.engine) as conn:
                queries.seed_teams(conn, team_rows())
                queries.insert_new_games(conn, [game_row(p, doc.metadata.model_version, doc.metadata.timestamp, now)])
                queries.upsert_details(conn, [detail_row(p)])


def store_per_game_one_database(doc: Predictions, url: str) -> None:
    with open_database(url) as db:
        for i in range(len(doc.predictions)):
            store_predictions(single(doc, i), db)


def store_per_game(doc: Predictions, url: str) -> None:
    for i in range(len(doc.predictions)):
        db = connect(url)
        try:
            store_predictions(single(doc, i), db)
        finally:
            db.close()


WAYS = {
    "one run (1 transaction)": one_run,
    "1 transaction per game": transaction_per_game,
    "per game, database opened once": store_per_game_one_database,
    "per game, opened each time": store_per_game,
}


def count_games(url: str) -> int:
    with open_database(url) as db, db.engine.connect() as conn:
        return queries.count_games(conn)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="folder for the database files (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each way; the best is kept (default 1)")
    args = parser.parse_args()
    doc = season_document()
    root = Path(tempfile.mkdtemp(prefix="bench_storage_", dir=args.dir))
    print(f"2023-24 regular season: {len(doc.predictions)} games; SQLite files in {root}")
    timings: dict[str, float] = {}
    try:
        for name, way in WAYS.items():
            best = float("inf")
            for attempt in range(args.repeat):
                url = f"sqlite:///{root / f'{way.__name__}_{attempt}.db'}"
                with open_database(url):  # creating the schema is not part of the timing
                    pass
                clock = time.perf_counter()
                way(doc, url)
                best = min(best, time.perf_counter() - clock)
                stored = count_games(url)
                if stored != len(doc.predictions):
                    raise SystemExit(f"{name}: stored {stored} games, expected {len(doc.predictions)}")
            timings[name] = best
    finally:
        shutil.rmtree(root, ignore_errors=True)
    base = timings["one run (1 transaction)"]
    print(f"{'way':<32}{'seconds':>10}{'games/s':>12}{'x one run':>12}")
    for name, seconds in timings.items():
        print(f"{name:<32}{seconds:>10.3f}{len(doc.predictions) / seconds:>12.0f}{seconds / base:>12.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
