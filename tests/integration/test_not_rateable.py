"""Issue 25, item 6: exit codes that mean something to cron.

The offline archive knows games it can never rate: play-in games (no play-by-play in its inputs),
a play-by-play it recorded as truncated, and one whose timeline is not its game's complete
timeline (overtime from a score that was not level).  Such a game is reported as not rateable,
with the reason, in ``not_rateable`` of the run summary (JSON and text), and does not fail the run,
like a date the archive does not cover.  A game that could have been rated and was not still
fails it (exit code 1), in a backfill and in a date's run alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nba_predictions.documents.models import SkippedGame
from nba_predictions.errors import GameDataError, UnrateableGameError
from nba_predictions.runs.summary import RunSummary
from nba_predictions.sources.archive import ArchiveSource

SEASON = ("2023-10-24", "2024-06-17")  # 2023-24, regular season to the Finals
# 2023-24's games the archive can never rate: one truncated play-by-play, the six play-in games.
SEASON_NOT_RATEABLE = {
    "0022301202": "the archive's play-by-play is truncated",
    **{
        gid: "the archive has no play-by-play for play-in games"
        for gid in ("0052300101", "0052300111", "0052300121", "0052300131", "0052300201", "0052300211")
    },
}


def _summary(path: Path) -> dict:
    return json.loads(path.read_text())


def test_the_archive_says_which_games_it_can_never_rate_and_why() -> None:
    source = ArchiveSource()
    for game_id, why in [
        ("0022301202", "truncated"),
        ("0052300101", "no play-by-play for play-in games"),
        # overtime declared, the score not level at the end of regulation: decided from the data
        ("0022200749", r"inconsistent \(score timeline declares 5 periods but the score is 106-105 at 2880 s"),
    ]:
        with pytest.raises(UnrateableGameError, match=why):
            source.score_timeline(game_id)
    assert len(source.score_timeline("0022300559").events) > 50  # a game it can rate
    assert issubclass(UnrateableGameError, GameDataError)  # skipped and reported like any game's data


def test_a_season_backfill_with_games_the_archive_cannot_rate_exits_0_and_lists_them(run_cli, tmp_path) -> None:
    result = run_cli(
        "backfill", "--start", SEASON[0], "--end", SEASON[1], "--source", "archive", "--summary-json", "s.json"
    )

    assert result.returncode == 0, result.stderr[-2000:]
    summary = _summary(tmp_path / "s.json")
    assert (summary["status"], summary["ok"], summary["exit_code"], summary["failed"]) == ("ok", True, 0, [])
    listed = {g["game_id"]: g for g in summary["not_rateable"]}
    assert listed.keys() == SEASON_NOT_RATEABLE.keys()
    for game_id, why in SEASON_NOT_RATEABLE.items():
        assert why in listed[game_id]["reason"] and listed[game_id]["rateable"] is False
    assert "failed 0, not rateable 7" in result.stderr
    assert "  not rateable: 7 (the source can never rate them; not a failure)" in result.stderr
    assert "0022301202 (collection, not rateable): game 0022301202: the archive's play-by-play is truncated" in (
        result.stderr
    )


def test_a_game_that_could_be_rated_and_failed_still_fails_the_backfill(run_cli, tmp_path) -> None:
    days = ["--start", "2024-04-14", "--end", "2024-04-17", "--source", "archive"]  # with the play-in
    assert run_cli("backfill", *days, "--until-step", "features", "--output", "f.json").returncode == 0
    doc = json.loads((tmp_path / "f.json").read_text())
    carried = {g["game_id"]: g["rateable"] for g in doc["metadata"]["skipped_games"]}
    assert carried and not any(carried.values())  # the play-in games, not rateable, in the document
    bad = doc["games"][0]
    bad["features"]["scores_diff"] += 1  # an injected bad feature (not the final margin): the game is refused
    (tmp_path / "f.json").write_text(json.dumps(doc))

    result = run_cli("backfill", "--from-step", "prediction", "--input", "f.json", "--summary-json", "s.json")

    assert result.returncode == 1
    summary = _summary(tmp_path / "s.json")
    assert (summary["status"], summary["exit_code"]) == ("partial", 1)
    assert [g["game_id"] for g in summary["failed"]] == [bad["game_id"]]
    assert {g["game_id"] for g in summary["not_rateable"]} == carried.keys()
    assert "failed 1, not rateable 4" in result.stderr


def test_a_dates_run_reports_not_rateable_games_and_exits_0(run_cli, tmp_path) -> None:
    result = run_cli("--date", "2024-04-16", "--source", "archive", "--summary-json", "s.json")

    assert result.returncode == 0, result.stderr
    summary = _summary(tmp_path / "s.json")
    assert (summary["status"], summary["failed"]) == ("ok", [])
    assert [g["game_id"] for g in summary["not_rateable"]] == ["0052300121", "0052300131"]
    assert "failed 0, not rateable 2" in result.stderr
    inconsistent = run_cli("--date", "2023-01-28", "--source", "archive", "--summary-json", "o.json")
    assert inconsistent.returncode == 0, inconsistent.stderr
    [game] = _summary(tmp_path / "o.json")["not_rateable"]
    assert game["game_id"] == "0022200749" and "inconsistent" in game["reason"]


def test_a_dates_run_with_a_game_that_could_be_rated_and_failed_exits_1(run_cli, tmp_path) -> None:
    args = ["--date", "2024-01-15", "--source", "archive", "--until-step", "features", "--output", "f.json"]
    assert run_cli(*args).returncode == 0
    doc = json.loads((tmp_path / "f.json").read_text())
    doc["games"][0]["features"]["scores_diff"] += 1  # an injected bad feature: not the final margin
    (tmp_path / "f.json").write_text(json.dumps(doc))

    result = run_cli("--from-step", "prediction", "--input", "f.json", "--summary-json", "s.json")

    assert result.returncode == 1
    summary = _summary(tmp_path / "s.json")
    assert summary["status"] == "partial" and [g["game_id"] for g in summary["failed"]] == [doc["games"][0]["game_id"]]


def test_the_status_rule_counts_only_games_that_could_have_been_rated() -> None:
    never = SkippedGame(game_id="0052300101", step="collection", reason="no play-by-play", rateable=False)
    could = SkippedGame(game_id="0022300559", step="features", reason="a feature out of range")
    summary = RunSummary(steps=["collection"], failed=[never])
    assert (summary.status, summary.exit_code, summary.to_dict()["failed"]) == ("ok", 0, [])
    assert summary.to_dict()["not_rateable"] == [never.model_dump()]
    assert summary.record().failed == 0 and summary.record().status == "ok"
    summary.failed.append(could)
    assert (summary.status, summary.exit_code) == ("partial", 1)
    assert [g["game_id"] for g in summary.to_dict()["failed"]] == ["0022300559"]
    assert summary.record().failed == 1


def test_a_document_written_before_rateable_existed_counts_its_skipped_games_as_failures() -> None:
    old = SkippedGame.model_validate({"game_id": "0052300101", "step": "collection", "reason": "no play-by-play"})
    assert old.rateable is True
    assert RunSummary(steps=["prediction"], failed=[old]).status == "partial"
