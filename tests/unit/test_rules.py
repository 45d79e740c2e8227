"""The game-level input rules (nba_predictions.documents.rules) and the document-level ones of the models.

Each bad case starts from a real game of the offline archive that keeps every rule, changes one
field, and checks which rule refuses it; the archive itself must keep every rule (no false
refusals).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from nba_predictions.core.domain import GameContext, GameRecord, HeadToHead, ScoreTimeline
from nba_predictions.core.season import Season
from nba_predictions.documents import rules
from nba_predictions.documents.io import read_document
from nba_predictions.documents.models import CollectedGame, CollectedGames, EngineeredFeatures, Predictions
from nba_predictions.errors import ArtifactError
from nba_predictions.sources.archive import ArchiveSource

ROOT = Path(__file__).resolve().parents[2]
PREDICTIONS = ROOT / "tests" / "fixtures" / "documents" / "predictions_2024-01-15.json"
TODAY = date(2024, 1, 16)

RECORD = GameRecord(
    game_id="0022300559",
    date=date(2024, 1, 15),
    home_team_id=1610612737,
    away_team_id=1610612748,
    home_team_abbreviation="ATL",
    away_team_abbreviation="MIA",
    season_id="22023",
    home_team_score=109,
    away_team_score=108,
    lead_changes=12,
    times_tied=9,
    game_status="Final",
    attendance=17_044,
)


def _with(**changes: object) -> GameRecord:
    return RECORD.model_copy(update=changes)


def test_a_real_game_keeps_every_rule() -> None:
    assert rules.record_problem(RECORD, today=TODAY, target_date=RECORD.date) is None


@pytest.mark.parametrize(
    "changes, problem",
    [
        (
            {"home_team_id": 1610612799},
            "home_team_id: unknown team id 1610612799: NBA team ids run from 1610612737 to 1610612766",
        ),
        ({"away_team_id": 42}, "away_team_id: unknown team id 42"),
        (
            {
                "home_team_id": 1610612766,
                "home_team_abbreviation": "CHA",
                "game_id": "0020200001",
                "season_id": "22002",
                "date": date(2002, 11, 1),
            },
            "home_team_id: team 1610612766 did not play in 2002-03",
        ),
        (
            {"home_team_abbreviation": "BOS"},
            "home_team_abbreviation 'BOS' is not the abbreviation of team 1610612737 in 2023-24 (ATL)",
        ),
        ({"date": date(1990, 1, 1)}, "date 1990-01-01 is not in the 2023-24 season that game_id 0022300559 belongs to"),
        ({"date": date(2024, 1, 14)}, "date 2024-01-14 is not the document's target_date 2024-01-15"),
        ({"game_status": "In Progress"}, "game_status 'In Progress' is not final: only completed games are rated"),
        ({"game_status": "Scheduled"}, "game_status 'Scheduled' is not final"),
        ({"away_team_score": 109}, "final score 109-109 is level: an NBA game cannot end tied"),
        ({"home_team_score": 1009}, "home_team_score 1009 is not plausible (more than 250)"),
        ({"lead_changes": 500}, "lead_changes 500 is not plausible (more than 150)"),
        ({"attendance": 2_000_000}, "attendance 2000000 is not plausible (more than 150,000)"),
        ({"game_id": "1022300559"}, "game_id 1022300559 is not an NBA game id (NBA game ids start with 00)"),
        ({"game_id": "0032300559", "season_id": "32023"}, "game_id 0032300559 is a game of type 'All-Star' (digit 3)"),
        ({"game_id": "0012300559", "season_id": "12023"}, "is a game of type 'Preseason' (digit 1)"),
    ],
)
def test_a_game_breaking_a_rule_is_refused_with_the_field(changes, problem) -> None:
    found = rules.record_problem(_with(**changes), today=TODAY, target_date=RECORD.date)
    assert found is not None and problem in found


def test_final_statuses_with_overtime_are_final() -> None:
    for status in ("Final", "Final/OT", "Final/2OT", "Final/10OT"):
        assert rules.record_problem(_with(game_status=status)) is None


def test_a_future_date_is_refused() -> None:
    future = _with(game_id="0022600001", season_id="22026", date=date(2027, 1, 15))
    assert rules.record_problem(future, today=TODAY) == (
        "date 2027-01-15 is in the future (today is 2024-01-16, US Eastern): a game not played yet cannot be rated"
    )
    assert rules.record_problem(future, today=date(2027, 1, 16)) is None


def _context(**changes: object) -> GameContext:
    base = dict(
        home_conference="East",
        away_conference="East",
        home_conference_rank=9,
        away_conference_rank=8,
        head_to_head=HeadToHead(playoff_games=0, regular_season_games=18, close_regular_season_games=9),
    )
    return GameContext(**{**base, **changes})


@pytest.mark.parametrize(
    "context, problem",
    [
        (_context(), None),
        (
            _context(home_conference="West"),
            "context.home_conference West is not the conference of team 1610612737 in 2023-24 (East)",
        ),
        (
            _context(away_conference_rank=9),
            "context: both teams rank 9 in the East: two teams of one conference cannot share a rank",
        ),
    ],
)
def test_a_context_must_fit_the_teams(context, problem) -> None:
    game = CollectedGame(**RECORD.model_dump(), context=context)
    assert rules.context_problem(game) == problem


def test_a_rank_beyond_the_conference_size_is_refused() -> None:
    record = _with(
        game_id="0020300559",
        season_id="22003",
        date=date(2004, 1, 15),
        home_team_id=1610612742,
        home_team_abbreviation="DAL",
        away_team_id=1610612743,
        away_team_abbreviation="DEN",
    )
    context = _context(home_conference="West", away_conference="West", home_conference_rank=15)
    problem = rules.context_problem(CollectedGame(**record.model_dump(), context=context))
    assert problem == "context.home_conference_rank 15 is more than the 14 teams of the West in 2003-04"


def _predictions() -> Predictions:
    doc = read_document(PREDICTIONS, "prediction")
    assert isinstance(doc, Predictions)
    return doc


def test_the_recorded_predictions_keep_every_rule() -> None:
    doc = _predictions()
    screened, refused = rules.screen_document(doc, "storage", TODAY)
    assert refused == [] and screened is doc


@pytest.mark.parametrize(
    "features, problem",
    [
        ({"scores_diff": 3}, "features.scores_diff 3 is not the final margin of raw_data"),
        ({"inter_conference": 1}, "features.inter_conference 1 does not match the teams' conferences in 2023-24 (0)"),
        (
            {"competitive_seconds": 3000.0},
            "features.competitive_seconds 3000 is longer than its window in a game with 0 overtime(s) (2880 s)",
        ),
        ({"clutch_seconds": 301.0}, "features.clutch_seconds 301 is longer than its window"),
        ({"overtime_periods": 9}, "features.overtime_periods 9 is not plausible (more than 6)"),
        ({"comeback_points": 99}, "features.comeback_points 99 exceeds largest_lead"),
        ({"largest_lead": 0}, "features.largest_lead 0 is less than the final margin"),
    ],
)
def test_features_must_agree_with_raw_data_and_each_other(features, problem) -> None:
    doc = _predictions()
    first = next(p for p in doc.predictions if p.features.inter_conference == 0 and p.features.overtime_periods == 0)
    bad = first.model_copy(update={"features": first.features.model_copy(update=features)})
    found = rules.prediction_problem(bad)
    assert found is not None and found.startswith(problem)


def test_top_features_must_name_features() -> None:
    first = _predictions().predictions[0]
    contribution = first.top_features[0].model_copy(update={"feature": "vibes"})
    bad = first.model_copy(update={"top_features": [contribution]})
    assert rules.prediction_problem(bad) == "top_features names 'vibes', which is not a feature"


def test_raw_data_must_be_the_same_game() -> None:
    doc = _predictions()
    first, second = doc.predictions[:2]
    bad = first.model_copy(update={"raw_data": second.raw_data})
    assert (
        rules.prediction_problem(bad) == f"game_id {first.game_id} is not the game of its raw_data ({second.game_id})"
    )


def test_screening_keeps_the_others_and_reports_the_refused_game() -> None:
    doc = _predictions()
    raw = json.loads(doc.model_dump_json())
    raw["predictions"][2]["raw_data"]["home_team_id"] = 1610612799
    bad = Predictions.model_validate(raw)
    screened, refused = rules.screen_document(bad, "storage", TODAY)
    assert [p.game_id for p in screened.predictions] == [p.game_id for i, p in enumerate(doc.predictions) if i != 2]
    assert screened.metadata.total_games == len(doc.predictions) - 1
    assert [(s.game_id, s.step) for s in refused] == [(doc.predictions[2].game_id, "storage")]
    assert refused[0].reason.startswith(f"game {doc.predictions[2].game_id}: home_team_id: unknown team id 1610612799")


def test_a_target_date_in_the_future_refuses_the_document() -> None:
    doc = _predictions()
    with pytest.raises(
        ArtifactError, match=r"^field metadata.target_date: 2024-01-15 is in the future \(today is 2024-01-14"
    ):
        rules.screen_document(doc, "storage", date(2024, 1, 14))


def test_every_archive_game_keeps_the_record_rules() -> None:
    archive = ArchiveSource()
    refused = []
    for year in range(1996, 2026):
        for record in archive.season_games(Season(year)):
            problem = rules.record_problem(record, target_date=record.date)
            if problem:
                refused.append((record.game_id, problem))
    assert refused == []


# --- document level: the models ----------------------------------------------------------------


def _collected(games: list[dict], **meta: object) -> dict:
    return {
        "metadata": {
            "step": "collection",
            "timestamp": "2024-01-16T10:30:00Z",
            "target_date": "2024-01-15",
            "total_games": len(games),
            **meta,
        },
        "games": games,
    }


GAME = json.loads(RECORD.model_dump_json())


def test_the_same_game_twice_refuses_the_document() -> None:
    with pytest.raises(
        ValidationError, match=r"games\[1\].game_id: game 0022300559 is listed twice \(also games\[0\]\)"
    ):
        CollectedGames.model_validate(_collected([GAME, GAME]))


def test_skipped_games_must_agree_with_the_games() -> None:
    skipped = [{"game_id": "0022300559", "step": "collection", "reason": "x"}]
    with pytest.raises(ValidationError, match=r"skipped_games\[0\].game_id: game 0022300559 is reported as skipped"):
        CollectedGames.model_validate(_collected([GAME], skipped_games=skipped))
    later = [{"game_id": "0022300560", "step": "prediction", "reason": "x"}]
    with pytest.raises(
        ValidationError, match="a collection document cannot report a game skipped by the later prediction step"
    ):
        CollectedGames.model_validate(_collected([GAME], skipped_games=later))


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_numbers_are_refused_everywhere(value) -> None:
    with pytest.raises(ValidationError, match="finite number"):
        ScoreTimeline(periods=4, events=[(value, 2, 0)])
    doc = json.loads(_predictions().model_dump_json())
    doc["predictions"][0]["features"]["competitive_seconds"] = value
    with pytest.raises(ValidationError, match="finite number"):
        Predictions.model_validate(doc)


def test_a_timeline_event_must_change_the_score() -> None:
    with pytest.raises(ValidationError, match=r"events\[1\]: the score 2-0 does not change"):
        ScoreTimeline(periods=4, events=[(10.0, 2, 0), (20.0, 2, 0)])
    ScoreTimeline(periods=4, events=[(0.0, 0, 0), (10.0, 2, 0)])  # a listed 0-0 start is fine


def test_a_predictions_document_names_its_model() -> None:
    doc = json.loads(_predictions().model_dump_json())
    doc["metadata"]["model_version"] = None
    with pytest.raises(ValidationError, match="metadata.model_version: missing"):
        Predictions.model_validate(doc)
    doc["metadata"]["model_version"] = "x" * 65
    with pytest.raises(ValidationError, match="at most 64 characters"):
        Predictions.model_validate(doc)


def test_features_documents_check_the_same_bookkeeping() -> None:
    doc = json.loads(_predictions().model_dump_json())
    games = [
        {"game_id": p["game_id"], "raw_data": p["raw_data"], "features": p["features"]} for p in doc["predictions"]
    ]
    meta = {**doc["metadata"], "step": "features", "model_version": None, "total_games": 2}
    with pytest.raises(ValidationError, match=r"games\[1\].game_id: game .* is listed twice"):
        EngineeredFeatures.model_validate({"metadata": meta, "games": [games[0], games[0]]})
