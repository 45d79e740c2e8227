"""Timeline features: hand-computed values for real games and Hypothesis properties.

The real timelines are in ``tests/fixtures/timelines`` (see the README there for where they come from).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nba_predictions.core.domain import ScoreTimeline, game_length_seconds
from nba_predictions.features import timeline as tl

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "timelines"


def load(game_id: str) -> ScoreTimeline:
    return ScoreTimeline.model_validate(json.loads((FIXTURES / f"{game_id}.json").read_text())["timeline"])


def margin_at(timeline: ScoreTimeline, seconds: float) -> int:
    """Margin in force at ``seconds``: the last event at or before it (0 before the first)."""
    margin = 0
    for t, home, away in timeline.events:
        if t > seconds:
            break
        margin = home - away
    return margin


def check_intervals(timeline: ScoreTimeline, intervals: list[tuple[float, float]]) -> None:
    """The hand-listed stretches with |margin| > 5 really start and end where the comments say:
    the margin is > 5 from each start and <= 5 again at each end (or the game is over)."""
    for start, end in intervals:
        assert abs(margin_at(timeline, start)) > 5, start
        assert abs(margin_at(timeline, start - 1)) <= 5, start
        assert abs(margin_at(timeline, end - 1)) > 5, end
        if end < timeline.length_seconds:
            assert abs(margin_at(timeline, end)) <= 5, end


# --- Real games, computed by hand -------------------------------------------------------------


def test_regulation_game_0022300001_ind_cle() -> None:
    t = load("0022300001")  # IND 121-116 CLE, 2023-11-03, regulation: 2,880 s
    # Stretches with |home - away| > 5, read off the timeline (seconds since tip-off):
    far = [(169, 180), (199, 433), (472, 553), (593, 607), (669, 1837), (1854, 1871), (2643, 2674)]
    check_intervals(t, far)
    # 11 + 234 + 81 + 14 + 1168 + 17 + 31 = 1556 s more than 5 apart -> 2880 - 1556 = 1324
    assert tl.competitive_seconds(t) == 2880 - (11 + 234 + 81 + 14 + 1168 + 17 + 31) == 1324
    # Clutch window 2580..2880 (300 s) contains only (2643, 2674): 300 - 31 = 269
    assert tl.clutch_seconds(t) == 300 - 31 == 269
    # Official box score (recorded BoxScoreSummaryV2): 10 lead changes, 4 times tied, IND largest lead 18.
    assert tl.lead_changes_and_times_tied(t) == (10, 4)
    assert tl.largest_lead(t) == 18
    # IND won; its worst deficit was 0-4 early on (and never worse): 4 points overcome.
    assert min(h - a for _, h, a in t.events) == -4
    assert tl.comeback_points(t) == 4
    assert tl.overtime_periods(t) == 0
    # Second half 1440..2880 (1440 s) overlaps (669, 1837) from 1440 (397 s), (1854, 1871), (2643, 2674):
    # 1440 - (397 + 17 + 31) = 995
    assert tl.second_half_close_seconds(t) == 1440 - (397 + 17 + 31) == 995
    # Last one-score margin: 119-116 from 2878 s until IND's two free throws made it 121-116 at 2879 s.
    assert (margin_at(t, 2878), margin_at(t, 2879)) == (3, 5)
    assert tl.decided_seconds(t) == 2880 - 2879 == 1
    # The last seconds.  IND took the lead for good with a three, 103-105 to 106-105 at 2552 s (5:28 left),
    # also the last lead change; the last tie, 100-100, was broken by CLE's 100-102 at 2449 s (7:11 left).
    assert (margin_at(t, 2551), margin_at(t, 2552)) == (-2, 1)
    assert all(h > a for s, h, a in t.events if s >= 2552)
    assert tl.go_ahead_seconds_left(t) == tl.last_lead_change_seconds_left(t) == 2880 - 2552 == 328
    assert (margin_at(t, 2448), margin_at(t, 2449)) == (0, -2)
    assert all(h != a for s, h, a in t.events if s >= 2449)
    assert tl.last_tie_seconds_left(t) == 2880 - 2449 == 431
    # 10 s left (2870 s): 117-114 since 2863 s; 30 s and 60 s left (2850 s, 2820 s): 115-114 since 2767 s.
    assert (
        [tl.winner_margin_seconds_left(t, s) for s in (10, 30, 60)]
        == [margin_at(t, 2870), margin_at(t, 2850), margin_at(t, 2820)]
        == [3, 1, 1]
    )


def test_overtime_game_0022200552_cle_chi() -> None:
    t = load("0022200552")  # CLE 145-134 CHI, 2023-01-02, one overtime: 2,880 + 300 = 3,180 s
    assert t.periods == 5 and t.length_seconds == 3180
    # The line score says 130-130 after regulation (CLE 27+20+44+39, CHI 34+31+31+34).
    assert (margin_at(t, 2880), t.final_score) == (0, (145, 134))
    far = [
        (161, 229),
        (244, 257),
        (270, 398),
        (414, 438),
        (458, 658),
        (674, 2106),
        (2184, 2201),
        (2401, 2414),
        (2460, 2471),
        (2542, 2559),
        (2736, 2754),
        (3041, 3180),
    ]
    check_intervals(t, far)
    # 68 + 13 + 128 + 24 + 200 + 1432 + 17 + 13 + 11 + 17 + 18 + 139 = 2080 -> 3180 - 2080 = 1100
    assert tl.competitive_seconds(t) == 3180 - (68 + 13 + 128 + 24 + 200 + 1432 + 17 + 13 + 11 + 17 + 18 + 139) == 1100
    # Clutch window 2580..3180 (600 s): (2736, 2754) and (3041, 3180) -> 600 - 18 - 139 = 443
    assert tl.clutch_seconds(t) == 600 - 18 - 139 == 443
    # Official: 1 lead change, 3 times tied, CHI largest lead 21 (CLE 11); CLE won from 21 down.
    assert tl.lead_changes_and_times_tied(t) == (1, 3)
    assert tl.largest_lead(t) == 21
    assert tl.comeback_points(t) == 21
    assert tl.overtime_periods(t) == 1
    # Second half + overtime 1440..3180 (1740 s) overlaps (674, 2106) from 1440 (666 s) and the
    # stretches after it: 1740 - (666 + 17 + 13 + 11 + 17 + 18 + 139) = 859
    assert tl.second_half_close_seconds(t) == 1740 - (666 + 17 + 13 + 11 + 17 + 18 + 139) == 859
    # Overtime: 133-130 from 2914 s, 135-130 at 3022 s, never within 3 again: 3180 - 3022 = 158
    assert (margin_at(t, 2914), margin_at(t, 3022)) == (3, 5)
    assert all(abs(h - a) > 3 for s, h, a in t.events if s >= 3022)
    assert tl.decided_seconds(t) == 3180 - 3022 == 158
    # The last seconds.  CLE tied it 130-130 with 3 s left in regulation (2877 s) and went ahead for good
    # with 133-130 at 2914 s (4:26 left in overtime): its first lead of the game, so also the only lead
    # change and the moment the last tie was broken.
    assert (margin_at(t, 2876), margin_at(t, 2877), margin_at(t, 2913), margin_at(t, 2914)) == (-2, 0, 0, 3)
    assert (
        tl.go_ahead_seconds_left(t)
        == tl.last_lead_change_seconds_left(t)
        == tl.last_tie_seconds_left(t)
        == 3180 - 2914
        == 266
    )
    # 10 and 30 s before the end of overtime (3170 s, 3150 s): 145-134; 60 s before (3120 s): 140-132.
    assert [tl.winner_margin_seconds_left(t, s) for s in (10, 30, 60)] == [11, 11, 8]


def test_early_season_game_0022300061_den_lal() -> None:
    t = load("0022300061")  # DEN 119-107 LAL, 2023-10-24
    far = [(242, 256), (275, 298), (399, 1497), (1510, 2172), (2242, 2274), (2287, 2298), (2383, 2880)]
    check_intervals(t, far)
    # 14 + 23 + 1098 + 662 + 32 + 11 + 497 = 2337 -> 2880 - 2337 = 543
    assert tl.competitive_seconds(t) == 2880 - (14 + 23 + 1098 + 662 + 32 + 11 + 497) == 543
    # DEN led by more than 5 through the whole clutch window (2383 .. 2880 covers 2580 .. 2880).
    assert tl.clutch_seconds(t) == 0
    # Second half 1440..2880: (399, 1497) from 1440 (57 s), 662, 32, 11, 497 -> 1440 - 1259 = 181
    assert tl.second_half_close_seconds(t) == 1440 - (57 + 662 + 32 + 11 + 497) == 181
    # 92-89 from 2298 s until 94-89 at 2332 s, then never within 3: 2880 - 2332 = 548
    assert (margin_at(t, 2298), margin_at(t, 2332)) == (3, 5)
    assert all(abs(h - a) > 3 for s, h, a in t.events if s >= 2332)
    assert tl.decided_seconds(t) == 2880 - 2332 == 548
    # The last seconds.  2-2 at 45 s, LAL 2-5 at 63 s (the last tie broken), LAL led until DEN's 11-10 at
    # 186 s (the last lead change); DEN led from then on.
    assert [margin_at(t, s) for s in (44, 45, 63, 185, 186)] == [-2, 0, -3, -1, 1]
    assert all(h > a for s, h, a in t.events if s >= 186)
    assert tl.go_ahead_seconds_left(t) == tl.last_lead_change_seconds_left(t) == 2880 - 186 == 2694
    assert tl.last_tie_seconds_left(t) == 2880 - 63 == 2817
    # 2870 s: 119-107 (since 2856 s); 2850 s: 119-105 (since 2849 s); 2820 s: 117-103 (since 2819 s).
    assert [tl.winner_margin_seconds_left(t, s) for s in (10, 30, 60)] == [12, 14, 14]


def test_playoff_game_0042300155_den_lal() -> None:
    t = load("0042300155")  # DEN 108-106 LAL, 2024-04-29, first round game 5
    far = [
        (615, 634),
        (1042, 1062),
        (1119, 1136),
        (1193, 1244),
        (1267, 1330),
        (1351, 1407),
        (1424, 1436),
        (1459, 1587),
        (1625, 1711),
        (1727, 1848),
        (1891, 1906),
        (2262, 2280),
    ]
    check_intervals(t, far)
    # 19 + 20 + 17 + 51 + 63 + 56 + 12 + 128 + 86 + 121 + 15 + 18 = 606 -> 2880 - 606 = 2274
    assert tl.competitive_seconds(t) == 2880 - (19 + 20 + 17 + 51 + 63 + 56 + 12 + 128 + 86 + 121 + 15 + 18) == 2274
    assert tl.clutch_seconds(t) == 300  # within 5 points for all of the last five minutes
    assert tl.largest_lead(t) == 9
    assert tl.comeback_points(t) == 9  # DEN trailed by 9 and won
    # Second half 1440..2880: (1459, 1587), (1625, 1711), (1727, 1848), (1891, 1906), (2262, 2280)
    assert tl.second_half_close_seconds(t) == 1440 - (128 + 86 + 121 + 15 + 18) == 1072
    assert tl.decided_seconds(t) == 0  # won by 2: a one-score game to the buzzer
    # Jamal Murray's winner: DEN retook the lead at 106-104 (2813 s, the last lead change), LAL's free
    # throws tied it 106-106 at 2854 s, Murray's jumper made it 108-106 at 2876 s, 4 s before the end.
    assert [margin_at(t, s) for s in (2812, 2813, 2853, 2854, 2875, 2876)] == [-1, 2, 2, 0, 0, 2]
    assert tl.go_ahead_seconds_left(t) == tl.last_tie_seconds_left(t) == 2880 - 2876 == 4
    assert tl.last_lead_change_seconds_left(t) == 2880 - 2813 == 67
    # 10 s left (2870 s): tied; 30 s and 60 s left (2850 s, 2820 s): 106-104.
    assert [tl.winner_margin_seconds_left(t, s) for s in (10, 30, 60)] == [0, 2, 2]


# --- Small exact cases -------------------------------------------------------------------------


def test_margin_is_zero_before_first_event_and_constant_between_events() -> None:
    t = ScoreTimeline(periods=4, events=[(100.0, 6, 0), (200.0, 6, 3)])
    # 0..100 tied (100 s), 100..200 up 6 (not close), 200..2880 up 3 (2680 s)
    assert tl.competitive_seconds(t) == 100 + 2680
    assert tl.largest_lead(t) == 6
    assert tl.comeback_points(t) == 0


def test_events_at_the_same_second_keep_only_the_last_state() -> None:
    # 6-0 and 6-3 logged at the same second: the 6-point lead lasts 0 s.
    t = ScoreTimeline(periods=4, events=[(100.0, 6, 0), (100.0, 6, 3)])
    assert tl.competitive_seconds(t) == 2880
    assert tl.largest_lead(t) == 6  # it was still held, for an instant


def test_clutch_counts_all_overtime() -> None:
    t = ScoreTimeline(
        periods=6, events=[(10.0, 2, 0), (2000.0, 30, 10), (2870.0, 40, 40), (3170.0, 45, 45), (3470.0, 52, 45)]
    )
    # 2580..2870 margin 20 (not close), 2870..3470 within 5 (600 s), 3470..3480 up 7
    assert tl.clutch_seconds(t) == 600
    assert tl.overtime_periods(t) == 2


def test_second_half_close_seconds_counts_from_halftime_through_overtime() -> None:
    t = ScoreTimeline(
        periods=5, events=[(100.0, 10, 0), (1500.0, 10, 8), (2000.0, 20, 8), (2870.0, 20, 20), (3100.0, 27, 20)]
    )
    # 1440..1500 up 10, 1500..2000 up 2 (500 s), 2000..2870 up 12, 2870..3100 tied (230 s), 3100..3180 up 7
    assert tl.second_half_close_seconds(t) == 500 + 230
    # From 1500 s on, the margin was within 3 until 20-8 at 2000 s and from 2870 s until 27-20 at 3100 s.
    assert tl.decided_seconds(t) == 3180 - 3100


def test_decided_seconds_ignores_a_one_score_margin_that_lasted_zero_seconds() -> None:
    # 4-0 at 50 s; 4-2 and 7-2 at the same second 60 s: the 2-point margin lasts 0 s.
    t = ScoreTimeline(periods=4, events=[(0.0, 0, 0), (50.0, 4, 0), (60.0, 4, 2), (60.0, 7, 2)])
    assert tl.decided_seconds(t) == 2880 - 50  # the 0-0 start (0..50 s) is the last one-score stretch
    # A basket at the buzzer from a one-score margin: decided at the buzzer.
    buzzer = ScoreTimeline(periods=4, events=[(2000.0, 0, 2), (2880.0, 3, 2)])
    assert tl.decided_seconds(buzzer) == 0


def test_empty_timeline() -> None:
    t = ScoreTimeline(periods=4, events=[])
    assert tl.competitive_seconds(t) == 2880
    assert (tl.largest_lead(t), tl.comeback_points(t)) == (0, 0)
    assert (tl.second_half_close_seconds(t), tl.decided_seconds(t)) == (1440, 0)


def test_last_seconds_of_small_exact_games() -> None:
    # The away side wins at the buzzer from a tie after leading early; the home side's only lead was 3-2.
    t = ScoreTimeline(periods=4, events=[(100.0, 0, 2), (200.0, 3, 2), (300.0, 3, 3), (2880.0, 3, 5)])
    assert tl.go_ahead_seconds_left(t) == 0.0  # the winner's go-ahead shot at the buzzer
    assert tl.last_tie_seconds_left(t) == 0.0  # tied 3-3 from 300 s until the buzzer
    # 0-2 -> 3-2 is a lead change, and so is 3-2 -> 3-3 -> 3-5 (the official rule ignores the tie between).
    assert tl.lead_changes_and_times_tied(t) == (2, 1)
    assert tl.last_lead_change_seconds_left(t) == 0.0
    assert [tl.winner_margin_seconds_left(t, s) for s in (10, 30, 60)] == [0, 0, 0]
    # Wire to wire: the first score is the go-ahead, no lead change, the 0-0 start is the last tie.
    wire = ScoreTimeline(periods=4, events=[(20.0, 2, 0), (2870.0, 10, 4)])
    assert tl.go_ahead_seconds_left(wire) == tl.last_tie_seconds_left(wire) == 2880 - 20
    assert tl.last_lead_change_seconds_left(wire) == 2880  # never changed hands: the whole game
    # An event exactly 10 s before the end counts for the 10-second margin.
    assert [tl.winner_margin_seconds_left(wire, s) for s in (10, 30, 60)] == [6, 2, 2]


def test_last_seconds_with_events_at_the_same_second() -> None:
    # 2-2, then at 2875 s the home side's and-one (4-2, 5-2) is answered... by nothing: taken in order.
    t = ScoreTimeline(periods=4, events=[(10.0, 0, 2), (50.0, 2, 2), (2875.0, 4, 2), (2875.0, 5, 2)])
    assert tl.go_ahead_seconds_left(t) == tl.last_tie_seconds_left(t) == 5.0
    # A lead lost and regained within the same second: the regain is the go-ahead.
    flip = ScoreTimeline(periods=4, events=[(100.0, 2, 0), (2870.0, 2, 3), (2870.0, 4, 3)])
    assert tl.go_ahead_seconds_left(flip) == 10.0
    assert tl.last_lead_change_seconds_left(flip) == 10.0
    assert tl.winner_margin_seconds_left(flip, 10) == 1  # both events at 2870 s count
    assert tl.winner_margin_seconds_left(flip, 11) == 2


def test_level_final_has_no_comeback() -> None:
    assert tl.comeback_points(ScoreTimeline(periods=4, events=[(5.0, 0, 3), (9.0, 3, 3)])) == 0


# --- Properties over random valid timelines ----------------------------------------------------


@st.composite
def timelines(draw: st.DrawFn, integer_times: bool = False) -> ScoreTimeline:
    periods = draw(st.integers(4, 10))
    length = game_length_seconds(periods)
    n = draw(st.integers(0, 60))
    if integer_times:
        times = draw(st.lists(st.integers(0, length), min_size=n, max_size=n))
    else:
        times = draw(st.lists(st.floats(0, length, allow_nan=False), min_size=n, max_size=n))
    events = []
    home = away = 0
    for t in sorted(times):
        points = draw(st.integers(1, 3))
        if draw(st.booleans()):
            home += points
        else:
            away += points
        events.append((float(t), home, away))
    return ScoreTimeline(periods=periods, events=events)


def swapped(t: ScoreTimeline) -> ScoreTimeline:
    return ScoreTimeline(periods=t.periods, events=[(s, a, h) for s, h, a in t.events])


@given(timelines())
def test_competitive_and_clutch_seconds_within_game_length(t: ScoreTimeline) -> None:
    competitive = tl.competitive_seconds(t)
    clutch = tl.clutch_seconds(t)
    assert 0 <= competitive <= t.length_seconds
    assert 0 <= clutch <= min(competitive, t.length_seconds - tl.CLUTCH_START_SECONDS)


@given(timelines())
def test_late_game_seconds_within_their_windows(t: ScoreTimeline) -> None:
    half = tl.second_half_close_seconds(t)
    assert (
        tl.clutch_seconds(t) <= half <= min(tl.competitive_seconds(t), t.length_seconds - tl.SECOND_HALF_START_SECONDS)
    )
    assert 0 <= tl.decided_seconds(t) <= t.length_seconds
    if t.events:
        final_home, final_away = t.final_score
        # A game whose last score (before the buzzer) left it within 3 points was never decided early.
        if abs(final_home - final_away) <= 3 and t.events[-1][0] < t.length_seconds:
            assert tl.decided_seconds(t) == 0


@given(timelines())
def test_last_seconds_are_ordered_and_agree_with_the_margins(t: ScoreTimeline) -> None:
    final_home, final_away = t.final_score
    if final_home == final_away:
        return  # no winner (a completed game never ends level)
    length = t.length_seconds
    go_ahead = tl.go_ahead_seconds_left(t)
    assert 0 <= go_ahead <= tl.last_tie_seconds_left(t) <= length  # no tie after the winner's go-ahead
    assert go_ahead <= tl.last_lead_change_seconds_left(t) <= length
    for s in tl.LATE_MARGIN_SECONDS:
        if go_ahead >= s:  # the winner already led then, for good
            assert tl.winner_margin_seconds_left(t, s) > 0
        if tl.winner_margin_seconds_left(t, s) <= 0:
            assert go_ahead < s


@given(timelines())
def test_counts_bounded_by_scoring_events(t: ScoreTimeline) -> None:
    changes, tied = tl.lead_changes_and_times_tied(t)
    assert 0 <= changes <= len(t.events)
    assert 0 <= tied <= len(t.events)
    assert 0 <= tl.comeback_points(t) <= tl.largest_lead(t)


@given(timelines())
def test_swapping_home_and_away_changes_nothing(t: ScoreTimeline) -> None:
    s = swapped(t)
    assert tl.competitive_seconds(s) == tl.competitive_seconds(t)
    assert tl.clutch_seconds(s) == tl.clutch_seconds(t)
    assert tl.lead_changes_and_times_tied(s) == tl.lead_changes_and_times_tied(t)
    assert tl.largest_lead(s) == tl.largest_lead(t)
    assert tl.comeback_points(s) == tl.comeback_points(t)
    assert tl.overtime_periods(s) == tl.overtime_periods(t)
    assert tl.second_half_close_seconds(s) == tl.second_half_close_seconds(t)
    assert tl.decided_seconds(s) == tl.decided_seconds(t)
    assert tl.last_lead_change_seconds_left(s) == tl.last_lead_change_seconds_left(t)
    assert tl.last_tie_seconds_left(s) == tl.last_tie_seconds_left(t)
    if t.final_score[0] != t.final_score[1]:  # the winner is the same team, on the other side
        assert tl.go_ahead_seconds_left(s) == tl.go_ahead_seconds_left(t)
        assert all(
            tl.winner_margin_seconds_left(s, n) == tl.winner_margin_seconds_left(t, n) for n in tl.LATE_MARGIN_SECONDS
        )


@settings(max_examples=60)
@given(timelines(integer_times=True))
def test_competitive_seconds_match_a_second_by_second_count(t: ScoreTimeline) -> None:
    # With whole-second event times, the margin is constant over each second [s, s + 1).
    by_second = sum(1 for s in range(t.length_seconds) if abs(margin_at(t, s)) <= 5)
    clutch_by_second = sum(1 for s in range(tl.CLUTCH_START_SECONDS, t.length_seconds) if abs(margin_at(t, s)) <= 5)
    assert tl.competitive_seconds(t) == by_second
    assert tl.clutch_seconds(t) == clutch_by_second
    half_by_second = sum(1 for s in range(tl.SECOND_HALF_START_SECONDS, t.length_seconds) if abs(margin_at(t, s)) <= 5)
    assert tl.second_half_close_seconds(t) == half_by_second
    # decided_seconds: the seconds after the last whole second with a one-score margin.
    last_close = max((s + 1 for s in range(t.length_seconds) if abs(margin_at(t, s)) <= 3), default=0)
    assert tl.decided_seconds(t) == t.length_seconds - last_close


@pytest.mark.parametrize("game_id", ["0022200552", "0022300001", "0022300061", "0042300155"])
def test_real_timelines_are_valid(game_id: str) -> None:
    t = load(game_id)
    assert 0 <= tl.competitive_seconds(t) <= t.length_seconds


def test_float_sums_do_not_overshoot_the_game() -> None:
    # Found by Hypothesis: 1.8059... + (2050.58... - 1.8059...) + (2880 - 2050.58...) adds up to
    # 2880.0000000000005 in floating point.
    t = ScoreTimeline(periods=4, events=[(1.805914653379432, 0, 1), (2050.5885904983293, 0, 2)])
    assert tl.competitive_seconds(t) == 2880
    assert tl.clutch_seconds(t) == 300
    assert tl.second_half_close_seconds(t) == 1440
