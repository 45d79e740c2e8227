"""End to end on the offline archive, through the real command line, as the README shows it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DAY = "2024-01-15"  # 11 completed games in the archive


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> dict[str, Path | subprocess.CompletedProcess]:
    """The spec's step-by-step chain and the full run for the same date, each in its own folder."""
    root = tmp_path_factory.mktemp("chain")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    main = str(Path(__file__).resolve().parents[2] / "main.py")

    def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
        cwd.mkdir(exist_ok=True)
        e = {**env, "DATABASE_URL": f"sqlite:///{cwd / 'ratings.db'}"}
        return subprocess.run(
            [sys.executable, main, *args], cwd=cwd, env=e, capture_output=True, text=True, timeout=600
        )

    steps = root / "steps"
    results = {
        "collect": run(steps, "--date", DAY, "--until-step", "collection", "--output", "collected_games.json"),
        "features": run(
            steps, "--from-step", "features", "--input", "collected_games.json", "--output", "engineered_features.json"
        ),
        "predict": run(
            steps, "--from-step", "prediction", "--input", "engineered_features.json", "--output", "predictions.json"
        ),
        "store": run(steps, "--from-step", "storage", "--input", "predictions.json"),
        "full": run(root / "full", "--date", DAY, "--output", "predictions.json"),
    }
    return {"root": root, "steps": steps, "full_dir": root / "full", **results}


def test_each_step_succeeds_and_reports(chain):
    for name in ("collect", "features", "predict", "store", "full"):
        result = chain[name]
        assert result.returncode == 0, f"{name}: {result.stderr}"
        assert "run summary" in result.stderr
        assert result.stdout == ""


def test_collection_lists_the_eleven_games(chain):
    doc = _load(chain["steps"] / "collected_games.json")
    meta = doc["metadata"]
    assert (meta["step"], meta["target_date"], meta["total_games"], meta["source"]) == (
        "collection",
        DAY,
        11,
        "archive",
    )
    assert meta["schema_version"] == "1.0"
    assert len(doc["games"]) == 11
    for game in doc["games"]:
        assert isinstance(game["game_id"], str) and game["game_id"].startswith("00223")
        assert game["date"] == DAY and game["game_status"] == "Final" and game["season_id"] == "22023"
        assert game["score_timeline"]["events"][-1][1:] == [game["home_team_score"], game["away_team_score"]]
    assert "games       : found 11, processed 11, saved 0, skipped 0, failed 0" in chain["collect"].stderr


def test_features_and_predictions_follow_the_spec(chain):
    features = _load(chain["steps"] / "engineered_features.json")
    assert features["metadata"]["input_source"] == "collected_games.json"
    game = features["games"][0]
    assert set(game) == {"game_id", "raw_data", "features"}
    assert {
        "diff_ranks",
        "inter_conference",
        "scores_diff",
        "position_score",
        "competitive_seconds",
        "lead_changes",
        "rivalry_score",
    } <= set(game["features"])
    assert "score_timeline" not in game["raw_data"]
    predictions = _load(chain["steps"] / "predictions.json")
    assert predictions["metadata"]["model_version"]
    assert predictions["metadata"]["total_games"] == 11
    for p in predictions["predictions"]:
        assert 0 <= p["rating"] <= 100 and round(p["rating"], 2) == p["rating"]
        assert p["classification"] in {"good", "mediocre", "bad"}


def test_step_by_step_reproduces_the_full_run(chain):
    steps = _load(chain["steps"] / "predictions.json")["predictions"]
    full = _load(chain["full_dir"] / "predictions.json")["predictions"]
    assert [(p["game_id"], p["raw_data"], p["features"], p["rating"]) for p in steps] == [
        (p["game_id"], p["raw_data"], p["features"], p["rating"]) for p in full
    ]


def test_storage_saved_all_and_a_rerun_skips(chain, run_cli):
    assert "saved 11, skipped 0, failed 0" in chain["store"].stderr
    again = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve().parents[2] / "main.py"),
            "--from-step",
            "storage",
            "--input",
            "predictions.json",
        ],
        cwd=chain["steps"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{chain['steps'] / 'ratings.db'}"},
    )
    assert again.returncode == 0, again.stderr
    assert "saved 0, skipped 11, failed 0" in again.stderr


def test_output_dash_writes_json_to_stdout_and_logs_to_stderr(run_cli):
    result = run_cli("--date", DAY, "--until-step", "features", "--output", "-")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["metadata"]["step"] == "features" and len(doc["games"]) == 11
    assert "run summary" in result.stderr


