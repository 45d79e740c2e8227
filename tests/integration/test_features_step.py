"""The features step: documents with extras, spec-format documents through the archive, the
vectorised whole-range pass, and hand-computed contexts of real games from the archive."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nba_predictions import features as ft
from nba_predictions import timeline as tl
from nba_predictions.domain import GameContext, GameRecord, HeadToHead, ScoreTimeline, game_length_seconds
from nba_predictions.schemas import ALL_FEATURES, CollectedGame
from nba_predictions.steps.features import build_features, timeline_feature_arrays

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "timelines"
GAME_IDS = ["0022200552", "0022300001", "0022300061", "0042300155"]


def fixture(game_id: str) -> tuple[GameRecord, ScoreTimeline]:
    doc = json.loads((FIXTURES / f"{game_id}.json").read_text())
    return GameRecord.model_validate(doc["record"]), ScoreTimeline.model_validate(doc["timeline"])


def some_context(rank: int) -> GameContext:
    return GameContext(
        home_conference="West", away_conference="East", home_conference_rank=rank, away_conference_rank=16 - rank,
        head_to_head=HeadToHead(playoff_games=0, regular_season_games=2, close_regular_season_games=1),
    )


def collected(game_id: str, rank: int = 3, with_timeline: bool = True, with_context: bool = True) -> CollectedGame:
    record, timeline = fixture(game_id)
    return CollectedGame(**record.model_dump(), score_timeline=timeline if with_timeline else None,
                         context=some_context(rank) if with_context else None)


# --- Documents that carry the extras: no source needed ----------------------------------------


def test_build_features_from_extras_without_source(caplog: pytest.LogCaptureFixture) -> None:
    games = [collected(g, rank=i + 1) for i, g in enumerate(GAME_IDS)]
    with caplog.at_level(logging.INFO, logger="nba_predictions.steps.features"):
        featured, skipped = build_features(games, None)
    assert skipped == []
    assert [f.game_id for f in featured] == GAME_IDS
    for game, f in zip(games, featured):
        assert f.raw_data == game.record()
        assert f.features == ft.game_features(game.record(), game.score_timeline, game.context)
    assert [f.features.competitive_seconds for f in featured] == [1100, 1324, 543, 2274]
    summary = [r.getMessage() for r in caplog.records if "in," in r.getMessage()]
    assert len(summary) == 1 and summary[0].startswith("features: 4 in, 4 out, 0 skipped")


def test_a_bad_game_is_skipped_with_its_reason_and_the_others_go_on() -> None:
    record, timeline = fixture("0022300001")
    truncated = CollectedGame(**record.model_dump(), context=some_context(2),
                              score_timeline=ScoreTimeline(periods=4, events=[e for e in timeline.events if e[0] <= 2160]))
    games = [collected("0022200552"), truncated, collected("0022300061", with_context=False), collected("0042300155")]
    featured, skipped = build_features(games, None)
    assert [f.game_id for f in featured] == ["0022200552", "0042300155"]
    assert [(s.game_id, s.step) for s in skipped] == [("0022300001", "features"), ("0022300061", "features")]
    assert "truncated" in skipped[0].reason
    assert "no context" in skipped[1].reason


# --- The vectorised timeline pass equals the pure functions ------------------------------------


@st.composite
def timelines(draw: st.DrawFn) -> ScoreTimeline:
    periods = draw(st.integers(4, 7))
    length = game_length_seconds(periods)
    times = sorted(draw(st.lists(st.floats(0, length, allow_nan=False), max_size=40)))
    home = away = 0
    events = []
    for t in times:
        if draw(st.booleans()):
            home += draw(st.integers(1, 3))
        else:
            away += draw(st.integers(1, 3))
        events.append((t, home, away))
    return ScoreTimeline(periods=periods, events=events)


def pure(t: ScoreTimeline) -> dict[str, float]:
    changes, tied = tl.lead_changes_and_times_tied(t)
    return {"competitive_seconds": tl.competitive_seconds(t), "lead_changes": changes, "times_tied": tied,
            "overtime_periods": tl.overtime_periods(t), "clutch_seconds": tl.clutch_seconds(t),
            "largest_lead": tl.largest_lead(t), "comeback_points": tl.comeback_points(t)}


@settings(max_examples=150)
@given(st.lists(timelines(), max_size=6))
def test_vectorised_timeline_features_equal_the_pure_functions(ts: list[ScoreTimeline]) -> None:
    arrays = timeline_feature_arrays(ts)
    for i, t in enumerate(ts):
        assert {name: arrays[name][i].item() for name in arrays} == pure(t)


def test_vectorised_timeline_features_of_real_games() -> None:
    ts = [fixture(g)[1] for g in GAME_IDS]
    arrays = timeline_feature_arrays(ts)
    assert arrays["competitive_seconds"].tolist() == [1100, 1324, 543, 2274]
    assert arrays["lead_changes"].tolist() == [1, 10, 1, 16]
    assert arrays["times_tied"].tolist() == [3, 4, 1, 10]
    assert arrays["clutch_seconds"].tolist() == [443, 269, 0, 300]
    assert set(arrays) == set(ALL_FEATURES) - {"diff_ranks", "inter_conference", "scores_diff", "position_score", "rivalry_score"}
