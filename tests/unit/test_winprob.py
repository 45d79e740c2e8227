"""Win probability: time left with overtime, the two model families, pre-game strength, fitting."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from nba_predictions.domain import GameResult, ScoreTimeline
from nba_predictions.model import winprob as wp

BROWNIAN = wp.WinProbModel("brownian", home_court=3.0, strength_weight=1.0, scale=13.0)
LOGISTIC = wp.WinProbModel("logistic", home_court=3.0, strength_weight=1.0, scale=0.1, margin_coef=-0.02)


def phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


@pytest.mark.parametrize(
    "elapsed, left",
    [(0, 2880), (720, 2160), (2879, 1), (2880, 0), (2890, 290), (3180, 0), (3181, 299), (3480, 0)],
)
def test_seconds_left_counts_to_the_end_of_regulation_or_the_current_overtime(elapsed, left):
    assert wp.seconds_left(elapsed) == pytest.approx(left)


def test_brownian_is_sterns_formula():
    # margin +4 for home, 6 minutes left, strength +2: mu = 3 + 2 = 5, tau = 360/2880.
    tau = 360 / 2880
    expected = phi((4 + 5 * tau) / (13.0 * math.sqrt(tau)))
    assert BROWNIAN.home_win_probability(4, 360, 2.0) == pytest.approx(expected, abs=1e-12)


def test_logistic_formula():
    tau = 360 / 2880
    z = 0.1 * (4 + 5 * tau) / math.sqrt(tau) - 0.02 * 4
    assert LOGISTIC.home_win_probability(4, 360, 2.0) == pytest.approx(1 / (1 + math.exp(-z)), abs=1e-12)


@pytest.mark.parametrize("model", [BROWNIAN, LOGISTIC])
def test_probability_shape(model):
    p = model.home_win_probability(np.arange(-10, 11), 600, 0.0)
    assert np.all(np.diff(p) > 0), "more margin must mean a higher chance"
    assert np.all((p > 0) & (p < 1))
    lead = model.home_win_probability(5, np.array([2880, 1440, 600, 60, 5]), 0.0)
    assert np.all(np.diff(lead) > 0), "the same lead is safer as time runs out"
    # A stronger home team, or a game at home rather than at a neutral site, raises the chance.
    assert model.home_win_probability(0, 1440, 5.0) > model.home_win_probability(0, 1440, 0.0)
    assert model.home_win_probability(0, 1440, 0.0) > model.home_win_probability(0, 1440, 0.0, neutral=True)


@pytest.mark.parametrize("model", [BROWNIAN, LOGISTIC])
def test_neutral_equal_teams_tied_is_a_coin_flip_and_sides_are_symmetric(model):
    assert model.home_win_probability(0, 2880, 0.0, neutral=True) == pytest.approx(0.5)
    symmetric = wp.WinProbModel(model.kind, 0.0, model.strength_weight, model.scale, 0.0)
    a = symmetric.home_win_probability(np.array([3, -7, 12]), np.array([100, 900, 2000]), np.array([1.5, -2.0, 0.3]))
    b = symmetric.home_win_probability(np.array([-3, 7, -12]), np.array([100, 900, 2000]), np.array([-1.5, 2.0, -0.3]))
    assert np.allclose(a + b, 1.0)


@pytest.mark.parametrize("model", [BROWNIAN, LOGISTIC])
def test_decided_and_tied_at_the_buzzer(model):
    assert model.home_win_probability(1, 0) == 1.0
    assert model.home_win_probability(-1, 0) == 0.0
    # Tied when the clock runs out: another 5-minute overtime follows.
    assert model.home_win_probability(0, 0) == pytest.approx(float(model.home_win_probability(0, 300)))
    assert 0.5 < float(model.home_win_probability(0, 0)) < 0.6  # home court over 5 minutes


def test_round_trip_and_unknown_kind():
    assert wp.WinProbModel.from_dict(LOGISTIC.to_dict()) == LOGISTIC
    with pytest.raises(ValueError, match="unknown win-probability model kind"):
        wp.WinProbModel.from_dict({**BROWNIAN.to_dict(), "kind": "elo"})
    states = wp.WinProbStates(*(np.zeros(1) for _ in range(6)))
    with pytest.raises(ValueError, match="unknown"):
        wp.fit_win_probability(states, "elo")  # type: ignore[arg-type]


def _result(gid: str, day: str, home: int, away: int, hs: int, as_: int) -> GameResult:
    return GameResult(game_id=gid, date=date.fromisoformat(day), season_type="Regular Season",
                      home_team_id=home, away_team_id=away, home_score=hs, away_score=as_)


def test_pregame_strength_uses_only_earlier_dates_and_carries_last_season_over():
    results = [
        # 2022-23: team 1 beats team 2 by 10 (their final ratings: +10 and -10).
        _result("0022200001", "2022-10-20", 1, 2, 110, 100),
        # 2023-24 opening day, two games on the same day: no same-day leakage.
        _result("0022300001", "2023-10-25", 1, 3, 100, 90),
        _result("0022300002", "2023-10-25", 2, 4, 95, 105),
        _result("0022300003", "2023-10-27", 3, 1, 100, 100 + 20),
    ]
    s = wp.pregame_strength(results, prior_games=10.0, carry_over=0.5)
    assert s["0022200001"] == 0.0  # no earlier season in the input: prior 0
    # Priors on 2023-10-25: team 1 = 0.5 x 10 = 5, team 2 = -5, teams 3 and 4 = 0.
    assert s["0022300001"] == pytest.approx(5.0 - 0.0)
    assert s["0022300002"] == pytest.approx(-5.0 - 0.0)
    # On 2023-10-27: team 3 = (10 x 0 - 10) / 11, team 1 = (10 x 5 + 10) / 11.
    assert s["0022300003"] == pytest.approx(-10 / 11 - 60 / 11)


def test_sample_states_reads_the_margin_in_force_and_skips_decided_moments():
    tl = ScoreTimeline(periods=4, events=[(30.0, 2, 0), (90.0, 2, 3), (2870.0, 4, 3)])
    st = wp.sample_states([tl], [1.5], [False], step_seconds=60)
    assert list(st.margin[:3]) == [0, 2, -1]  # at 0 s, 60 s (2-0), 120 s (2-3)
    assert len(st) == 48  # 0, 60, ..., 2820 (the decided 2880 s moment is left out)
    assert set(st.home_won) == {1.0} and set(st.strength_diff) == {1.5}


def _synthetic_states(n: int, sigma: float, home_court: float, seed: int = 7) -> wp.WinProbStates:
    """States of a true Brownian motion: final margin = margin + mu*tau + sigma*sqrt(tau)*Z."""
    rng = np.random.default_rng(seed)
    left = rng.uniform(10, 2880, n)
    tau = left / 2880
    margin = np.round(rng.normal(0, 8, n))
    strength = rng.normal(0, 3, n)
    mu = home_court + strength
    final = margin + mu * tau + sigma * np.sqrt(tau) * rng.standard_normal(n)
    return wp.WinProbStates(margin, left, strength, np.zeros(n, dtype=bool), (final > 0).astype(float), np.arange(n))


def test_fitting_recovers_the_parameters_of_a_true_brownian_motion():
    states = _synthetic_states(60_000, sigma=15.0, home_court=3.0)
    model = wp.fit_win_probability(states, "brownian")
    assert model.scale == pytest.approx(15.0, rel=0.05)
    assert model.home_court == pytest.approx(3.0, abs=0.5)
    assert model.strength_weight == pytest.approx(1.0, abs=0.15)
    fixed = wp.fit_win_probability(states, "brownian", use_strength=False)
    assert fixed.strength_weight == 0.0
    # Without the strength input the fit is worse on the same states.
    p_with = model.home_win_probability(states.margin, states.seconds_left, states.strength_diff)
    p_without = fixed.home_win_probability(states.margin, states.seconds_left, states.strength_diff)
    assert wp.log_loss(p_with, states.home_won) < wp.log_loss(p_without, states.home_won)


def test_calibration_table_and_error():
    p = np.array([0.05, 0.05, 0.95, 0.95, 0.55])
    y = np.array([0.0, 0.0, 1.0, 1.0, 1.0])
    table = wp.calibration_table(p, y, bins=10)
    assert sum(r["states"] for r in table) == 5
    assert table[0]["observed"] == 0.0 and table[9]["observed"] == 1.0
    assert wp.expected_calibration_error(p, y) == pytest.approx((4 * 0.05 + 0.45) / 5)
