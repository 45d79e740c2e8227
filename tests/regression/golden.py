"""The golden copy of issue 20: what the pipeline produces, recorded before the redesign.

Everything goes through the command line in fresh processes (no internal API), so the copy stays
comparable whatever the package's insides become: the three documents of 2024-01-15 and the
database rows a full run of that date writes, and the documents and database rows of a season
backfill (2023-24's regular season and playoffs).  Timestamps, durations and file names are
dropped; everything else (every rating, feature, explanation, count and skipped game) is kept.

``python -m tests.regression.golden --write`` records the copy in tests/fixtures/golden/; do that
only for a change that means to alter the output, and say so in its commit.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = ROOT / "tests" / "fixtures" / "golden"
DATE = "2024-01-15"
SEASON = ("2023-10-24", "2024-06-17")

# Keys whose values depend on the clock or on where the files were written.
VOLATILE_KEYS = {
    "timestamp",
    "input_source",
    "created_at",
    "updated_at",
    "predicted_at",
    "started_at",
    "finished_at",
    "duration_seconds",
}


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _run(args: list[str], cwd: Path, exit_code: int = 0) -> None:
    env = {
        **os.environ,
        "NBA_SOURCE": "archive",
        "LOG_LEVEL": "WARNING",
        "NBA_MODEL_CACHE_DIR": str(cwd / "model-cache"),
    }
    for name in ("DATABASE_URL", "NBA_MODEL_PATH"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != exit_code:
        raise AssertionError(f"main.py {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")


def _document(path: Path) -> Any:
    return _scrub(json.loads(path.read_text()))


def _database(path: Path) -> dict[str, list[dict[str, Any]]]:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        out = {}
        for table in ("teams", "games", "game_details", "pipeline_runs"):
            rows = []
            for row in con.execute(f"SELECT * FROM {table}"):
                item = dict(row)
                item.pop("id", None) if table == "pipeline_runs" else None
                for key in ("features", "explanation", "steps", "errors"):
                    if isinstance(item.get(key), str):
                        item[key] = json.loads(item[key])
                rows.append(_scrub(item))
            rows.sort(key=lambda r: json.dumps(r, sort_keys=True))
            out[table] = rows
        return out
    finally:
        con.close()


def produce(work: Path) -> dict[str, Any]:
    """Run today's commands in ``work`` and return what they produced, scrubbed."""
    work.mkdir(parents=True, exist_ok=True)
    day = {}
    _run(["--date", DATE, "--until-step", "collection", "--output", "collected.json"], work)
    _run(["--from-step", "features", "--input", "collected.json", "--output", "features.json"], work)
    _run(["--from-step", "prediction", "--input", "features.json", "--output", "predictions.json"], work)
    _run(
        [
            "--date",
            DATE,
            "--database",
            "sqlite:///day.db",
            "--output",
            "full_predictions.json",
            "--summary-json",
            "summary.json",
        ],
        work,
    )
    for name in ("collected", "features", "predictions", "full_predictions", "summary"):
        day[name] = _document(work / f"{name}.json")
    day["database"] = _database(work / "day.db")

    season = {}
    start, end = SEASON
    # Seven games of the range cannot be rated from the archive (named in the summaries as not
    # rateable): they fail no run, so each exits 0 (issue 25; exit 1 before).
    _run(
        [
            "backfill",
            "--start",
            start,
            "--end",
            end,
            "--until-step",
            "features",
            "--output",
            "season_features.json",
            "--quiet",
            "--summary-json",
            "summary_features.json",
        ],
        work,
    )
    _run(
        [
            "backfill",
            "--from-step",
            "prediction",
            "--input",
            "season_features.json",
            "--output",
            "season_predictions.json",
            "--quiet",
            "--summary-json",
            "summary_prediction.json",
        ],
        work,
    )
    _run(
        [
            "backfill",
            "--start",
            start,
            "--end",
            end,
            "--database",
            "sqlite:///season.db",
            "--quiet",
            "--summary-json",
            "summary_full.json",
        ],
        work,
    )
    for name in ("summary_features", "summary_prediction", "summary_full"):
        season[name] = _document(work / f"{name}.json")
    season["features"] = _document(work / "season_features.json")
    season["predictions"] = _document(work / "season_predictions.json")
    season["database"] = _database(work / "season.db")
    return {"day": day, "season": season}


def golden_files() -> dict[str, Path]:
    return {"day": GOLDEN_DIR / f"day_{DATE}.json.gz", "season": GOLDEN_DIR / "season_2023-24.json.gz"}


def read_golden() -> dict[str, Any]:
    return {key: json.loads(gzip.decompress(path.read_bytes())) for key, path in golden_files().items()}


def write_golden(produced: dict[str, Any]) -> None:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for key, path in golden_files().items():
        data = json.dumps(produced[key], sort_keys=True, indent=0).encode()
        path.write_bytes(gzip.compress(data, mtime=0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record the golden copy")
    parser.add_argument("--work", type=Path, required=True, help="an empty folder to run in")
    args = parser.parse_args()
    produced = produce(args.work)
    if args.write:
        write_golden(produced)


if __name__ == "__main__":
    main()
