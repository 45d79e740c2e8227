"""Every usage error and bad input: exit code and the one line the user reads.

These run the real command line in a subprocess.  None of them needs the archive, the model or
the database: they fail before any step runs, and they must leave no output behind.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {stderr!r}"
    return lines[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from-step", "features"], "--input is required when using --from-step"),
        (["--date", "2024-01-15", "--until-step", "features"], "--output is required when using --until-step features"),
        (
            ["--date", "2024-01-15", "--until-step", "collection"],
            "--output is required when using --until-step collection",
        ),
        (
            ["--from-step", "storage", "--until-step", "features", "--input", "p.json", "--output", "f.json"],
            "--from-step storage comes after --until-step features: nothing to run",
        ),
        (
            ["--date", "2024-13-01"],
            "argument --date: invalid date '2024-13-01': there is no month 13 (months are 01 to 12)",
        ),
        (
            ["--date", "2024-02-30"],
            "argument --date: invalid date '2024-02-30': February 2024 has 29 days, so day 30 does not exist",
        ),
        (
            ["--date", "2023-02-29"],
            "argument --date: invalid date '2023-02-29': February 2023 has 28 days, so day 29 does not exist",
        ),
        (["--date", "15/01/2024"], "argument --date: invalid date '15/01/2024': expected YYYY-MM-DD, e.g. 2024-01-15"),
        (["--date", "20240115"], "argument --date: invalid date '20240115': expected YYYY-MM-DD, e.g. 2024-01-15"),
        (["--until-step", "everything", "--output", "x.json"], "argument --until-step: invalid choice: 'everything'"),
        (["--from-step", "collection", "--input", "x.json"], "argument --from-step: invalid choice: 'collection'"),
        (["--input", "x.json"], "--input is only read with --from-step"),
        (
            ["--from-step", "features", "--input", "same.json", "--output", "same.json"],
            "--input and --output are the same file",
        ),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_usage_errors_exit_2_with_one_line(run_cli, args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    line = _one_line(result.stderr)
    assert line.startswith("nba-predictions: usage error: ")
    assert message in line
    assert result.stdout == ""


def test_bad_environment_value_is_a_usage_error(run_cli):
    result = run_cli(
        "--date", "2024-01-15", "--until-step", "collection", "--output", "c.json", env={"NBA_SOURCE": "carrier-pigeon"}
    )
    assert result.returncode == 2
    assert "NBA_SOURCE='carrier-pigeon' is not a source: use one of auto, archive, cdn, nba_api" in result.stderr


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path


COLLECTED = {
    "metadata": {
        "step": "collection",
        "timestamp": "2024-01-16T10:30:00Z",
        "target_date": "2024-01-15",
        "total_games": 1,
    },
    "games": [
        {
            "game_id": "0022300559",
            "date": "2024-01-15",
            "home_team_id": 1610612737,
            "away_team_id": 1610612748,
            "home_team_abbreviation": "ATL",
            "away_team_abbreviation": "MIA",
            "season_id": "22023",
            "home_team_score": 109,
            "away_team_score": 108,
            "lead_changes": 12,
            "times_tied": 9,
            "game_status": "Final",
            "attendance": None,
        }
    ],
}


def test_wrong_document_for_the_step_is_refused(run_cli, tmp_path):
    features = {"metadata": {**COLLECTED["metadata"], "step": "features"}, "games": []}
    features["metadata"]["total_games"] = 0
    _write(tmp_path, "engineered_features.json", json.dumps(features))
    result = run_cli("--from-step", "storage", "--input", "engineered_features.json")
    assert result.returncode == 1
    line = _one_line(result.stderr)
    assert line == (
        "nba-predictions: error: engineered_features.json is an engineered_features.json document "
        "(metadata.step = 'features'), but this step needs a predictions.json document "
        "(metadata.step = 'prediction'); make one with: python main.py --from-step prediction "
        "--input engineered_features.json --output predictions.json"
    )
    assert not (tmp_path / "ratings.db").exists()


@pytest.mark.parametrize(
    "text, expected",
    [
        (json.dumps(COLLECTED, indent=2)[:200], "collected_games.json is not valid JSON (the file looks truncated)"),
        ("this is not json", "collected_games.json is not valid JSON: Expecting value at line 1 column 1"),
        ("[1, 2, 3]", "collected_games.json: field metadata: missing; expected a collected_games.json document"),
        (
            json.dumps({**COLLECTED, "games": [{**COLLECTED["games"][0], "home_team_score": "lots"}]}),
            "collected_games.json: field games[0].home_team_score: Input should be a valid integer",
        ),
        (
            json.dumps({**COLLECTED, "games": [{k: v for k, v in COLLECTED["games"][0].items() if k != "date"}]}),
            "collected_games.json: field games[0].date: Field required",
        ),
        (
            json.dumps({**COLLECTED, "games": [{**COLLECTED["games"][0], "game_id": 22300559}]}),
            "collected_games.json: field games[0].game_id: Input should be a valid string",
        ),
    ],
)
def test_bad_input_file_exit_1_one_line_no_output(run_cli, tmp_path, text, expected):
    _write(tmp_path, "collected_games.json", text)
    result = run_cli("--from-step", "features", "--input", "collected_games.json", "--output", "features.json")
    assert result.returncode == 1
    line = _one_line(result.stderr)
    assert line.startswith("nba-predictions: error: ")
    assert expected in line
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "features.json").exists()


def test_missing_input_file(run_cli, tmp_path):
    result = run_cli("--from-step", "prediction", "--input", "nowhere.json", "--output", "p.json")
    assert result.returncode == 1
    assert _one_line(result.stderr) == (
        "nba-predictions: error: nowhere.json does not exist; make an engineered_features.json with: "
        "python main.py --from-step features --input collected_games.json --output engineered_features.json"
    )


def test_date_that_contradicts_the_input_is_a_usage_error(run_cli, tmp_path):
    _write(tmp_path, "collected_games.json", json.dumps(COLLECTED))
    result = run_cli(
        "--date", "2024-01-16", "--from-step", "features", "--input", "collected_games.json", "--output", "f.json"
    )
    assert result.returncode == 2
    assert "--date 2024-01-16 does not match collected_games.json's target_date 2024-01-15" in result.stderr
    assert not (tmp_path / "f.json").exists()


def test_help_lists_every_flag(run_cli):
    result = run_cli("--help")
    assert result.returncode == 0
    for flag in [
        "--date",
        "--until-step",
        "--from-step",
        "--input",
        "--output",
        "--force",
        "--validate",
        "--source",
        "--database",
        "--model",
        "--log-level",
        "--quiet",
    ]:
        assert flag in result.stdout


def test_output_that_cannot_be_written_fails_before_any_work(run_cli, tmp_path):
    (tmp_path / "afile").write_text("x")
    for output, message in [("afile/c.json", "afile is not a writable folder"), (".", "it is a folder")]:
        result = run_cli("--date", "2024-01-15", "--until-step", "collection", "--output", output)
        assert result.returncode == 1
        assert message in _one_line(result.stderr)
    assert not (tmp_path / "ratings.db").exists()


def test_same_file_spelled_two_ways_is_refused(run_cli, tmp_path):
    _write(tmp_path, "c.json", json.dumps(COLLECTED))
    result = run_cli("--from-step", "features", "--input", "c.json", "--output", "./c.json")
    assert result.returncode == 2
    assert "--input and --output are the same file" in _one_line(result.stderr)
    assert json.loads((tmp_path / "c.json").read_text())["metadata"]["step"] == "collection"


def test_output_with_from_step_storage_is_a_usage_error(run_cli):
    result = run_cli("--from-step", "storage", "--input", "p.json", "--output", "x.json")
    assert result.returncode == 2
    assert "--output has nothing to write with --from-step storage" in _one_line(result.stderr)


def test_a_game_with_one_team_twice_is_refused_on_read(run_cli, tmp_path):
    game = {**COLLECTED["games"][0], "away_team_id": COLLECTED["games"][0]["home_team_id"]}
    _write(tmp_path, "c.json", json.dumps({**COLLECTED, "games": [game]}))
    result = run_cli("--from-step", "features", "--input", "c.json", "--output", "f.json")
    assert result.returncode == 1
    assert "c.json: field games[0]: home_team_id and away_team_id are both 1610612737" in result.stderr


def test_spec_format_features_document_names_the_fix(run_cli, tmp_path):
    seven = {
        "diff_ranks": 3,
        "inter_conference": 1,
        "scores_diff": 7,
        "position_score": 1.533333,
        "competitive_seconds": 1847.5,
        "lead_changes": 8,
        "rivalry_score": 0.42,
    }
    doc = {
        "metadata": {
            "step": "features",
            "timestamp": "2024-01-15T10:45:00Z",
            "input_source": "collected_games.json",
            "total_games": 1,
        },
        "games": [{"game_id": "0022300559", "raw_data": COLLECTED["games"][0], "features": seven}],
    }
    _write(tmp_path, "engineered_features.json", json.dumps(doc))
    result = run_cli("--from-step", "prediction", "--input", "engineered_features.json", "--output", "p.json")
    assert result.returncode == 1
    line = _one_line(result.stderr)
    assert "lack the additional features (times_tied, overtime_periods" in line
    assert "python main.py --from-step features --input collected_games.json" in line
    assert not (tmp_path / "p.json").exists()
