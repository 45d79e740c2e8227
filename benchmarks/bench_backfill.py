#!/usr/bin/env python
"""Backfill speed and memory against its own data's floor, and a one-date run's wall time.

Usage::

    python benchmarks/bench_backfill.py [--repeat 3] [--dir DIR] [--skip-archive] [--baseline DIR]

Measures, side by side in one run (each figure the best of ``--repeat`` runs, the median in
brackets), every command as a user runs it, in a fresh process (process start and imports
included) on a fresh SQLite database under ``--dir`` (default: a temporary folder):

1. the whole archive (2013-10-29 to 2025-12-07): ``nba-predictions backfill --source archive``;
2. its floor, in a fresh process too, timing only the work: one query for the range's rows,
   the vectorised features pass (numpy decode, timeline features, standings and head-to-head,
   the matrix), one batch prediction (values and XGBoost's exact contributions, as the backfill
   computes them) and one ``executemany`` of the rows into a fresh SQLite file with sqlite3: no
   input rules, no per-date bookkeeping, no SQLAlchemy;
3. one season (2023-10-24 to 2024-06-17) as in 1, and again with an empty ``NBA_MODEL_CACHE_DIR``
   (a model's first run: its contribution tables built, not read from the cache; 1 and 2 read it);
4. the peak memory (maximum resident set size) of run 1;
5. a one-date full pipeline run (``nba-predictions --date 2024-01-15``) into an existing database
   (the daily job) and into a new one, and the import time of each step's modules on its own;
6. what that one-date run imports, from ``python -X importtime`` (total and the heaviest
   top-level modules; numpy, scipy and the xgboost package must not be among them);
7. with ``--baseline DIR`` (a checkout of an earlier commit, e.g. ``git worktree add /tmp/base
   ad9f5d1``), the whole archive, the season and the one-date run of that checkout too,
   interleaved with this one's, and this checkout's time as a ratio of the baseline's: whether a
   change slowed the backfill, measured side by side under the same load.

Prints games/s and the ratios the done-when of issue 12 names.  The machine's load is printed
too: on a shared machine, compare ratios from one run, not absolute figures across runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARCHIVE = ("2013-10-29", "2025-12-07")
SEASON = ("2023-10-24", "2024-06-17")
DAY = "2024-01-15"
STEP_IMPORTS = {
    "collection": "import nba_predictions.cli, nba_predictions.runs.pipeline, nba_predictions.steps.collection, "
    "nba_predictions.sources.archive, nba_predictions.features.history",
    "features": "import nba_predictions.cli, nba_predictions.runs.pipeline, nba_predictions.steps.features",
    "prediction": "import nba_predictions.cli, nba_predictions.runs.pipeline, nba_predictions.steps.prediction, "
    "nba_predictions.model.loader, nba_predictions.model.native",
    "storage": "import nba_predictions.cli, nba_predictions.runs.pipeline, nba_predictions.steps.storage",
}

FLOOR = r"""
import sqlite3, sys, time, json
from datetime import date
from pathlib import Path
started = time.perf_counter()
import numpy as np
from nba_predictions.features.history import load_history
from nba_predictions.model.loader import load_model
from nba_predictions.documents.models import ALL_FEATURES
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.sources.archive_rows import decode_event_arrays
from nba_predictions.features.events import EventArrays
from nba_predictions.features.matrix import feature_matrix, feature_values
from nba_predictions.features.timeline import timeline_columns
from nba_predictions.steps.prediction import rate_matrix
imported = time.perf_counter()
first, last, path = date.fromisoformat(sys.argv[1]), date.fromisoformat(sys.argv[2]), sys.argv[3]
archive = ArchiveSource()
model = load_model(tables_dir=Path('data/cache/model'))  # the backfill's cache (warm after its first run)
rows = [row for batch in archive.range_rows(first, last, batch=100000) for row in batch if row.has_timeline]
times, home, away, counts = decode_event_arrays([row.events for row in rows])
events = EventArrays.from_events(times, home, away, counts, np.array([row.periods for row in rows]))
columns = timeline_columns(events)
records = [row.record(int(lc), int(tt)) for row, lc, tt in zip(rows, columns["lead_changes"], columns["times_tied"])]
history = load_history(archive, first, last)
contexts = [history.context(r) for r in records]
matrix = feature_matrix(records, contexts, columns)
ratings = rate_matrix(matrix, model, 80.0, 60.0)
con = sqlite3.connect(path)
con.execute("CREATE TABLE games (id TEXT PRIMARY KEY, date TEXT, home_team_id TEXT, away_team_id TEXT, "
            "prediction_rating REAL, classification TEXT)")