def test_three_entry_points_behave_identically(run_cli):
    bin_dir = Path(sys.executable).parent
    outputs = []
    for entry in (
        [sys.executable, str(Path(__file__).resolve().parents[2] / "main.py")],
        [sys.executable, "-m", "nba_predictions"],
        [str(bin_dir / "nba-predictions")],
    ):
        result = run_cli("--date", DAY, "--until-step", "collection", "--output", "-", "--quiet", entry=entry)
        assert result.returncode == 0, result.stderr
        doc = json.loads(result.stdout)
        del doc["metadata"]["timestamp"]
        outputs.append(doc)
    assert outputs[0] == outputs[1] == outputs[2]


def _modules_loaded_by(args: list[str], cwd: Path) -> tuple[int, set[str]]:
    """Run the CLI with ``args`` in a fresh interpreter; its exit code and top-level modules loaded."""
    probe = (
        "import sys, json\n"
        "from nba_predictions.cli import main\n"
        f"rc = main({args!r})\n"
        "print(json.dumps([rc, sorted({m.split('.')[0] for m in sys.modules})]))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rc, modules = json.loads(result.stdout.strip().splitlines()[-1])
    return rc, set(modules)


@pytest.mark.parametrize("until", ["collection", "features"])
def test_collection_and_features_import_neither_xgboost_nor_sqlalchemy(tmp_path, until):
    rc, modules = _modules_loaded_by(["--date", DAY, "--until-step", until, "--output", "c.json", "--quiet"], tmp_path)
    assert rc == 0
    heavy = modules & {"xgboost", "sqlalchemy", "numpy", "pandas", "scipy"}
    assert not heavy, f"--until-step {until} imported {sorted(heavy)}"
    assert json.loads((tmp_path / "c.json").read_text())["metadata"]["total_games"] == 11


def test_prediction_step_imports_no_database_or_network_stack(tmp_path, chain):
    features = str(chain["steps"] / "engineered_features.json")
    rc, modules = _modules_loaded_by(
        ["--from-step", "prediction", "--input", features, "--output", "p.json", "--quiet"], tmp_path
    )
    assert rc == 0
    assert not modules & {"sqlalchemy", "nba_api", "requests"}


def test_date_outside_the_archive_names_the_range(run_cli):
    result = run_cli("--date", "1990-01-15", "--source", "archive", "--until-step", "collection", "--output", "c.json")
    assert result.returncode == 1
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("nba-predictions: error:")]
    assert len(lines) == 1 and "--source nba_api" in lines[0]


def test_day_without_games_is_a_success(run_cli, tmp_path):
    # 2024-02-16: All-Star break (no NBA games between 2024-02-15 and 2024-02-21).
    result = run_cli("--date", "2024-02-16", "--until-step", "collection", "--output", "c.json")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "c.json").read_text())["metadata"]["total_games"] == 0


def test_validate_reports_every_check(run_cli):
    result = run_cli("--validate", "--date", DAY)
    assert result.returncode == 0, result.stdout + result.stderr
    for check in ("configuration", "model", "database", "data source"):
        assert f"[ok]   {check}" in result.stdout


def test_validate_fails_on_a_corrupt_model(run_cli, tmp_path):
    bad = tmp_path / "model.json"
    bad.write_text("{ not a model")
    result = run_cli("--validate", "--date", DAY, "--model", str(bad))
    assert result.returncode == 1
    assert "[FAIL] model" in result.stdout


def test_live_source_through_the_fake_server_matches_the_archive(run_cli, tmp_path, scores_only_archive):
    """`--source nba_api` over real HTTP to a local fake stats server (responses of the real
    endpoints' shape, built from the archive's score events) gives the archive's games and features
    (the archive's without player lines, which the built feeds do not carry)."""
    from nba_predictions.sources.archive import ArchiveSource
    from tests.fakeserver.server import FakeStatsServer

    archive = run_cli(
        "--date",
        DAY,
        "--source",
        "archive",
        "--until-step",
        "features",
        "--output",
        "archive.json",
        env={"NBA_BUNDLED_ARCHIVE": str(scores_only_archive)},
    )
    assert archive.returncode == 0, archive.stderr
    with FakeStatsServer(ArchiveSource()) as server:
        live = run_cli(
            "--date",
            DAY,
            "--source",
            "nba_api",
            "--until-step",
            "features",
            "--output",
            "live.json",
            env={
                "NBA_API_STATS_URL": server.stats_url,
                "NBA_API_CDN_URL": server.cdn_url,
                "NBA_API_MIN_INTERVAL": "0",
                "NBA_API_CACHE_DIR": str(tmp_path / "cache"),
            },
        )
    assert live.returncode == 0, live.stderr
    a, b = _load(tmp_path / "archive.json"), _load(tmp_path / "live.json")
    assert b["metadata"]["source"] == "nba_api"
    strip = lambda g: {**g, "raw_data": {**g["raw_data"], "attendance": None}}  # noqa: E731 - only the archive knows it
    assert [strip(g) for g in b["games"]] == [strip(g) for g in a["games"]]


