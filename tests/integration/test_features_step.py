"""The features step: documents with extras, spec-format documents through the archive, the
vectorised whole-range pass, and hand-computed contexts of real games from the archive."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nba_predictions.core.domain import (
    GameContext,
    GameRecord,
    HeadToHead,
    ScoreTimeline,
    StakesContext,
    game_length_seconds,
)
from nba_predictions.documents.models import ALL_FEATURES, SCORE_NAMES, CollectedGame
from nba_predictions.features import timeline as tl
from nba_predictions.features.events import EventArrays
from nba_predictions.features.history import load_history
from nba_predictions.features.matrix import range_features
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.steps.features import build_features, game_features

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "timelines"
GAME_IDS = ["0022200552", "0022300001", "0022300061", "0042300155"]


def fixture(game_id: str) -> tuple[GameRecord, ScoreTimeline]:
    doc = json.loads((FIXTURES / f"{game_id}.json").read_text())
    return GameRecord.model_validate(doc["record"]), ScoreTimeline.model_validate(doc["timeline"])


# The series state before each fixture game (0042300155: DEN won games 1-3, LAL game 4).
STAKES = {"0042300155": StakesContext(home_series_wins=3, away_series_wins=1)}


def some_context(rank: int, game_id: str = "0022300001") -> GameContext:
    return GameContext(
        home_conference="West",
        away_conference="East",
        home_conference_rank=rank,
        away_conference_rank=16 - rank,
        head_to_head=HeadToHead(playoff_games=0, regular_season_games=2, close_regular_season_games=1),
        stakes=STAKES.get(game_id, StakesContext()),
    )


def collected(game_id: str, rank: int = 3, with_timeline: bool = True, with_context: bool = True) -> CollectedGame:
    record, timeline = fixture(game_id)
    return CollectedGame(
        **record.model_dump(),
        score_timeline=timeline if with_timeline else None,
        context=some_context(rank, game_id) if with_context else None,
    )


# --- Documents that carry the extras: no source needed ----------------------------------------


def test_build_features_from_extras_without_source(caplog: pytest.LogCaptureFixture) -> None:
    games = [collected(g, rank=i + 1) for i, g in enumerate(GAME_IDS)]
    with caplog.at_level(logging.INFO, logger="nba_predictions.steps.features"):
        featured, skipped = build_features(games, None)
    assert skipped == []
    assert [f.game_id for f in featured] == GAME_IDS
    for game, f in zip(games, featured):
        assert f.raw_data == game.record()
        assert f.features == game_features(game.record(), game.score_timeline, game.context)
    assert [f.features.competitive_seconds for f in featured] == [1100, 1324, 543, 2274]
    summary = [r.getMessage() for r in caplog.records if "in," in r.getMessage()]
    assert len(summary) == 1 and summary[0].startswith("features: 4 in, 4 out, 0 skipped")


def test_a_bad_game_is_skipped_with_its_reason_and_the_others_go_on() -> None:
    record, timeline = fixture("0022300001")
    truncated = CollectedGame(
        **record.model_dump(),
        context=some_context(2),
        score_timeline=ScoreTimeline(periods=4, events=[e for e in timeline.events if e[0] <= 2160]),
    )
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
    # Any moment, and often the boundaries the features look at (the last 10, 30 or 60 seconds, the end
    # of regulation, the buzzer), several events at one second included.
    moments = st.one_of(
        st.floats(0, length, allow_nan=False),
        st.sampled_from([0.0, 2880.0, length - 60.0, length - 30.0, length - 10.0, float(length)]),
    )
    times = sorted(draw(st.lists(moments, max_size=40)))
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
    """Every timeline feature from the per-game functions of :mod:`nba_predictions.features.timeline` (the path of
    the per-date step, for archive and live games alike)."""
    return tl.timeline_values(t)


@settings(max_examples=150)
@given(st.lists(timelines(), max_size=6))
def test_vectorised_timeline_features_equal_the_pure_functions(ts: list[ScoreTimeline]) -> None:
    arrays = tl.timeline_columns(EventArrays.from_timelines(ts))
    for i, t in enumerate(ts):
        assert {name: arrays[name][i].item() for name in arrays} == pure(t)


def test_vectorised_timeline_features_of_real_games() -> None:
    ts = [fixture(g)[1] for g in GAME_IDS]
    arrays = tl.timeline_columns(EventArrays.from_timelines(ts))
    assert arrays["competitive_seconds"].tolist() == [1100, 1324, 543, 2274]
    assert arrays["lead_changes"].tolist() == [1, 10, 1, 16]
    assert arrays["times_tied"].tolist() == [3, 4, 1, 10]
    assert arrays["clutch_seconds"].tolist() == [443, 269, 0, 300]
    assert arrays["second_half_close_seconds"].tolist() == [859, 995, 181, 1072]
    assert arrays["decided_seconds"].tolist() == [158, 1, 548, 0]
    # The last seconds, as computed by hand in tests/unit/test_timeline.py.
    assert arrays["go_ahead_seconds_left"].tolist() == [266, 328, 2694, 4]
    assert arrays["last_lead_change_seconds_left"].tolist() == [266, 328, 2694, 67]
    assert arrays["last_tie_seconds_left"].tolist() == [266, 431, 2817, 4]
    assert arrays["winner_margin_10s_left"].tolist() == [11, 3, 12, 0]
    assert arrays["winner_margin_30s_left"].tolist() == [11, 1, 14, 2]
    assert arrays["winner_margin_60s_left"].tolist() == [8, 1, 14, 2]
    assert set(arrays) == set(SCORE_NAMES) - {
        "diff_ranks",
        "inter_conference",
        "scores_diff",
        "position_score",
        "rivalry_score",
    }


# --- Through the packaged archive: real contexts, computed by hand -----------------------------


@pytest.fixture(scope="module")
def archive() -> ArchiveSource:
    return ArchiveSource()


def spec_format(records: list[GameRecord]) -> list[CollectedGame]:
    """Games as in a collected_games.json in exactly the spec's format (no extras)."""
    return [CollectedGame(**r.model_dump()) for r in records]


