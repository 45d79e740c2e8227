"""The feature specification is the one list of features: the shipped model, the JSON Schemas, the
document model and the docs table all say what it says (docs/FEATURES.md, "Adding a feature")."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from nba_predictions.documents.models import ALL_FEATURES, GameFeatures
from nba_predictions.features.spec import (
    FEATURES,
    LAST_SECONDS_FEATURES,
    PERFORMANCE_NAMES,
    SCORE_NAMES,
    STAKES_NAMES,
    markdown_table,
)

ROOT = Path(__file__).resolve().parents[2]
NAMES = [spec.name for spec in FEATURES]


def _export_module():
    spec = importlib.util.spec_from_file_location("export_schemas", ROOT / "scripts" / "export_schemas.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_model_was_trained_on_the_specified_features_in_order() -> None:
    meta = json.loads((ROOT / "src/nba_predictions/model/files/model_meta.json").read_text(encoding="utf-8"))
    assert NAMES == list(ALL_FEATURES) == [*SCORE_NAMES, *STAKES_NAMES, *PERFORMANCE_NAMES]
    assert meta["feature_names"] == list(ALL_FEATURES)  # every feature, in column order; taken by name


def test_the_stakes_and_performance_features_are_the_twelve_of_issue_23() -> None:
    assert STAKES_NAMES == (
        "playoff_round",
        "series_game",
        "series_leader_wins",
        "series_trailer_wins",
        "elimination_game",
        "game_seven",
        "play_in",
        "cup_final",
        "seed_race_teams",
    )
    assert PERFORMANCE_NAMES == ("top_points", "duel_points", "all_round")
    assert not set(LAST_SECONDS_FEATURES) & {*STAKES_NAMES, *PERFORMANCE_NAMES}


def test_the_document_model_has_one_field_per_feature_in_order() -> None:
    assert list(GameFeatures.model_fields) == NAMES


@pytest.mark.parametrize("name", ["engineered_features.schema.json", "predictions.schema.json"])
def test_the_committed_schemas_carry_every_feature_with_its_type_and_range(name: str) -> None:
    schema = json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))["$defs"]["GameFeatures"]
    assert schema["required"] == NAMES
    for spec in FEATURES:
        field = schema["properties"][spec.name]
        assert field["type"] == ("number" if spec.kind == "float" else "integer"), spec.name
        if spec.kind == "flag":
            assert field["enum"] == [0, 1]
        assert field.get("minimum") == spec.ge and field.get("maximum") == spec.le, spec.name
        assert field.get("description") == spec.description, spec.name


def test_the_docs_table_is_the_specification() -> None:
    text = (ROOT / "docs" / "DOCUMENTS.md").read_text(encoding="utf-8")
    assert _export_module().documents_doc(text) == text, (
        "docs/DOCUMENTS.md is stale: run python scripts/export_schemas.py"
    )
    table = markdown_table()
    assert table in text
    assert [line.split("`")[1] for line in table.splitlines()[2:]] == NAMES


def test_features_md_says_how_to_add_a_feature() -> None:
    text = (ROOT / "docs" / "FEATURES.md").read_text(encoding="utf-8")
    assert "## Adding a feature" in text
    for needed in ("features/spec.py", "context_columns", "timeline_columns", "test_feature_equivalence.py"):
        assert needed in text


def test_every_feature_is_computed_both_ways() -> None:
    """Each specified feature comes from exactly one one-game group and the same vectorised group."""
    from nba_predictions.core.domain import GameContext, GameRecord, HeadToHead, ScoreTimeline, StakesContext
    from nba_predictions.features import context as fc
    from nba_predictions.features import performance as pf
    from nba_predictions.features import timeline as tl
    from nba_predictions.features.events import EventArrays

    record = GameRecord(
        game_id="0022300001",
        date="2023-11-03",
        home_team_id=1,
        away_team_id=2,
        home_team_abbreviation="AAA",
        away_team_abbreviation="BBB",
        season_id="22023",
        home_team_score=3,
        away_team_score=2,
        lead_changes=0,
        times_tied=0,
        game_status="Final",
    )
    ctx = GameContext(
        home_conference="East",
        away_conference="West",
        home_conference_rank=1,
        away_conference_rank=2,
        head_to_head=HeadToHead(playoff_games=0, regular_season_games=0, close_regular_season_games=0),
        stakes=StakesContext(),
    )
    timeline = ScoreTimeline(periods=4, events=[(10.0, 0, 2), (20.0, 3, 2)])
    one_game = [
        *fc.context_values(record, ctx),
        *tl.timeline_values(timeline),
        *pf.timeline_performance(timeline.player_lines),
    ]
    vectorised = [
        *fc.context_columns([record], [ctx]),
        *tl.timeline_columns(EventArrays.from_timelines([timeline])),
        *pf.player_lines_columns([timeline.player_lines]),
    ]
    assert sorted(one_game) == sorted(vectorised) == sorted(NAMES)
    assert len(one_game) == len(set(one_game))