def test_unreachable_live_api_fails_fast_with_a_hint(run_cli):
    result = run_cli(
        "--date",
        DAY,
        "--source",
        "nba_api",
        "--until-step",
        "collection",
        "--output",
        "c.json",
        env={"NBA_API_STATS_URL": "http://127.0.0.1:9/stats", "NBA_API_RETRIES": "1", "NBA_API_MIN_INTERVAL": "0"},
    )
    assert result.returncode == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("nba-predictions: error:")]
    assert len(errors) == 1 and "--source archive" in errors[0]


def test_backfill_rates_a_range_then_skips_it_on_rerun(run_cli):
    first = run_cli("backfill", "--start", "2024-01-14", "--end", "2024-01-16")
    assert first.returncode == 0, first.stderr
    # 5 + 11 + 3 games on those dates in the archive
    assert "games       : found 19, processed 19, saved 19, skipped 0, failed 0" in first.stderr
    # stderr is not a terminal here: one progress line per chunk instead of a bar
    assert "backfill features: 3/3 dates (up to 2024-01-16), 19 games, 0 failed" in first.stderr
    assert "backfill storage: 19/19 games (up to 2024-01-16)" in first.stderr
    again = run_cli("backfill", "--start", "2024-01-14", "--end", "2024-01-16")
    assert again.returncode == 0, again.stderr
    assert "saved 0, skipped 19, failed 0" in again.stderr
    shown = run_cli("show", "--date", "2024-01-15", "--json")
    assert shown.returncode == 0, shown.stderr
    ratings = [g["rating"] for g in json.loads(shown.stdout)]
    assert len(ratings) == 11 and ratings == sorted(ratings, reverse=True)

    def keys(value):
        if isinstance(value, dict):
            return set(value) | set().union(*map(keys, value.values()))
        if isinstance(value, list):
            return set().union(*map(keys, value)) if value else set()
        return set()

    spoilers = {"home_team_score", "away_team_score", "home_score", "away_score", "score", "final_score"}
    assert not keys(json.loads(shown.stdout)) & spoilers


