"""The committed JSON Schemas match the models, and documents round-trip."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from nba_predictions.documents.models import CollectedGames, GameFeatures, Predictions

ROOT = Path(__file__).resolve().parents[2]


def _export_module():
    spec = importlib.util.spec_from_file_location("export_schemas", ROOT / "scripts" / "export_schemas.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_schemas_are_in_sync_with_the_models():
    for name, text in _export_module().schema_files().items():
        committed = (ROOT / "schemas" / name).read_text(encoding="utf-8")
        assert committed == text, f"schemas/{name} is stale: run python scripts/export_schemas.py"


GAME = {
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


def _collected(**meta):
    return {
        "metadata": {
            "step": "collection",
            "timestamp": "2024-01-16T10:30:00Z",
            "target_date": "2024-01-15",
            "total_games": 1,
            **meta,
        },
        "games": [GAME],
    }


def test_spec_format_collected_document_is_accepted():
    doc = CollectedGames.model_validate(_collected())
    assert doc.games[0].game_id == "0022300559"
    assert doc.games[0].score_timeline is None and doc.games[0].context is None


def test_round_trip_is_lossless():
    doc = CollectedGames.model_validate(_collected(source="archive"))
    again = CollectedGames.model_validate_json(doc.model_dump_json())
    assert again == doc


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"game_id": 22300559}, "game_id"),
        ({"game_id": "22300559"}, "game_id"),
        ({"home_team_score": "lots"}, "home_team_score"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_game_fields_are_rejected(bad, field):
    raw = _collected()
    raw["games"][0] = {**GAME, **bad}
    with pytest.raises(ValidationError) as info:
        CollectedGames.model_validate(raw)
    assert field in str(info.value)


def test_total_games_must_match():
    raw = _collected()
    raw["metadata"]["total_games"] = 2
    with pytest.raises(ValidationError, match="total_games"):
        CollectedGames.model_validate(raw)


def test_features_ranges_are_checked():
    good = dict(
        diff_ranks=3,
        inter_conference=1,
        scores_diff=7,
        position_score=1.533333,
        competitive_seconds=1847.5,
        lead_changes=8,
        rivalry_score=0.42,
        times_tied=4,
        overtime_periods=0,
        clutch_seconds=120.0,
        largest_lead=12,
        comeback_points=5,
        second_half_close_seconds=900.0,
        decided_seconds=35.0,
        go_ahead_seconds_left=4.0,
        last_lead_change_seconds_left=67.0,
        last_tie_seconds_left=4.0,
        winner_margin_10s_left=0,
        winner_margin_30s_left=-2,
        winner_margin_60s_left=2,
        playoff_round=4,
        series_game=7,
        series_leader_wins=3,
        series_trailer_wins=3,
        elimination_game=1,
        game_seven=1,
        play_in=0,
        cup_final=0,
        seed_race_teams=0,
        top_points=41,
        duel_points=27,
        all_round=9,
    )
    GameFeatures(**good)  # the winner's margins may be negative (it trailed then)
    for field, value in [
        ("diff_ranks", 15),
        ("inter_conference", 2),
        ("competitive_seconds", -1.0),
        ("position_score", 2.5),
        ("second_half_close_seconds", -1.0),
        ("decided_seconds", -0.5),
        ("go_ahead_seconds_left", -0.1),
        ("last_lead_change_seconds_left", -1.0),
        ("last_tie_seconds_left", -1.0),
        ("winner_margin_10s_left", 1.5),
        ("playoff_round", 5),
        ("series_game", 8),
        ("series_leader_wins", 4),
        ("game_seven", 2),
        ("seed_race_teams", 3),
        ("top_points", -1),
        ("all_round", 2.5),
    ]:
        with pytest.raises(ValidationError):
            GameFeatures(**{**good, field: value})


def test_predictions_rating_is_bounded():
    schema = json.loads((ROOT / "schemas" / "predictions.schema.json").read_text())
    rating = schema["$defs"]["Prediction"]["properties"]["rating"]
    assert rating["minimum"] == 0 and rating["maximum"] == 100
    assert Predictions.model_fields["predictions"]