con.execute("CREATE TABLE game_details (game_id TEXT PRIMARY KEY, features TEXT, explanation TEXT)")
with con:
    con.executemany("INSERT INTO games VALUES (?, ?, ?, ?, ?, ?)",
                    [(r.game_id, r.date.isoformat(), str(r.home_team_id), str(r.away_team_id), ratings.ratings[i],
                      ratings.classifications[i]) for i, r in enumerate(records)])
    con.executemany("INSERT INTO game_details VALUES (?, ?, ?)",
                    [(r.game_id, json.dumps(feature_values(matrix[i])),
                      json.dumps([{"feature": f, "contribution": c} for f, c in ratings.top_features[i]]))
                     for i, r in enumerate(records)])
done = time.perf_counter()
print(len(records), imported - started, done - imported)
"""


def run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, subprocess.CompletedProcess]:
    """(wall seconds, peak RSS in KB, result) of one process."""
    clock = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - clock
    process.returncode = os.waitstatus_to_exitcode(status)
    out, err = process.stdout.read(), process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    return wall, int(usage.ru_maxrss), subprocess.CompletedProcess(command, process.returncode, out, err)


def games_in(stderr: str) -> int:
    for line in stderr.splitlines():
        if line.strip().startswith("games       :"):
            return int(line.split("saved ")[1].split(",")[0])
    raise SystemExit(f"no summary in the output:\n{stderr[-2000:]}")


def backfill(folder: Path, env: dict[str, str], first: str, last: str, label: str) -> tuple[float, int, int]:
    db = folder / f"{label}.db"
    db.unlink(missing_ok=True)
    wall, rss, result = run(
        [
            sys.executable,
            "-m",
            "nba_predictions",
            "backfill",
            "--start",
            first,
            "--end",
            last,
            "--source",
            "archive",
            "--database",
            f"sqlite:///{db}",
        ],
        folder,
        env,
    )
    if result.returncode not in (0, 1):
        raise SystemExit(f"backfill failed:\n{result.stderr[-2000:]}")
    return wall, rss, games_in(result.stderr)


def floor(folder: Path, env: dict[str, str], first: str, last: str) -> tuple[float, float, int]:
    db = folder / "floor.db"
    db.unlink(missing_ok=True)
    _, _, result = run([sys.executable, "-c", FLOOR, first, last, str(db)], folder, env)
    if result.returncode != 0:
        raise SystemExit(f"floor failed:\n{result.stderr[-2000:]}")
    games, imports, work = result.stdout.split()
    return float(work), float(imports), int(games)


def import_times(folder: Path, env: dict[str, str], database: Path) -> tuple[float, list[tuple[float, str]], set[str]]:
    """``python -X importtime`` of a one-date run: (total seconds of the top-level imports, the
    heaviest top-level modules as (seconds, name), which of numpy/scipy/xgboost were imported)."""
    _, _, result = run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "nba_predictions",
            "--date",
            DAY,
            "--database",
            f"sqlite:///{database}",
            "--quiet",
            "--force",
        ],
        folder,
        env,
    )
    if result.returncode != 0:
        raise SystemExit(f"one-date run failed:\n{result.stderr[-2000:]}")
    top: list[tuple[float, str]] = []
    heavy: set[str] = set()
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if name.strip().split(".")[0] in ("numpy", "scipy", "xgboost"):
            heavy.add(name.strip().split(".")[0])
        if not name.startswith("  "):  # one space after the bar: imported by no other module
            top.append((int(cumulative) / 1e6, name.strip()))
    return sum(t for t, _ in top), sorted(top, reverse=True)[:6], heavy


def one_date(folder: Path, env: dict[str, str]) -> float:
    """A one-date run into an existing database (made by the first call), as the daily job."""
    existing = folder / "daily.db"
    if not existing.exists():
        run([sys.executable, "-m", "nba_predictions", "--date", "2024-01-14", "--database", f"sqlite:///{existing}"],
            folder, env)  # fmt: skip
    command = [sys.executable, "-m", "nba_predictions", "--date", DAY, "--database", f"sqlite:///{existing}"]
    wall, _, result = run([*command, "--quiet", "--force"], folder, env)
    assert result.returncode == 0, result.stderr
    return wall


def compare(
    figures: dict[str, list[float]],
    baseline_dir: Path,
    baseline_env: dict[str, str],
    folder: Path,
    env: dict[str, str],
    *,
    skip_archive: bool,
) -> None:
    """One run of each compared command from the baseline checkout, then from this one, in turn."""
    ranges = {"season": SEASON} if skip_archive else {"archive": ARCHIVE, "season": SEASON}
    for name, (first, last) in ranges.items():
        figures.setdefault(f"baseline: {name}", []).append(backfill(baseline_dir, baseline_env, first, last, name)[0])
        figures.setdefault(f"compared: {name}", []).append(backfill(folder, env, first, last, f"{name}-again")[0])
    figures.setdefault("baseline: one date", []).append(one_date(baseline_dir, baseline_env))
    figures.setdefault("compared: one date", []).append(one_date(folder, env))


def print_comparison(figures: dict[str, list[float]], baseline: Path) -> None:
    print(f"\nthis checkout against the baseline {baseline} (interleaved runs; ratio of the best times):")
    for name in ("archive", "season", "one date"):
        if f"baseline: {name}" in figures:
            new, old = min(figures[f"compared: {name}"]), min(figures[f"baseline: {name}"])
            print(f"  {name:10} {best(figures[f'compared: {name}'])} vs {best(figures[f'baseline: {name}'])}: "
                  f"{new / old:.2f}x")  # fmt: skip


def best(values: list[float]) -> str:
    return f"{min(values):7.2f} s [{statistics.median(values):.2f}]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--dir", type=Path, default=None, help="where the databases go (default: a temporary folder)")
    parser.add_argument("--skip-archive", action="store_true", help="leave out the whole-archive runs (1, 2, 4)")
    parser.add_argument(
        "--baseline", type=Path, default=None, help="a checkout of an earlier commit to compare with, side by side"
    )
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")  # this checkout, not an installed copy
    baseline_env, baseline_dir = None, folder / "baseline"
    if args.baseline is not None:
        baseline_env = {**env, "PYTHONPATH": str(args.baseline.resolve() / "src")}
        baseline_dir.mkdir(exist_ok=True)  # its own data/cache/model: the baseline's tables may differ
    print(
        f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs; "
        f"best of {args.repeat} [median]"
    )

    figures: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    peak = 0
    for _ in range(args.repeat):
        if not args.skip_archive:
            wall, rss, games = backfill(folder, env, *ARCHIVE, "archive")
            figures.setdefault("archive", []).append(wall)
            counts["archive"] = games
            peak = max(peak, rss)
            work, imports, games = floor(folder, env, *ARCHIVE)
            figures.setdefault("floor", []).append(work)
            figures.setdefault("floor imports", []).append(imports)
            counts["floor"] = games
        wall, _, games = backfill(folder, env, *SEASON, "season")
        figures.setdefault("season", []).append(wall)
        counts["season"] = games
        cold = {**env, "NBA_MODEL_CACHE_DIR": tempfile.mkdtemp(prefix="tables-", dir=folder)}
        wall, _, games = backfill(folder, cold, *SEASON, "season-cold")
        figures.setdefault("season, no tables cache", []).append(wall)
        counts["season, no tables cache"] = games
        existing = folder / "daily.db"
        if not existing.exists():
            run(
                [
                    sys.executable,
                    "-m",
                    "nba_predictions",
                    "--date",
                    "2024-01-14",
                    "--database",
                    f"sqlite:///{existing}",
                    "--quiet",
                ],
                folder,
                env,
            )
        wall, _, result = run(
            [
                sys.executable,
                "-m",
                "nba_predictions",
                "--date",
                DAY,
                "--database",
                f"sqlite:///{existing}",
                "--quiet",
                "--force",
            ],
            folder,
            env,
        )
        assert result.returncode == 0, result.stderr
        figures.setdefault("one date", []).append(wall)
        fresh = folder / "fresh.db"
        fresh.unlink(missing_ok=True)
        wall, _, result = run(
            [sys.executable, "-m", "nba_predictions", "--date", DAY, "--database", f"sqlite:///{fresh}", "--quiet"],
            folder,
            env,
        )
        assert result.returncode == 0, result.stderr
        figures.setdefault("one date, new database", []).append(wall)
        for step, code in STEP_IMPORTS.items():
            wall, _, _ = run([sys.executable, "-c", code], folder, env)
            figures.setdefault(f"imports: {step}", []).append(wall)
        wall, _, _ = run([sys.executable, "-c", "pass"], folder, env)
        figures.setdefault("python start", []).append(wall)
        total, heaviest, heavy = import_times(folder, env, existing)
        figures.setdefault("one date: imports (-X importtime)", []).append(total)
        if baseline_env is not None:
            compare(figures, baseline_dir, baseline_env, folder, env, skip_archive=args.skip_archive)

    print(f"\n{'measurement':44} {'seconds':>18} {'games':>7} {'games/s':>9}")
    for name, label in (
        ("archive", "whole archive backfill (end to end)"),
        ("floor", "whole archive floor (work only)"),
        ("season", "one season backfill (end to end)"),
        ("season, no tables cache", "  the same, first run of a model (no cache)"),
    ):
        if name in figures:
            print(f"{label:44} {best(figures[name]):>18} {counts[name]:7d} {counts[name] / min(figures[name]):9.0f}")
    for name in (
        "one date",
        "one date, new database",
        "python start",
        "one date: imports (-X importtime)",
        *(f"imports: {step}" for step in STEP_IMPORTS),
    ):
        print(f"{name:44} {best(figures[name]):>18}")
    if "archive" in figures:
        print(f"{'floor imports (not in the floor figure)':44} {best(figures['floor imports']):>18}")
        ratio = min(figures["archive"]) / min(figures["floor"])
        print(
            f"\nwhole archive: {counts['archive'] / min(figures['archive']):,.0f} games/s end to end "
            f"(goal >= 1,000); {ratio:.2f}x the floor's time (goal <= 2x); the floor "
            f"{counts['floor'] / min(figures['floor']):,.0f} games/s"
        )
        print(f"peak memory of the whole-archive backfill: {peak / 1024:.0f} MB (goal < 400 MB)")
    print(
        f"one season: {counts['season'] / min(figures['season']):,.0f} games/s end to end (goal >= 500); "
        f"{counts['season'] / min(figures['season, no tables cache']):,.0f} games/s on a model's first run, "
        "before its contribution tables are cached"
    )
    print(
        f"one date, full pipeline: {min(figures['one date']):.2f} s wall into an existing database "
        f"(goal <= 1.0 s), {min(figures['one date, new database']):.2f} s into a new one"
    )
    print(
        f"one date's heaviest top-level imports (last run): "
        f"{', '.join(f'{name} {seconds * 1000:.0f} ms' for seconds, name in heaviest)}; "
        f"numpy/scipy/xgboost imported: {', '.join(sorted(heavy)) or 'none'}"
    )
    if args.baseline is not None:
        print_comparison(figures, args.baseline)
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
