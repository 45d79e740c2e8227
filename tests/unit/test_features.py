"""Features of one game: hand-computed values for real games, validation, and properties.

Timelines and records come from ``tests/fixtures/timelines`` (real games, see the README there).  The
contexts below are written out by hand from the real standings and results (listed in the comments);
the integration tests check that :mod:`nba_predictions.features.history` produces the same contexts from the
archive.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nba_predictions.core.domain import (
    GameContext,
    GameRecord,
    HeadToHead,
    LeaderLine,
    ScoreTimeline,
    StakesContext,
    game_length_seconds,
)
from nba_predictions.documents.models import ALL_FEATURES, GameFeatures
from nba_predictions.errors import GameDataError
from nba_predictions.features import context as fc
from nba_predictions.steps.features import game_features

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "timelines"


def load(game_id: str) -> tuple[GameRecord, ScoreTimeline]:
    doc = json.loads((FIXTURES / f"{game_id}.json").read_text())
    return GameRecord.model_validate(doc["record"]), ScoreTimeline.model_validate(doc["timeline"])


def context(
    home_conf: str,
    away_conf: str,
    home_rank: int,
    away_rank: int,
    playoff: int = 0,
    regular: int = 0,
    close: int = 0,
    stakes: StakesContext | None = None,
) -> GameContext:
    return GameContext(
        home_conference=home_conf,
        away_conference=away_conf,
        home_conference_rank=home_rank,
        away_conference_rank=away_rank,
        head_to_head=HeadToHead(playoff_games=playoff, regular_season_games=regular, close_regular_season_games=close),
        stakes=stakes or StakesContext(),
    )


# --- The single-feature functions ------------------------------------------------------------


def test_spec_example_values() -> None:
    # The spec's example: diff_ranks 3 and position_score 1.533333 -> ranks 2 and 5: 2 - 7/15.
    assert fc.diff_ranks(2, 5) == fc.diff_ranks(5, 2) == 3
    assert fc.position_score(2, 5) == 1.533333
    assert fc.position_score(1, 1) == round(2 - 2 / 15, 6) == 1.866667
    assert fc.position_score(15, 15) == 0.0


def test_inter_conference_and_scores_diff() -> None:
    assert fc.inter_conference("East", "West") == 1
    assert fc.inter_conference("West", "West") == 0
    assert fc.scores_diff(115, 108) == fc.scores_diff(108, 115) == 7
    with pytest.raises(ValueError):
        fc.inter_conference("West", "Central")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fc.scores_diff(-1, 3)


@pytest.mark.parametrize("rank", [0, 16, 2.0, True, None])
def test_ranks_out_of_range_or_wrong_type_are_rejected(rank: object) -> None:
    with pytest.raises(ValueError):
        fc.diff_ranks(rank, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fc.position_score(3, rank)  # type: ignore[arg-type]


def test_rivalry_score() -> None:
    # Never met: 0, not a division by zero.
    assert fc.rivalry_score(HeadToHead(playoff_games=0, regular_season_games=0, close_regular_season_games=0)) == 0
    # Only playoff meetings: 0.7 x 4 = 2.8
    assert fc.rivalry_score(HeadToHead(playoff_games=4, regular_season_games=0, close_regular_season_games=0)) == 2.8
    # 0.7 x 0 + 0.3 x 3/4 = 0.225
    assert fc.rivalry_score(HeadToHead(playoff_games=0, regular_season_games=4, close_regular_season_games=3)) == 0.225


# --- Whole games, hand-computed ----------------------------------------------------------------


def test_overtime_game_0022200552() -> None:
    record, timeline = load("0022200552")  # CLE 145-134 CHI, 2023-01-02, one overtime
    # The context here is an input chosen for the arithmetic (ranks 4 and 11, 13 regular-season
    # meetings of which 7 close, no playoff meetings); the timeline features are the real ones.
    ctx = context("East", "East", 4, 11, playoff=0, regular=13, close=7)
    f = game_features(record, timeline, ctx)
    assert f.diff_ranks == 11 - 4 == 7
    assert f.inter_conference == 0
    assert f.scores_diff == 145 - 134 == 11
    assert f.position_score == round(2 - (4 + 11) / 15, 6) == 1.0
    assert f.competitive_seconds == 1100  # 3180 - 2080, see test_timeline
    assert f.lead_changes == 1 and f.times_tied == 3  # the official box score values
    assert f.rivalry_score == round(0.7 * 0 + 0.3 * 7 / 13, 6) == 0.161538
    assert f.overtime_periods == 1
    assert f.clutch_seconds == 443
    assert (f.largest_lead, f.comeback_points) == (21, 21)


def test_early_season_game_0022300061() -> None:
    record, timeline = load("0022300061")  # DEN 119-107 LAL, 2023-10-24, opening night
    # Nobody had played in 2023-24: ranks are the final 2022-23 West ranks, DEN 1st (53-29),
    # LAL 7th (43-39).  Meetings in [2018-10-24, 2023-10-24): 9 playoff games (2020 WCF 5, 2023 WCF 4);
    # 17 regular-season games, 6 decided by <= 10 (7, 9, 4, 3, 4, 5 points).
    ctx = context("West", "West", 1, 7, playoff=9, regular=17, close=6)
    f = game_features(record, timeline, ctx)
    assert f.diff_ranks == 7 - 1 == 6
    assert f.position_score == round(2 - (1 + 7) / 15, 6) == 1.466667
    assert f.rivalry_score == round(0.7 * 9 + 0.3 * 6 / 17, 6) == round(6.3 + 0.105882, 6) == 6.405882
    assert f.scores_diff == 12
    assert f.competitive_seconds == 543
    assert (f.lead_changes, f.times_tied) == (1, 1)


def test_playoff_rematch_0042300155() -> None:
    record, timeline = load("0042300155")  # DEN 108-106 LAL, 2024-04-29, first round game 5
    # Final 2023-24 West ranks: DEN 1st (57-25, level with OKC; the project's rule - win pct, wins,
    # team id - puts DEN's 1610612743 before OKC's 1610612760), LAL 8th (47-35).
    # Meetings in [2019-04-29, 2024-04-29): playoffs 2020 WCF 5 + 2023 WCF 4 + games 1-4 of this
    # series 4 = 13; regular season 17, decided by <= 10: 9, 4, 3, 4, 5, 8, 10 -> 7.
    # DEN won games 1-3, LAL game 4: DEN (home) leads 3-1 and can clinch.
    ctx = context(
        "West",
        "West",
        1,
        8,
        playoff=13,
        regular=17,
        close=7,
        stakes=StakesContext(home_series_wins=3, away_series_wins=1),
    )
    f = game_features(record, timeline, ctx)
    assert (f.playoff_round, f.series_game, f.series_leader_wins, f.series_trailer_wins) == (1, 5, 3, 1)
    assert (f.elimination_game, f.game_seven, f.play_in, f.cup_final, f.seed_race_teams) == (1, 0, 0, 0, 0)
    assert (f.top_points, f.duel_points, f.all_round) == (0, 0, 0)  # the fixture's timeline names no players
    assert f.rivalry_score == round(0.7 * 13 + 0.3 * 7 / 17, 6) == round(9.1 + 0.123529, 6) == 9.223529
    assert f.diff_ranks == 8 - 1 == 7
    assert f.position_score == round(2 - (1 + 8) / 15, 6) == 1.4
    assert f.scores_diff == 2
    assert f.competitive_seconds == 2274
    assert (f.lead_changes, f.times_tied) == (16, 10)
    assert (f.clutch_seconds, f.largest_lead, f.comeback_points) == (300, 9, 9)


def test_performance_features_come_from_the_timelines_player_lines() -> None:
    record, timeline = load("0022200552")  # CLE 145-134 CHI, one overtime
    lines = [  # chosen for the arithmetic: each side's top scorer and best all-round line
        LeaderLine(side="home", points=51, rebounds=6, assists=4),
        LeaderLine(side="home", points=14, rebounds=11, assists=10),
        LeaderLine(side="away", points=44, rebounds=9, assists=9),
    ]
    with_lines = timeline.model_copy(update={"player_lines": lines})
    f = game_features(record, with_lines, context("East", "East", 4, 11))
    assert f.top_points == 51  # a 50-point game
    assert f.duel_points == min(51, 44) == 44  # both top scorers past 40: a duel
    assert f.all_round == max(min(51, 6, 4), min(14, 11, 10), min(44, 9, 9)) == 10  # a triple-double
    # Unknown lines (None) give 0, and the other features do not depend on the lines.
    without = game_features(record, timeline, context("East", "East", 4, 11))
    assert (without.top_points, without.duel_points, without.all_round) == (0, 0, 0)
    assert without.model_copy(update={"top_points": 51, "duel_points": 44, "all_round": 10}) == f
    # Lines known but of one side only: no duel.
    one_side = timeline.model_copy(update={"player_lines": lines[:2]})
    assert game_features(record, one_side, context("East", "East", 4, 11)).duel_points == 0


def test_feature_vector_order() -> None:
    record, timeline = load("0022300001")
    f = game_features(record, timeline, context("East", "East", 3, 5))
    assert f.vector() == [float(getattr(f, name)) for name in ALL_FEATURES]
    assert f.vector()[:7] == [2.0, 0.0, 5.0, round(2 - 8 / 15, 6), 1324.0, 10.0, 0.0]


# --- Incomplete data is an error, never zeros ------------------------------------------------


def test_missing_timeline_or_context() -> None:
    record, timeline = load("0022300001")
    with pytest.raises(GameDataError, match="no score timeline"):
        game_features(record, None, context("East", "East", 1, 2))
    with pytest.raises(GameDataError, match="no standings"):
        game_features(record, timeline, None)


def test_truncated_timeline() -> None:
    record, timeline = load("0022300001")
    # A feed that stopped at the end of the third quarter (2,160 s).
    cut = ScoreTimeline(periods=4, events=[e for e in timeline.events if e[0] <= 2160])
    with pytest.raises(GameDataError, match="truncated") as info:
        game_features(record, cut, context("East", "East", 1, 2))
    assert info.value.game_id == "0022300001"
    with pytest.raises(GameDataError, match="no scoring events"):
        game_features(record, ScoreTimeline(periods=4, events=[]), context("East", "East", 1, 2))


def test_wrong_period_count() -> None:
    record, timeline = load("0022300001")
    # Declaring an overtime the game did not have: regulation did not end level.
    five = ScoreTimeline(periods=5, events=timeline.events)
    with pytest.raises(GameDataError, match="end of period 4"):
        game_features(record, five, context("East", "East", 1, 2))
    # And an overtime game cut to regulation is level at the end: not a completed game's timeline.
    record, timeline = load("0022200552")
    regulation = ScoreTimeline(periods=4, events=[e for e in timeline.events if e[0] <= 2880])
    with pytest.raises(GameDataError):
        game_features(record, regulation, context("East", "East", 1, 2))


def test_level_final_score_is_rejected() -> None:
    record, _ = load("0022300001")
    level = record.model_copy(update={"home_team_score": 116})
    t = ScoreTimeline(periods=4, events=[(10.0, 116, 116)])
    with pytest.raises(GameDataError, match="level"):
        game_features(level, t, context("East", "East", 1, 2))


# --- Properties --------------------------------------------------------------------------------


@st.composite
def games(draw: st.DrawFn) -> tuple[GameRecord, ScoreTimeline, GameContext]:
    """A random consistent game: regulation ends level iff there is overtime, each OT is decided
    only in the last, and the final score is not level."""
    periods = draw(st.integers(4, 8))
    home = away = 0
    events: list[tuple[float, int, int]] = []

    def score(lo: float, hi: float, n: int) -> None:
        nonlocal home, away
        for t in sorted(draw(st.lists(st.floats(lo, hi, allow_nan=False), min_size=n, max_size=n))):
            if draw(st.booleans()):
                home += draw(st.integers(1, 3))
            else:
                away += draw(st.integers(1, 3))
            events.append((t, home, away))

    def level(at: float) -> None:
        nonlocal home, away
        if home != away:
            home = away = max(home, away)
            events.append((at, home, away))

    score(0, 2870, draw(st.integers(0, 40)))
    for p in range(5, periods + 1):
        level(2870 + 300 * (p - 5) + 5)  # level just before the period ends
        score(2880 + 300 * (p - 5) + 1, 2880 + 300 * (p - 5) + 290, draw(st.integers(0, 8)))
    if home == away:  # decide it in the last period
        home += 1
        events.append((float(game_length_seconds(periods) - 1), home, away))
    lines = None
    if draw(st.booleans()):  # the timeline names its leading players' lines (points within the side's final)
        lines = [
            LeaderLine(
                side=side,
                points=draw(st.integers(0, final)),
                rebounds=draw(st.integers(0, 25)),
                assists=draw(st.integers(0, 20)),
            )
            for side, final in (("home", home), ("away", away))
            for _ in range(draw(st.integers(0, 2)))
        ]
    timeline = ScoreTimeline(periods=periods, events=events, player_lines=lines)
    kind = draw(st.sampled_from(["regular", "playoffs", "play-in", "cup final"]))
    stakes = StakesContext(seed_race_teams=draw(st.integers(0, 2)) if kind == "regular" else 0)
    game_id = {"regular": "0022300001", "play-in": f"00523001{draw(st.integers(0, 3))}1", "cup final": "0062300001"}
    if kind == "playoffs":  # a series state that can be the one before game `number`
        number = draw(st.integers(1, 7))
        home_wins = draw(st.integers(max(0, number - 4), min(3, number - 1)))
        stakes = StakesContext(home_series_wins=home_wins, away_series_wins=number - 1 - home_wins)
        game_id["playoffs"] = f"0042300{draw(st.integers(1, 4))}1{number}"
    record = GameRecord(
        game_id=game_id[kind],
        date="2023-11-03",
        home_team_id=1,
        away_team_id=2,
        home_team_abbreviation="AAA",
        away_team_abbreviation="BBB",
        season_id=f"{game_id[kind][2]}2023",
        home_team_score=home,
        away_team_score=away,
        lead_changes=0,
        times_tied=0,
        game_status="Final",
    )
    regular = draw(st.integers(0, 20))
    ctx = context(
        draw(st.sampled_from(["East", "West"])),
        draw(st.sampled_from(["East", "West"])),
        draw(st.integers(1, 15)),
        draw(st.integers(1, 15)),
        playoff=draw(st.integers(0, 30)),
        regular=regular,
        close=draw(st.integers(0, regular)),
        stakes=stakes,
    )
    return record, timeline, ctx


def swap(
    record: GameRecord, timeline: ScoreTimeline, ctx: GameContext
) -> tuple[GameRecord, ScoreTimeline, GameContext]:
    r = record.model_copy(
        update={
            "home_team_id": record.away_team_id,
            "away_team_id": record.home_team_id,
            "home_team_abbreviation": record.away_team_abbreviation,
            "away_team_abbreviation": record.home_team_abbreviation,
            "home_team_score": record.away_team_score,
            "away_team_score": record.home_team_score,
        }
    )
    other = {"home": "away", "away": "home"}
    lines = timeline.player_lines
    t = ScoreTimeline(
        periods=timeline.periods,
        events=[(s, a, h) for s, h, a in timeline.events],
        player_lines=None if lines is None else [line.model_copy(update={"side": other[line.side]}) for line in lines],
    )
    stakes = ctx.stakes
    assert stakes is not None
    c = ctx.model_copy(
        update={
            "home_conference": ctx.away_conference,
            "away_conference": ctx.home_conference,
            "home_conference_rank": ctx.away_conference_rank,
            "away_conference_rank": ctx.home_conference_rank,
            "stakes": stakes.model_copy(
                update={"home_series_wins": stakes.away_series_wins, "away_series_wins": stakes.home_series_wins}
            ),
        }
    )
    return r, t, c


@given(games())
def test_features_valid_and_symmetric(game: tuple[GameRecord, ScoreTimeline, GameContext]) -> None:
    f = game_features(*game)
    assert isinstance(f, GameFeatures)
    assert 0 <= f.competitive_seconds <= game[1].length_seconds
    assert f.lead_changes <= len(game[1].events) and f.times_tied <= len(game[1].events)
    # Every feature is symmetric in home and away.
    assert game_features(*swap(*game)) == f


@given(games(), st.integers(1, 5))
def test_a_truncated_timeline_is_skipped_with_a_reason(
    game: tuple[GameRecord, ScoreTimeline, GameContext], cut: int
) -> None:
    from nba_predictions.documents.models import CollectedGame
    from nba_predictions.steps.features import build_features

    record, timeline, ctx = game
    # Drop the last `cut` scoring events: the feed stops before the final score.
    short = ScoreTimeline(periods=timeline.periods, events=timeline.events[:-cut])
    with pytest.raises(GameDataError):
        game_features(record, short, ctx)
    good = CollectedGame(**record.model_dump(), score_timeline=timeline, context=ctx)
    other = record.game_id[:8] + ("3" if record.game_id[8] == "2" else "2") + record.game_id[9]  # same kind of game
    bad = CollectedGame(**{**record.model_dump(), "game_id": other}, score_timeline=short, context=ctx)
    featured, skipped = build_features([bad, good], None)
    assert [f.game_id for f in featured] == [record.game_id]
    assert [s.game_id for s in skipped] == [other] and skipped[0].reason.startswith(f"game {other}: ")


def test_features_modules_do_not_import_numpy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, nba_predictions.features.game, nba_predictions.features.timeline, nba_predictions.steps.features; "
        "sys.exit('numpy' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
