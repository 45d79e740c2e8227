"""Documents are validated when read and written, and written atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nba_predictions.documents import io as artifacts
from nba_predictions.documents.models import CollectedGames
from nba_predictions.errors import ArtifactError
from tests.unit.test_schemas import _collected


def _doc() -> CollectedGames:
    return CollectedGames.model_validate(_collected(source="archive"))


def test_write_then_read_round_trips(tmp_path: Path):
    path = tmp_path / "out" / "collected_games.json"
    artifacts.write_document(_doc(), path)
    assert artifacts.read_document(path, "collection") == _doc()
    assert [p.name for p in path.parent.iterdir()] == ["collected_games.json"]  # no temp file left


def test_failed_write_leaves_the_old_file_untouched(tmp_path: Path, monkeypatch):
    path = tmp_path / "collected_games.json"
    path.write_text("previous content")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(ArtifactError, match=f"cannot write {path}: disk full"):
        artifacts.write_document(_doc(), path)
    assert path.read_text() == "previous content"
    assert [p.name for p in tmp_path.iterdir()] == ["collected_games.json"]


def test_invalid_document_is_not_written(tmp_path: Path):
    doc = _doc()
    doc.metadata.total_games = 5  # models are mutable; the writer re-validates
    path = tmp_path / "x.json"
    with pytest.raises(ArtifactError, match="total_games"):
        artifacts.write_document(doc, path)
    assert not path.exists()


def test_missing_file_names_the_command_that_makes_it(tmp_path: Path):
    with pytest.raises(ArtifactError) as info:
        artifacts.read_document(tmp_path / "nope.json", "features")
    assert "does not exist" in str(info.value)
    assert "--from-step features --input collected_games.json" in str(info.value)


def test_truncated_file_is_reported(tmp_path: Path):
    path = tmp_path / "collected_games.json"
    text = _doc().model_dump_json(indent=2)
    path.write_text(text[: text.rindex("\n", 0, len(text) // 2)])  # cut at a line's end, as a stopped write leaves it
    with pytest.raises(ArtifactError, match=r"is not valid JSON \(the file looks truncated\)"):
        artifacts.read_document(path, "collection")


def test_wrong_step_names_expected_document_and_command(tmp_path: Path):
    path = tmp_path / "collected_games.json"
    artifacts.write_document(_doc(), path)
    with pytest.raises(ArtifactError) as info:
        artifacts.read_document(path, "prediction")
    message = str(info.value)
    assert "is a collected_games.json document" in message
    assert "needs a predictions.json document" in message
    assert "--from-step prediction --input engineered_features.json --output predictions.json" in message


def test_schema_violation_names_file_field_and_expectation(tmp_path: Path):
    raw = json.loads(_doc().model_dump_json())
    del raw["games"][0]["home_team_score"]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ArtifactError) as info:
        artifacts.read_document(path, "collection")
    assert str(info.value) == f"{path}: field games[0].home_team_score: Field required"


def test_stdout_output(capsys):
    artifacts.write_document(_doc(), "-")
    assert json.loads(capsys.readouterr().out)["games"][0]["game_id"] == "0022300559"


def test_written_files_are_readable_by_others(tmp_path: Path):
    path = tmp_path / "c.json"
    old = os.umask(0o022)
    try:
        artifacts.write_document(_doc(), path)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_folder_is_not_a_writable_output(tmp_path: Path):
    with pytest.raises(ArtifactError, match="it is a folder"):
        artifacts.check_writable(tmp_path)
    artifacts.check_writable(tmp_path / "new" / "deeper" / "out.json")  # folders get created


def test_document_level_errors_do_not_dump_the_document(tmp_path: Path):
    raw = json.loads(_doc().model_dump_json())
    raw["metadata"]["total_games"] = 3
    path = tmp_path / "c.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ArtifactError) as info:
        artifacts.read_document(path, "collection")
    assert str(info.value) == f"{path}: metadata.total_games: is 3 but the document lists 1 games"
    assert "got" not in str(info.value)