@pytest.mark.parametrize(
    "args, message",
    [
        (["--start", "2024-01-16", "--end", "2024-01-14"], "--end 2024-01-14 is before --start 2024-01-16"),
        (["--start", "2024-01-14"], "backfill needs --start and --end (or --from-step with --input)"),
        (
            ["--from-step", "storage", "--input", "p.json", "--start", "2024-01-14"],
            "--start and --end come from the input document with --from-step: drop them",
        ),
        (
            ["--start", "2024-01-14", "--end", "2024-01-16", "--until-step", "features"],
            "--output is required when using --until-step features",
        ),
        (
            ["--start", "2024-01-14", "--end", "2024-01-16", "--chunk-games", "0"],
            "argument --chunk-games: invalid count '0': expected a whole number of 1 or more",
        ),
    ],
)
def test_backfill_usage_errors(run_cli, args, message):
    result = run_cli("backfill", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_one_bad_game_is_reported_and_the_others_go_on(run_cli, tmp_path):
    assert run_cli("--date", DAY, "--until-step", "collection", "--output", "c.json").returncode == 0
    doc = _load(tmp_path / "c.json")
    bad = doc["games"][3]
    bad["score_timeline"]["events"] = bad["score_timeline"]["events"][:-6]  # play-by-play cut short
    (tmp_path / "c.json").write_text(json.dumps(doc))

    features = run_cli("--from-step", "features", "--input", "c.json", "--output", "f.json")
    assert features.returncode == 1
    assert f"{bad['game_id']} (features)" in features.stderr
    assert "found 11, processed 10, saved 0, skipped 0, failed 1" in features.stderr
    written = _load(tmp_path / "f.json")
    assert written["metadata"]["total_games"] == 10
    assert [s["game_id"] for s in written["metadata"]["skipped_games"]] == [bad["game_id"]]

    # The failure travels with the documents: the next step still reports it and exits 1.
    predict = run_cli("--from-step", "prediction", "--input", "f.json", "--output", "p.json")
    assert predict.returncode == 1
    assert len(_load(tmp_path / "p.json")["predictions"]) == 10
    assert f"{bad['game_id']} (features)" in predict.stderr


def test_quiet_prints_nothing_on_success(run_cli):
    result = run_cli("--date", DAY, "--until-step", "collection", "--output", "c.json", "--quiet")
    assert result.returncode == 0
    assert result.stderr == "" and result.stdout == ""


def test_spec_format_document_without_target_date_uses_its_games_dates(run_cli, tmp_path):
    doc = json.loads((Path(__file__).resolve().parents[2] / "test_data" / "collected_games.json").read_text())
    del doc["metadata"]["target_date"]
    (tmp_path / "c.json").write_text(json.dumps(doc))
    result = run_cli("--from-step", "features", "--input", "c.json", "--output", "f.json")
    assert result.returncode == 0, result.stderr
    assert _load(tmp_path / "f.json")["metadata"]["total_games"] == 11


def test_a_failed_collection_creates_no_database(run_cli, tmp_path):
    result = run_cli("--date", "1990-01-15", "--source", "archive")
    assert result.returncode == 1
    assert not (tmp_path / "ratings.db").exists()


def test_storage_failure_keeps_the_predictions_document_for_a_resume(run_cli, tmp_path):
    (tmp_path / "afile").write_text("x")
    result = run_cli("--date", DAY, "--output", "p.json", "--database", f"sqlite:///{tmp_path}/afile/db.sqlite")
    assert result.returncode == 1
    errors = [ln for ln in result.stderr.splitlines() if "error" in ln.lower() and "errors      :" not in ln]
    assert len(errors) == 1, result.stderr
    assert _load(tmp_path / "p.json")["metadata"]["total_games"] == 11  # resume: --from-step storage --input p.json


def test_a_run_failing_before_storage_is_recorded_in_pipeline_runs(run_cli, tmp_path):
    """docs/STORAGE.md: a run meant to end in storage has its pipeline_runs row whatever its
    outcome -- one that fails in collection too, once the database exists (none is created)."""
    import sqlite3

    assert run_cli("--date", DAY).returncode == 0
    failed = run_cli("--date", "1990-01-15", "--source", "archive")
    assert failed.returncode == 1
    refused = run_cli("--from-step", "features", "--input", "missing.json")  # steps features..storage
    assert refused.returncode == 1
    with sqlite3.connect(tmp_path / "ratings.db") as conn:
        rows = conn.execute("SELECT target_date, status, steps, errors FROM pipeline_runs ORDER BY id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(DAY, "ok"), ("1990-01-15", "failed"), (None, "failed")]
    assert json.loads(rows[1][2]) == ["collection", "features", "prediction", "storage"]
    assert "offline archive" in json.loads(rows[1][3])[0]
    assert json.loads(rows[2][2]) == ["features", "prediction", "storage"] and "missing.json" in rows[2][3]
    # --until-step stops before storage: not a storage run, no row
    assert run_cli("--date", "1990-01-15", "--until-step", "collection", "--output", "c.json").returncode == 1
    with sqlite3.connect(tmp_path / "ratings.db") as conn:
        assert conn.execute("SELECT count(*) FROM pipeline_runs").fetchone()[0] == 3


def _with_closed_stdout(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run main.py with a standard output whose reader has already gone (``| head`` that quit)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, str(Path(__file__).resolve().parents[2] / "main.py"), *args],
            cwd=cwd,
            env=env,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    finally:
        os.close(write_end)


def test_show_into_a_closed_pipe_is_a_quiet_exit(chain):
    """`show --json | head -3`: the reader leaves before the end; no BrokenPipeError, no traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    env["DATABASE_URL"] = f"sqlite:///{chain['full_dir'] / 'ratings.db'}"
    for args in (["show", "--date", DAY, "--json"], ["show", "--date", DAY]):
        result = _with_closed_stdout(args, chain["full_dir"], env)
        assert (result.returncode, result.stderr) == (141, ""), result.stderr


def test_a_document_into_a_closed_pipe_is_one_error_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    result = _with_closed_stdout(
        ["--date", DAY, "--until-step", "collection", "--output", "-", "--quiet"], tmp_path, env
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "nba-predictions: error: cannot write the document to standard output: Broken pipe; "
        "its reader closed it before the end"
    ]
