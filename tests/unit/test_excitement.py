"""Excitement Index over a score timeline, and the percentile label scale."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from nba_predictions.core.domain import ScoreTimeline
from nba_predictions.model.label import excitement as ex
from nba_predictions.model.label import winprob as wp
from nba_predictions.model.loader import load_model

TIMELINES = Path(__file__).resolve().parents[1] / "fixtures" / "timelines"
MODEL = wp.WinProbModel(home_court=3.0, sigma=18.0)
SCORE = ex.LabelDefinition(MODEL)  # the score path, as the first shipped label
POSSESSION = ex.LabelDefinition(
    wp.WinProbModel(home_court=3.0, sigma=18.0, possession_value=0.5), possession_seconds=20.0, at_neutral_site=True
)


def fixture(game_id: str) -> ScoreTimeline:
    return ScoreTimeline.model_validate(json.loads((TIMELINES / f"{game_id}.json").read_text())["timeline"])


def test_one_basket_game_by_hand():
    # Home scores once, with 10 minutes left, and wins 2-0.
    tl = ScoreTimeline(periods=4, events=[(2280.0, 2, 0)])
    p = [
        float(MODEL.home_win_probability(0, 2880)),  # tip-off
        float(MODEL.home_win_probability(0, 600)),  # just before the basket
        float(MODEL.home_win_probability(2, 600)),  # just after it
        1.0,  # final buzzer
    ]
    expected = sum(abs(b - a) for a, b in itertools.pairwise(p))
    assert ex.excitement_index(tl, SCORE) == pytest.approx(expected, abs=1e-12)
    t, path = ex.probability_path(tl, SCORE)
    assert list(t) == [0.0, 2280.0, 2280.0, 2880.0]
    assert np.allclose(path, p)


def test_a_path_that_only_rises_has_ei_equal_to_its_total_rise():
    # Neutral site, equal teams (no drift while tied), home scores every minute and never trails:
    # P rises monotonically from 0.5 to 1.
    events = [(60.0 * k, 2 * k, 0) for k in range(1, 48)]
    tl = ScoreTimeline(periods=4, events=events)
    assert ex.excitement_index(tl, SCORE, neutral=True) == pytest.approx(0.5, rel=1e-9)
    # With home court, P first drifts down while tied (the edge has less time to tell), then rises.
    p0 = float(MODEL.home_win_probability(0, 2880))
    assert ex.excitement_index(tl, SCORE) > 1.0 - p0


def test_back_and_forth_games_score_higher_than_blowouts():
    events, home, away = [], 0, 0
    for k in range(1, 24):  # the lead changes hands every two minutes, home leads at the end
        if k % 2:
            home = away + 2
        else:
            away = home + 2
        events.append((120.0 * k, home, away))
    back_and_forth = ScoreTimeline(periods=4, events=events)
    blowout = ScoreTimeline(periods=4, events=[(120.0 * k, 3 * k, k) for k in range(1, 24)])
    assert ex.excitement_index(back_and_forth, SCORE) > 3 * ex.excitement_index(blowout, SCORE)
    assert ex.excitement_index(back_and_forth, POSSESSION) > 3 * ex.excitement_index(blowout, POSSESSION)


def test_real_games_rank_as_expected():
    for label in (SCORE, POSSESSION):
        overtime_comeback = ex.excitement_index(fixture("0022200552"), label)  # 21-point comeback, overtime
        close = ex.excitement_index(fixture("0022300001"), label)  # 10 lead changes, won by 5
        twelve_point_win = ex.excitement_index(fixture("0022300061"), label)  # opening night, won by 12
        assert overtime_comeback > twelve_point_win and close > twelve_point_win
        assert all(1.0 <= ei <= 30.0 for ei in (overtime_comeback, close, twelve_point_win))


def test_overtime_path_is_continuous_through_the_end_of_regulation():
    tl = fixture("0022200552")  # 130-130 after regulation
    t, p = ex.probability_path(tl, SCORE)
    # No jump in P between the last regulation state and the first overtime state at an equal score.
    tie_at_buzzer = float(MODEL.home_win_probability(0, 0))
    ot_start = float(MODEL.home_win_probability(0, 300))
    assert tie_at_buzzer == pytest.approx(ot_start)
    assert t[-1] == tl.length_seconds and p[-1] in (0.0, 1.0)


def test_batch_equals_one_by_one():
    tls = [fixture(g) for g in ("0022200552", "0022300001", "0022300061", "0042300155")]
    neutral = [False, False, True, False]
    paced = ex.LabelDefinition(POSSESSION.win_probability, 20.0, True, pace_exponent=0.5, reference_changes=180.0)
    for label in (SCORE, POSSESSION, paced):
        batch = ex.excitement_indices(tls, label, neutral)
        single = [ex.excitement_index(t, label, n) for t, n in zip(tls, neutral)]
        assert np.allclose(batch, single, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="timelines but"):
        ex.excitement_indices(tls, SCORE, neutral[:2])


def test_label_scale_is_the_training_percentile():
    rng = np.random.default_rng(3)
    train = rng.gamma(6.0, 0.9, 20_000)
    scale = ex.LabelScale.fit(train)
    assert len(scale.quantiles) == ex.REFERENCE_POINTS
    labels = scale.rating(train)
    # 100 x empirical percentile, to within the interpolation between reference points.
    ranks = 100 * (np.argsort(np.argsort(train)) + 0.5) / train.size
    assert np.max(np.abs(labels - ranks)) < 0.2
    assert labels.mean() == pytest.approx(50, abs=0.1)
    assert scale.rating(np.median(train)) == pytest.approx(50, abs=0.1)
    assert scale.rating(-1.0) == 0.0 and scale.rating(1e6) == 100.0
    assert np.all(np.diff(scale.rating(np.sort(rng.gamma(6.0, 0.9, 500)))) >= 0)


def test_label_scale_with_ties_and_invalid_quantiles():
    scale = ex.LabelScale((1.0, 2.0, 2.0, 2.0, 3.0))  # levels 0, 25, 50, 75, 100
    assert scale.rating(2.0) == pytest.approx(50.0)  # middle of the tied run
    assert scale.rating(1.5) == pytest.approx(12.5)
    for bad in ((1.0,), (2.0, 1.0), (0.0, float("nan"))):
        with pytest.raises(ValueError, match="quantiles"):
            ex.LabelScale(bad)
    with pytest.raises(ValueError, match="zero training games"):
        ex.LabelScale.fit(np.array([]))


def test_shipped_label_definition_rates_real_games_on_its_scale():
    meta = load_model().metadata
    label = ex.LabelDefinition.from_dict(meta.label.model_dump())
    assert ex.LabelDefinition.from_dict(label.to_dict()) == label
    scale = ex.LabelScale(tuple(meta.label.reference_quantiles))
    ratings = scale.rating(ex.excitement_indices([fixture("0022200552"), fixture("0022300061")], label))
    assert 0 <= ratings[1] < ratings[0] <= 100
    assert ratings[0] >= 80  # a 21-point comeback forced into overtime is a "good" game


def test_a_scoreless_tied_finish_moves_the_possession_label_only():
    # Tied 89-89 with 4:39 left, then nothing until a three with 53 s left (the 2016 Finals Game 7's finish).
    early = [(60.0 * k, 2 * k + (k % 2), 2 * k) for k in range(1, 44)]  # a close game up to 2580 s
    ending = [(2601.0, 89, 89), (2827.0, 89, 92), (2870.0, 89, 93)]
    tl = ScoreTimeline(periods=4, events=[e for e in early if e[1] < 89 and e[2] < 89] + ending)
    score_path = ex.probability_path(tl, SCORE)[0]
    assert not np.any((score_path > 2601) & (score_path < 2827))  # no state in the scoreless stretch
    t, p = ex.probability_path(tl, POSSESSION)
    stretch = (t > 2601) & (t < 2827)
    assert stretch.sum() >= 2 * 10  # about 226 / 20 - 1 changes of possession, two states each
    assert np.abs(np.diff(p[stretch])).sum() > 0.5  # each change in a tie this late is a big swing


def test_a_neutral_site_label_does_not_care_which_side_was_at_home():
    tls = [fixture(g) for g in ("0022200552", "0022300001", "0022300061", "0042300155")]
    swapped = [ScoreTimeline(periods=t.periods, events=[(s, a, h) for s, h, a in t.events]) for t in tls]
    assert np.allclose(ex.excitement_indices(tls, POSSESSION), ex.excitement_indices(swapped, POSSESSION), atol=1e-12)
    # With home court (the first label) the same games swapped give other EIs.
    assert not np.allclose(ex.excitement_indices(tls, SCORE), ex.excitement_indices(swapped, SCORE))


def test_the_pace_adjustment_by_hand():
    tl = fixture("0022300001")
    paced = ex.LabelDefinition(POSSESSION.win_probability, 20.0, True, pace_exponent=0.5, reference_changes=180.0)
    changes = ex.changes_per_48([tl], 20.0)[0]
    assert 100 < changes < 300
    assert ex.excitement_index(tl, paced) == pytest.approx(
        ex.excitement_index(tl, POSSESSION) * (180.0 / changes) ** 0.5, rel=1e-12
    )
    with pytest.raises(ValueError, match="pace-adjusted"):
        ex.LabelDefinition(MODEL, None, pace_exponent=0.5, reference_changes=180.0)
