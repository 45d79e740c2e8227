"""The input rules through the command line: what is refused per game, what per document.

A game that breaks a game-level rule is left out and reported (``metadata.skipped_games``, the
run summary), the document's other games go on, exit code 1.  A document that breaks a
document-level rule is refused with one line naming the file and the field, exit code 1, and no
output is written.  The CLI runs in-process here (``cli.main``) to keep the many cases quick; the
subprocess tests in test_cli_usage.py cover the real entry point.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from nba_predictions import cli

ROOT = Path(__file__).resolve().parents[2]
SPEC_COLLECTED = ROOT / "test_data" / "collected_games.json"
PREDICTIONS = ROOT / "tests" / "fixtures" / "documents" / "predictions_2024-01-15.json"
UNKNOWN_TEAM = 1610612799


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """``run(*args) -> (exit code, stdout, stderr)`` of the real CLI in ``tmp_path``, private database."""
    import os

    for name in list(os.environ):
        if name.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL", "BACKUP_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'ratings.db'}")
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def _error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("nba-predictions: ")]
    assert len(lines) == 1, err
    return lines[0]


def _spec_document(tmp_path: Path, change, name: str = "c.json") -> Path:
    doc = json.loads(SPEC_COLLECTED.read_text())
    change(doc)
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def _game(doc: dict, index: int) -> dict:
    return doc["games"][index]


# --- refused per game --------------------------------------------------------------------------


def _set(index: int, **fields: object):
    def change(doc: dict) -> None:
        _game(doc, index).update(fields)

    return change


@pytest.mark.parametrize(
    "fields, reason",
    [
        (
            {"home_team_id": UNKNOWN_TEAM},
            f"home_team_id: unknown team id {UNKNOWN_TEAM}: NBA team ids run from 1610612737 to 1610612766",
        ),
        ({"date": "1990-01-01"}, "date 1990-01-01 is not in the 2023-24 season that game_id"),
        ({"game_status": "In Progress"}, "game_status 'In Progress' is not final: only completed games are rated"),
        (
            {"game_id": "0028900001", "season_id": "22089", "date": "2089-12-25"},
            "date 2089-12-25 is in the future (today is ",
        ),
        ({"away_team_abbreviation": "LAL"}, "away_team_abbreviation 'LAL' is not the abbreviation of team"),
    ],
)
def test_a_game_breaking_a_rule_is_refused_and_the_others_go_on(run, tmp_path, fields, reason):
    original = json.loads(SPEC_COLLECTED.read_text())
    bad_id = fields.get("game_id", _game(original, 3)["game_id"])
    _spec_document(tmp_path, _set(3, **fields))
    code, _out, err = run("--from-step", "features", "--input", "c.json", "--output", "f.json")
    assert code == 1, err
    written = json.loads((tmp_path / "f.json").read_text())
    expected_ids = [g["game_id"] for i, g in enumerate(original["games"]) if i != 3]
    assert [g["game_id"] for g in written["games"]] == expected_ids
    assert written["metadata"]["total_games"] == 10
    [skipped] = written["metadata"]["skipped_games"]
    assert (skipped["game_id"], skipped["step"]) == (bad_id, "features")
    assert skipped["reason"].startswith(f"game {bad_id}: {reason}")
    assert f"{bad_id} (features): game {bad_id}: {reason}" in err  # the run summary names it
    assert "games       : found 11, processed 10, saved 0, skipped 0, failed 1" in err


def test_a_timeline_that_does_not_end_on_the_final_score_refuses_the_game(run, tmp_path):
    code, _out, err = run("--date", "2024-01-15", "--until-step", "collection", "--output", "c.json")
    assert code == 0, err
    doc = json.loads((tmp_path / "c.json").read_text())
    game = _game(doc, 2)
    game["home_team_score"] += 1
    (tmp_path / "c.json").write_text(json.dumps(doc))
    code, _out, err = run("--from-step", "features", "--input", "c.json", "--output", "f.json")
    assert code == 1
    written = json.loads((tmp_path / "f.json").read_text())
    assert len(written["games"]) == 10
    [skipped] = written["metadata"]["skipped_games"]
    assert skipped["game_id"] == game["game_id"] and "score timeline ends at" in skipped["reason"]


def test_a_context_that_contradicts_the_teams_refuses_the_game(run, tmp_path):
    code, _out, err = run("--date", "2024-01-15", "--until-step", "collection", "--output", "c.json")
    assert code == 0, err
    doc = json.loads((tmp_path / "c.json").read_text())
    context = _game(doc, 0)["context"]
    context["home_conference"] = "West" if context["home_conference"] == "East" else "East"
    (tmp_path / "c.json").write_text(json.dumps(doc))
    code, _out, err = run("--from-step", "features", "--input", "c.json", "--output", "f.json")
    assert code == 1
    [skipped] = json.loads((tmp_path / "f.json").read_text())["metadata"]["skipped_games"]
    assert "context.home_conference" in skipped["reason"] and "is not the conference of team" in skipped["reason"]


def test_a_predictions_document_with_an_unknown_team_stores_the_others_only(run, tmp_path):
    doc = json.loads(PREDICTIONS.read_text())
    bad = doc["predictions"][4]
    bad["raw_data"]["away_team_id"] = UNKNOWN_TEAM
    (tmp_path / "p.json").write_text(json.dumps(doc))
    code, _out, err = run("--from-step", "storage", "--input", "p.json")
    assert code == 1, err
    assert f"{bad['game_id']} (storage): game {bad['game_id']}: away_team_id: unknown team id {UNKNOWN_TEAM}" in err
    assert "found 11, processed 10, saved 10" in err
    with sqlite3.connect(tmp_path / "ratings.db") as db:
        team_ids = {str(row[0]) for row in db.execute("SELECT id FROM teams")}
        game_ids = {str(row[0]) for row in db.execute("SELECT id FROM games")}
    assert str(UNKNOWN_TEAM) not in team_ids and len(team_ids) == 30  # the 30 franchises, nothing added
    assert bad["game_id"] not in game_ids and len(game_ids) == 10


def test_features_that_contradict_their_game_refuse_the_game_at_prediction(run, tmp_path, features_document):
    doc = json.loads(features_document.read_text())
    doc["games"][1]["features"]["scores_diff"] += 5
    (tmp_path / "f.json").write_text(json.dumps(doc))
    code, _out, err = run("--from-step", "prediction", "--input", "f.json", "--output", "p.json")
    assert code == 1, err
    written = json.loads((tmp_path / "p.json").read_text())
    assert len(written["predictions"]) == 10
    [skipped] = written["metadata"]["skipped_games"]
    assert skipped["step"] == "prediction" and "features.scores_diff" in skipped["reason"]


# --- refused per document ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def features_document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("features")
    code = cli.main(
        [
            "--date",
            "2024-01-15",
            "--until-step",
            "features",
            "--output",
            str(folder / "f.json"),
            "--database",
            f"sqlite:///{folder / 'unused.db'}",
            "--source",
            "archive",
            "--quiet",
        ]
    )
    assert code == 0
    return folder / "f.json"


@pytest.mark.parametrize("value, shown", [("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("NaN", "NaN")])
def test_a_non_finite_feature_is_one_line_naming_file_and_field(run, tmp_path, features_document, value, shown):
    text = features_document.read_text()
    doc = json.loads(text)
    before = json.dumps(doc["games"][2]["features"]["competitive_seconds"])
    doc["games"][2]["features"]["competitive_seconds"] = "__X__"
    (tmp_path / "f.json").write_text(json.dumps(doc).replace('"__X__"', value))
    assert before != value
    code, out, err = run("--from-step", "prediction", "--input", "f.json", "--output", "p.json")
    assert code == 1
    assert _error_line(err) == (
        f"nba-predictions: error: f.json: field games[2].features.competitive_seconds: "
        f"Input should be a finite number (got {shown})"
    )
    assert "Traceback" not in err and out == ""
    assert not (tmp_path / "p.json").exists()


def test_deep_nesting_is_one_line_naming_file_and_field(run, tmp_path, features_document):
    doc = json.loads(features_document.read_text())
    doc["games"][0]["raw_data"]["attendance"] = "__X__"
    (tmp_path / "f.json").write_text(json.dumps(doc).replace('"__X__"', "[" * 100_000 + "]" * 100_000))
    code, _out, err = run("--from-step", "prediction", "--input", "f.json", "--output", "p.json")
    assert code == 1
    line = _error_line(err)
    assert line.startswith("nba-predictions: error: f.json: field games[0].raw_data.attendance[0][0]")
    assert "nested more than 32 levels deep at line 1 column" in line and "RecursionError" not in err
    assert not (tmp_path / "p.json").exists()


def test_the_same_game_twice_refuses_the_document(run, tmp_path):
    def twice(doc: dict) -> None:
        doc["games"].append(dict(doc["games"][0]))
        doc["metadata"]["total_games"] += 1

    _spec_document(tmp_path, twice)
    first = json.loads(SPEC_COLLECTED.read_text())["games"][0]["game_id"]
    code, _out, err = run("--from-step", "features", "--input", "c.json", "--output", "f.json")
    assert code == 1
    assert _error_line(err) == (
        f"nba-predictions: error: c.json: games[11].game_id: game {first} is listed twice "
        "(also games[0]); which of the two is right cannot be known"
    )
    assert not (tmp_path / "f.json").exists()


def test_a_key_given_twice_refuses_the_document(run, tmp_path):
    text = SPEC_COLLECTED.read_text().replace(
        '"home_team_score": 124,', '"home_team_score": 124, "home_team_score": 99,', 1
    )
    assert '"home_team_score": 99' in text
    (tmp_path / "c.json").write_text(text)
    code, _out, err = run("--from-step", "features", "--input", "c.json", "--output", "f.json")
    assert code == 1
    assert _error_line(err).startswith(
        "nba-predictions: error: c.json: field home_team_score: the same key appears twice"
    )
    assert not (tmp_path / "f.json").exists()


def test_a_target_date_in_the_future_refuses_the_document(run, tmp_path):
    _spec_document(tmp_path, lambda doc: doc["metadata"].update(target_date="2089-12-25"))
    code, _out, err = run("--from-step", "features", "--input", "c.json", "--output", "f.json")
    assert code == 1
    assert _error_line(err).startswith(
        "nba-predictions: error: c.json: field metadata.target_date: 2089-12-25 is in the future (today is "
    )
    assert not (tmp_path / "f.json").exists()