def archive_game(archive: ArchiveSource, day: date, game_id: str) -> GameRecord:
    return next(r for r in archive.completed_games(day) if r.game_id == game_id)


def test_overtime_game_from_a_spec_format_document(archive: ArchiveSource) -> None:
    record = archive_game(archive, date(2023, 1, 2), "0022200552")  # CLE 145-134 CHI, one overtime
    (f,), skipped = build_features(spec_format([record]), archive)
    assert skipped == []
    # East before 2023-01-02 (from the results of 2022-23 up to 2023-01-01): 1 BOS 26-11, 2 BKN 24-12,
    # 3 MIL 23-13, 4 CLE 23-14, 5 PHI 21-14, 6 IND 20-17, 7 MIA 19-18, 8 NYK 19-18, 9 ATL 17-19,
    # 10 WAS 17-21, 11 CHI 16-20, 12 TOR 16-20 (level with CHI: team id 1610612741 < 1610612761), ...
    assert (f.features.diff_ranks, f.features.position_score) == (11 - 4, round(2 - (4 + 11) / 15, 6)) == (7, 1.0)
    # CLE-CHI from 2018-01-02 to 2023-01-01: no playoff games; 18 regular-season games, decided by
    # 5, 1, 20, 16, 3, 6, 2, 12, 5, 9, 10, 16, 23, 13, 10, 4, 32, 1 -> 11 by <= 10 points.
    assert f.features.rivalry_score == round(0.3 * 11 / 18, 6) == 0.183333
    assert f.features.inter_conference == 0
    # Timeline features as in the hand computation of tests/unit/test_timeline.py; the line score
    # and box score of the recorded BoxScoreSummaryV2 (130-130 after regulation, 1 lead change,
    # 3 times tied, largest lead 21) agree.
    assert f.features.scores_diff == 11
    assert (f.features.competitive_seconds, f.features.clutch_seconds) == (1100, 443)
    assert (f.features.lead_changes, f.features.times_tied, f.features.largest_lead) == (1, 3, 21)
    assert (f.features.overtime_periods, f.features.comeback_points) == (1, 21)


def test_early_season_game_takes_last_seasons_final_ranks(archive: ArchiveSource) -> None:
    record = archive_game(archive, date(2023, 10, 24), "0022300061")  # DEN 119-107 LAL, opening night
    (f,), skipped = build_features(spec_format([record]), archive)
    assert skipped == []
    # Nobody has played in 2023-24 yet: final 2022-23 West table, DEN 1st (53-29), LAL 7th (43-39,
    # behind LAC and GSW at 44-38, ahead of MIN and NOP at 42-40).
    assert f.features.diff_ranks == 7 - 1 == 6
    assert f.features.position_score == round(2 - (1 + 7) / 15, 6) == 1.466667
    # DEN-LAL from 2018-10-24 to 2023-10-23: playoffs 2020 WCF (5) + 2023 WCF (4) = 9; regular season
    # 17 games, decided by <= 10: 7 (2018-10-25), 9, 4, 3, 4, 5 -> 6.
    assert f.features.rivalry_score == round(0.7 * 9 + 0.3 * 6 / 17, 6) == 6.405882
    assert (f.features.scores_diff, f.features.competitive_seconds, f.features.lead_changes) == (12, 543, 1)


