"""Win probability: time left with overtime, the ball, the game's scoring rate, state sampling, fitting."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nba_predictions.core.domain import ScoreTimeline
from nba_predictions.model.label import winprob as wp

STERN = wp.WinProbModel(home_court=3.0, sigma=13.0)
FULL = wp.WinProbModel(home_court=3.0, sigma=13.0, possession_value=0.5, rate_exponent=0.25, reference_rate=400.0)


def phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


@pytest.mark.parametrize(
    "elapsed, left",
    [(0, 2880), (720, 2160), (2879, 1), (2880, 0), (2890, 290), (3180, 0), (3181, 299), (3480, 0)],
)
def test_seconds_left_counts_to_the_end_of_regulation_or_the_current_overtime(elapsed, left):
    assert wp.seconds_left(elapsed) == pytest.approx(left)


def test_score_only_is_sterns_formula():
    # margin +4 for home, 6 minutes left: mu = 3, tau = 360/2880.
    tau = 360 / 2880
    assert STERN.home_win_probability(4, 360) == pytest.approx(phi((4 + 3 * tau) / (13.0 * math.sqrt(tau))), abs=1e-12)
    # The ball and the scoring rate change nothing without their parameters.
    assert STERN.home_win_probability(4, 360, ball=1, scoring_rate=900.0) == STERN.home_win_probability(4, 360)


def test_ball_and_scoring_rate_by_hand():
    # Away has the ball (-1), the game scores at 2 x the reference rate: sigma_g = 13 x 2 ** 0.25.
    tau = 360 / 2880
    sigma = 13.0 * 2**0.25
    expected = phi((4 - 0.5 + 3 * tau) / (sigma * math.sqrt(tau)))
    assert FULL.home_win_probability(4, 360, ball=-1, scoring_rate=800.0) == pytest.approx(expected, abs=1e-12)
    # Having the ball raises the chance; a higher scoring rate pulls a lead towards a coin flip.
    assert (
        FULL.home_win_probability(0, 60, ball=1, scoring_rate=400.0)
        > 0.5
        > FULL.home_win_probability(0, 60, True, -1, 400.0)
    )
    assert FULL.home_win_probability(5, 300, scoring_rate=800.0) < FULL.home_win_probability(5, 300, scoring_rate=400.0)


def test_probability_shape():
    p = FULL.home_win_probability(np.arange(-10, 11), 600, scoring_rate=400.0)
    assert np.all(np.diff(p) > 0), "more margin must mean a higher chance"
    assert np.all((p > 0) & (p < 1))
    lead = FULL.home_win_probability(5, np.array([2880, 1440, 600, 60, 5]), scoring_rate=400.0)
    assert np.all(np.diff(lead) > 0), "the same lead is safer as time runs out"
    assert STERN.home_win_probability(0, 1440) > STERN.home_win_probability(0, 1440, neutral=True)


def test_neutral_tied_without_the_ball_is_a_coin_flip_and_sides_are_symmetric():
    assert FULL.home_win_probability(0, 2880, neutral=True, scoring_rate=400.0) == pytest.approx(0.5)
    m, left, ball = np.array([3, -7, 12]), np.array([100, 900, 2000]), np.array([1, -1, 0])
    a = FULL.home_win_probability(m, left, True, ball, 500.0)
    b = FULL.home_win_probability(-m, left, True, -ball, 500.0)
    assert np.allclose(a + b, 1.0)


def test_decided_and_tied_at_the_buzzer():
    assert FULL.home_win_probability(1, 0) == 1.0
    assert FULL.home_win_probability(-1, 0) == 0.0
    # Tied when the clock runs out: another 5-minute overtime follows, from a jump ball.
    assert FULL.home_win_probability(0, 0, ball=1) == pytest.approx(float(FULL.home_win_probability(0, 300, ball=0)))
    assert 0.5 < float(STERN.home_win_probability(0, 0)) < 0.6  # home court over 5 minutes


def test_round_trip_and_unknown_fields():
    assert wp.WinProbModel.from_dict(FULL.to_dict()) == FULL
    with pytest.raises(ValueError, match="not a win-probability model"):
        wp.WinProbModel.from_dict({**FULL.to_dict(), "kind": "elo"})
    with pytest.raises(ValueError, match="not a win-probability model"):
        wp.WinProbModel.from_dict({"home_court": 3.0})


def test_scoring_rate_is_the_sum_of_squared_points_per_48_minutes():
    # A two, a three, two free throws (1 + 1): 4 + 9 + 1 + 1 = 15 in regulation.
    tl = ScoreTimeline(periods=4, events=[(30.0, 2, 0), (90.0, 2, 3), (95.0, 3, 3), (95.0, 4, 3)])
    assert wp.scoring_rates([tl]).tolist() == [15.0]
    overtime = ScoreTimeline(periods=5, events=tl.events)
    assert wp.scoring_rates([overtime]).tolist() == [pytest.approx(15.0 * 2880 / 3180)]


def test_sample_states_reads_the_margin_in_force_and_skips_decided_moments():
    tl = ScoreTimeline(periods=4, events=[(30.0, 2, 0), (90.0, 2, 3), (2870.0, 4, 3)])
    st = wp.sample_states([tl], [False], step_seconds=60)
    assert list(st.margin[:3]) == [0, 2, -1]  # at 0 s, 60 s (2-0), 120 s (2-3)
    assert len(st) == 48  # 0, 60, ..., 2820 (the decided 2880 s moment is left out)
    assert set(st.home_won) == {1.0} and set(st.ball) == {0.0}
    assert set(st.scoring_rate) == {4.0 + 9.0 + 4.0}
    # A game that ends level (corrupt) and one without events give no states.
    level = ScoreTimeline(periods=4, events=[(30.0, 2, 2)])
    empty = ScoreTimeline(periods=4, events=[])
    both = wp.sample_states([level, tl, empty], [False, True, False])
    assert len(both) == 48 and set(both.game_index) == {1} and set(both.neutral) == {True}
    # With the possession path (see test_possession.py): the home side has the ball from the tip (it
    # scores first); after its 2-0 at 30 s the ball changes hands twice before the away side's 2-3 at
    # 90 s, at 50 s and 70 s, so at 60 s the home side has it; after 2-3 the home side has it, until the
    # first of the changes imputed over the long gap to 2870 s (every 16.07 s from 106.07 s) gives it back:
    # the away side has it at 120 s.
    with_ball = wp.sample_states([tl], [False], possession_seconds=16.0)
    assert with_ball.ball[:3].tolist() == [1.0, 1.0, -1.0]


def _synthetic_states(
    n: int, sigma: float, home_court: float, value: float, exponent: float, seed: int = 7
) -> wp.WinProbStates:
    """States of a true Brownian motion: final margin = margin + value*ball + mu*tau + sigma_g*sqrt(tau)*Z."""
    rng = np.random.default_rng(seed)
    left = rng.uniform(10, 2880, n)
    tau = left / 2880
    margin = np.round(rng.normal(0, 8, n))
    ball = rng.choice([-1.0, 1.0], n)
    rate = rng.uniform(300, 600, n)
    sigma_g = sigma * (rate / 450.0) ** exponent
    final = margin + value * ball + home_court * tau + sigma_g * np.sqrt(tau) * rng.standard_normal(n)
    return wp.WinProbStates(margin, left, np.zeros(n, dtype=bool), ball, rate, (final > 0).astype(float), np.arange(n))


def test_fitting_recovers_the_parameters_of_a_true_brownian_motion():
    states = _synthetic_states(80_000, sigma=15.0, home_court=3.0, value=1.5, exponent=0.5)
    model = wp.fit_win_probability(states, possession=True, rate_exponent=None)
    assert model.sigma * (450.0 / model.reference_rate) ** model.rate_exponent == pytest.approx(15.0, rel=0.05)
    assert model.home_court == pytest.approx(3.0, abs=0.5)
    assert model.possession_value == pytest.approx(1.5, abs=0.3)
    assert model.rate_exponent == pytest.approx(0.5, abs=0.15)
    score_only = wp.fit_win_probability(states)
    assert (score_only.possession_value, score_only.rate_exponent) == (0.0, 0.0)
    # Without the ball and the rate the fit is worse on the same states; the fit is deterministic.
    assert wp.log_loss(states.probability(model), states.home_won) < wp.log_loss(
        states.probability(score_only), states.home_won
    )
    assert wp.fit_win_probability(states, possession=True, rate_exponent=None) == model


def test_calibration_table_and_error():
    p = np.array([0.05, 0.05, 0.95, 0.95, 0.55])
    y = np.array([0.0, 0.0, 1.0, 1.0, 1.0])
    table = wp.calibration_table(p, y, bins=10)
    assert sum(r["states"] for r in table) == 5
    assert table[0]["observed"] == 0.0 and table[9]["observed"] == 1.0
    assert wp.expected_calibration_error(p, y) == pytest.approx((4 * 0.05 + 0.45) / 5)
