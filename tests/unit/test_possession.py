"""The ball along a score timeline: imputed changes of possession, paths by hand, the possession-length fit."""

from __future__ import annotations

import numpy as np
import pytest

from nba_predictions.core.domain import ScoreTimeline
from nba_predictions.model.label import possession as ps


@pytest.mark.parametrize(
    "gap, ball_from, ball_to, k",
    [
        (10.0, -1, -1, 0),  # the team scored on scores on its first possession
        (10.0, -1, 1, 1),  # the same team scores twice: at least one change
        (40.0, -1, -1, 2),  # 40 / 16 - 1 = 1.5 -> 2 (even: the team scored on scores next)
        (36.0, -1, 1, 1),  # 36 / 16 - 1 = 1.25 -> 1 (odd: the same team again)
        (44.0, -1, 1, 1),  # 1.75 -> 2, wrong parity: the nearer odd count is 1
        (52.0, -1, 1, 3),  # 2.25 -> 2, wrong parity: the nearer odd count is 3
        (40.0, -1, 1, 1),  # 1.5 -> 2, wrong parity: 1.5 >= 2 is false, so down to 1
        (100.0, 1, 1, 6),  # 5.25 -> 5, wrong parity: up to 6
        (100.0, 0, 1, 0),  # nobody known on the ball (tip-off): nothing imputed
    ],
)
def test_imputed_changes(gap: float, ball_from: int, ball_to: int, k: int) -> None:
    got = ps.imputed_changes(np.array([gap]), np.array([float(ball_from)]), np.array([float(ball_to)]), 16.0)
    assert got.tolist() == [k]


def test_path_by_hand() -> None:
    # Home 2-0 at 30 s, away 2-3 at 90 s, home and-one (4-3, 5-3, one trip) at 120 s; the buzzer at 2880 s.
    tl = ScoreTimeline(periods=4, events=[(30.0, 2, 0), (90.0, 2, 3), (120.0, 4, 3), (120.0, 5, 3)])
    path = ps.possession_paths([tl], 20.0)
    rows = list(zip(path.time.tolist(), path.margin.tolist(), path.ball.tolist()))
    assert rows == [
        (0.0, 0.0, 1.0),  # tip-off: with the team that scores first
        (30.0, 0.0, 1.0),
        (30.0, 2.0, -1.0),  # home scores, the away side gets the ball
        # 30 -> 90 s: 60 / 20 - 1 = 2 changes (even: the away side scores next), at 50 s and 70 s
        (50.0, 2.0, -1.0),
        (50.0, 2.0, 1.0),
        (70.0, 2.0, 1.0),
        (70.0, 2.0, -1.0),
        (90.0, 2.0, -1.0),
        (90.0, -1.0, 1.0),  # away scores, the home side gets the ball
        # 90 -> 120 s: 30 / 20 - 1 = 0.5 rounds to 0, even, and the home side scores next: no change
        (120.0, -1.0, 1.0),
        (120.0, 1.0, 1.0),  # the basket: the trip goes on (same second)
        (120.0, 1.0, 1.0),
        (120.0, 2.0, -1.0),  # the free throw (before, after) ends it
        (2880.0, 2.0, 0.0),  # the final buzzer: nobody on the ball
    ]
    assert path.owner.tolist() == [0] * len(rows)
    # Who has the ball at a moment: the last row at or before it.
    assert ps.ball_at(path, np.zeros(5, dtype=int), np.array([0.0, 40.0, 60.0, 100.0, 500.0])).tolist() == [
        1,
        -1,
        1,
        1,
        -1,
    ]


def test_paths_of_many_games_stay_apart() -> None:
    a = ScoreTimeline(periods=4, events=[(30.0, 2, 0)])
    b = ScoreTimeline(periods=5, events=[(10.0, 0, 3), (3000.0, 2, 3)])
    empty = ScoreTimeline(periods=4, events=[])
    path = ps.possession_paths([a, empty, b], 16.0)
    assert sorted(set(path.owner.tolist())) == [0, 1, 2]
    assert np.all(np.diff(path.owner) >= 0)
    for k, tl in enumerate([a, empty, b]):
        times = path.time[path.owner == k]
        assert times[0] == 0.0 and times[-1] == tl.length_seconds and np.all(np.diff(times) >= 0)
    assert path.ball[path.owner == 1].tolist() == [0.0, 0.0]  # tip-off and buzzer of a game without scores
    with pytest.raises(ValueError, match="possession_seconds"):
        ps.possession_paths([a], 0.0)


def test_gaps_between_scores_stay_within_a_period() -> None:
    tl = ScoreTimeline(periods=4, events=[(30.0, 2, 0), (30.0, 3, 0), (50.0, 3, 2), (700.0, 5, 2), (730.0, 7, 2)])
    gap, same = ps.gaps_between_scores([tl])
    # Trips end at 30 s (home), 50 s (away), 700 s (home), 730 s (home, second quarter): 700 -> 730 crosses
    # the end of the first quarter (720 s) and is left out.
    assert gap.tolist() == [20.0, 650.0] and same.tolist() == [False, False]


def test_possession_length_fit_recovers_a_known_process() -> None:
    rng = np.random.default_rng(5)
    mean, shape, share = 15.0, 4.0, 0.5
    timelines = []
    for _ in range(300):
        t, home, away, side, events = 0.0, 0, 0, 1, []
        while True:
            t += rng.gamma(shape, mean / shape)
            if t >= 700:  # within the first quarter
                break
            if rng.random() < share:
                home, away = (home + 2, away) if side > 0 else (home, away + 2)
                events.append((round(t, 1), home, away))
            side = -side
        timelines.append(ScoreTimeline(periods=4, events=events))
    fitted = ps.fit_possession_seconds(timelines)
    assert fitted["possession_seconds"] == pytest.approx(mean, rel=0.05)
    assert fitted["score_share"] == pytest.approx(share, abs=0.05)
    assert fitted["shape"] == pytest.approx(shape, rel=0.25)
    assert fitted == ps.fit_possession_seconds(timelines)  # deterministic