def test_playoff_rematch_has_a_rivalry_score(archive: ArchiveSource) -> None:
    record = archive_game(archive, date(2024, 4, 29), "0042300155")  # DEN 108-106 LAL, round 1 game 5
    (f,), skipped = build_features(spec_format([record]), archive)
    assert skipped == []
    # Final 2023-24 regular season (play-in games do not count): DEN 1st at 57-25 (level with OKC;
    # win pct, wins, then team id 1610612743 < 1610612760), LAL 8th at 47-35.
    assert (f.features.diff_ranks, f.features.position_score) == (8 - 1, round(2 - 9 / 15, 6)) == (7, 1.4)
    # Playoff meetings from 2019-04-29: 2020 WCF 5 + 2023 WCF 4 + games 1-4 of this series = 13;
    # regular season 17, close 7 (9, 4, 3, 4, 5, 8, 10 points): 0.7 x 13 + 0.3 x 7/17.
    assert f.features.rivalry_score == round(9.1 + 2.1 / 17, 6) == 9.223529
    assert (f.features.competitive_seconds, f.features.lead_changes, f.features.times_tied) == (2274, 16, 10)


def test_spec_format_document_equals_one_with_extras(archive: ArchiveSource) -> None:
    from nba_predictions.steps.collection import collect_games

    day = date(2024, 1, 15)
    with_extras, collection_skipped, _ = collect_games(archive, day)
    assert collection_skipped == [] and len(with_extras) == 11
    from_extras, skipped_a = build_features(with_extras, None)
    fetched, skipped_b = build_features(spec_format([g.record() for g in with_extras]), archive)
    assert skipped_a == skipped_b == []
    assert from_extras == fetched


def test_spec_format_document_loads_history_once(archive: ArchiveSource, monkeypatch: pytest.MonkeyPatch) -> None:
    from nba_predictions.features import history

    calls = []

    def counting(*args, **kwargs):
        calls.append(args[1:])
        return load_history(*args, **kwargs)

    monkeypatch.setattr(history, "load_history", counting)
    records = archive.completed_games(date(2024, 1, 15)) + archive.completed_games(date(2024, 1, 16))
    featured, _ = build_features(spec_format(records), archive)
    assert len(featured) == len(records) > 11
    assert calls == [(date(2024, 1, 15), date(2024, 1, 16))]


def test_truncated_play_by_play_in_the_archive_is_skipped(archive: ArchiveSource) -> None:
    records = archive.completed_games(date(2023, 12, 4))
    assert "0022301202" in [r.game_id for r in records]
    featured, skipped = build_features(spec_format(records), archive)
    assert [s.game_id for s in skipped] == ["0022301202"]
    assert "truncated" in skipped[0].reason
    assert len(featured) == len(records) - 1


def test_season_table_equals_the_step_game_by_game(archive: ArchiveSource) -> None:
    first, last = date(2023, 10, 24), date(2024, 6, 17)  # the whole 2023-24 season, playoffs included
    history = load_history(archive, first, last)
    table = range_features(archive, first, last, history=history)
    assert table.matrix.shape == (len(table.game_ids), len(ALL_FEATURES))
    # 1,230 regular-season games + 6 play-in + 82 playoff games; the play-in games have no
    # play-by-play and one game's play-by-play is truncated.
    skipped = {s.game_id for s in table.skipped}
    assert len(table) + len(skipped) == 1230 + 6 + 82
    assert "0022301202" in skipped and sum(g.startswith("005") for g in skipped) == 6 and len(skipped) == 7
    featured, step_skipped = build_features(spec_format(table.records), archive)
    assert step_skipped == []
    assert [f.game_id for f in featured] == table.game_ids
    for row, f in zip(table.matrix.tolist(), featured):
        assert row == f.features.vector(), f.game_id
    i = table.game_ids.index("0042300155")
    assert table.matrix[i].tolist()[:7] == [7, 0, 2, 1.4, 2274, 16, 9.223529]


def test_season_table_decodes_each_timeline_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import nba_predictions.sources.archive_reader as archive_module  # where the archive decodes timelines

    source = ArchiveSource()
    first, last = date(2024, 1, 15), date(2024, 1, 21)  # a week in which every game has a timeline
    history = load_history(source, first, last)
    decodes: list[bytes] = []
    real_decode = archive_module.decode_events

    def counting_decode(blob: bytes):
        decodes.append(blob)
        return real_decode(blob)

    monkeypatch.setattr(archive_module, "decode_events", counting_decode)
    table = range_features(source, first, last, history=history)
    assert table.skipped == [] and len(table) > 40
    assert len(decodes) == len(table)
    # The table hands its timelines on (training reuses them), row for row.
    assert [(t.final_score) for t in table.timelines] == [(r.home_team_score, r.away_team_score) for r in table.records]
    assert table.timelines == [source.score_timeline(r) for r in table.records]


def test_vectorised_pass_clamps_float_sums_like_the_pure_functions() -> None:
    t = ScoreTimeline(periods=4, events=[(1.805914653379432, 0, 1), (2050.5885904983293, 0, 2)])
    arrays = tl.timeline_columns(EventArrays.from_timelines([t, t]))
    assert arrays["competitive_seconds"].tolist() == [2880, 2880] == [tl.competitive_seconds(t)] * 2
    assert arrays["second_half_close_seconds"].tolist() == [1440, 1440] == [tl.second_half_close_seconds(t)] * 2
