"""Every choice of the training run, made on validation seasons inside the training range.

The training seasons are split once (:func:`~.data.split_validation`): the latest two validate, the
earlier ones fit.  On that split the run chooses, in this order:

1. **the label** among :data:`CANDIDATES`: each candidate's win probability (and possession length)
   is fitted on the fit seasons' games; its validation log loss is measured on the validation
   seasons' game states; its label's bias among the tight games of the training seasons; and a
   regressor fitted on the fit seasons is scored on the validation seasons against the goals of
   :mod:`.bias`.  The rule: most goals met, then the lowest validation log loss, then the lowest
   validation MAE.  The chosen candidate is then refitted on all training seasons.
2. **the hyper-parameters** among :data:`~.regressor.PARAM_GRID`: the lowest mean validation MAE
   against the chosen label.
3. **the features** are the schema's (they are computed for every new game, so they cannot change
   per run): the comparison that adopted the last-seconds features (with the first model's settings,
   like the label comparison) is repeated on the validation seasons and reported.

Nothing here reads a test season.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nba_predictions.documents.models import LAST_SECONDS_FEATURES, SCORE_NAMES
from nba_predictions.model.label import excitement as ex
from nba_predictions.model.label import winprob as wp
from nba_predictions.model.label.possession import PossessionPath, fit_possession_seconds, possession_paths
from nba_predictions.model.training import bias
from nba_predictions.model.training import regressor as rg
from nba_predictions.model.training.data import TrainingData

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabelCandidate:
    """One way of computing the label (see docs/MODEL.md)."""

    name: str
    description: str
    possession: bool  # the possession path and a fitted value of the ball
    rate_exponent: float | None  # the volatility's scoring-rate exponent: 0 unused, None fitted
    at_neutral_site: bool
    pace_exponent: float = 0.0


CANDIDATES = (
    LabelCandidate(
        "score",
        "the first shipped label: score path, Stern's model on margin, time and home court",
        possession=False,
        rate_exponent=0.0,
        at_neutral_site=False,
    ),
    LabelCandidate(
        "score+rate",
        "score path; volatility follows the game's scoring rate (exponent fitted); neutral site",
        possession=False,
        rate_exponent=None,
        at_neutral_site=True,
    ),
    LabelCandidate(
        "possession",
        "possession path (ball value fitted); neutral site",
        possession=True,
        rate_exponent=0.0,
        at_neutral_site=True,
    ),
    LabelCandidate(
        "possession+rate",
        "possession path; volatility follows the game's scoring rate; neutral site",
        possession=True,
        rate_exponent=None,
        at_neutral_site=True,
    ),
    LabelCandidate(
        "possession+rate+pace",
        "as possession+rate, the EI read at the reference pace (exponent 1/2)",
        possession=True,
        rate_exponent=None,
        at_neutral_site=True,
        pace_exponent=0.5,
    ),
)
FIRST_LABEL = CANDIDATES[0]
# The first shipped model's 14 features: neither the last-seconds features nor the stakes and performance
# features of issue 23.
FIRST_FEATURES = tuple(n for n in SCORE_NAMES if n not in LAST_SECONDS_FEATURES)


@dataclass
class FittedLabel:
    """A candidate fitted on some games: its definition, scale, and label of every game."""

    candidate: LabelCandidate
    definition: ex.LabelDefinition
    scale: ex.LabelScale
    ei: np.ndarray
    label: np.ndarray
    possession: dict[str, float] | None


class FitCache:
    """What fits on the same data share: possession fits, possession paths, game states, win-probability fits.

    Paths and states are computed once for every game and subset by game, so a fit on some games sees
    exactly the states it would have sampled from those games alone."""

    def __init__(self, data: TrainingData):
        self.data = data
        self._possession: dict[bytes, dict[str, float]] = {}
        self._paths: dict[float, PossessionPath] = {}
        self._states: dict[float | None, wp.WinProbStates] = {}
        self._models: dict[tuple[bytes, bool, float | None], wp.WinProbModel] = {}

    def possession(self, rows: np.ndarray) -> dict[str, float]:
        key = np.packbits(rows).tobytes()
        if key not in self._possession:
            self._possession[key] = fit_possession_seconds([self.data.timelines[i] for i in np.flatnonzero(rows)])
        return self._possession[key]

    def path(self, seconds: float) -> PossessionPath:
        if seconds not in self._paths:
            self._paths[seconds] = possession_paths(self.data.timelines, seconds)
        return self._paths[seconds]

    def states(self, seconds: float | None, rows: np.ndarray) -> wp.WinProbStates:
        if seconds not in self._states:
            path = None if seconds is None else self.path(seconds)
            self._states[seconds] = wp.sample_states(self.data.timelines, self.data.neutral, path=path)
        everything = self._states[seconds]
        return everything.subset(rows[everything.game_index])

    def model(self, candidate: LabelCandidate, seconds: float | None, rows: np.ndarray) -> wp.WinProbModel:
        key = (np.packbits(rows).tobytes() + str(seconds).encode(), candidate.possession, candidate.rate_exponent)
        if key not in self._models:
            self._models[key] = wp.fit_win_probability(
                self.states(seconds, rows), possession=candidate.possession, rate_exponent=candidate.rate_exponent
            )
        return self._models[key]


def fit_label(candidate: LabelCandidate, rows: np.ndarray, cache: FitCache) -> FittedLabel:
    """Fit ``candidate`` on the games of ``rows`` (win probability, possession length, pace reference and
    label scale) and label every game of the cache's data."""
    data = cache.data
    possession = cache.possession(rows) if candidate.possession else None
    seconds = possession["possession_seconds"] if possession else None
    model = cache.model(candidate, seconds, rows)
    path = None if seconds is None else cache.path(seconds)
    reference = 0.0
    if candidate.pace_exponent and path is not None:
        changes = ex.path_changes_per_48(data.timelines, path)
        reference = float(round(float(np.median(changes[rows])), 4))
    definition = ex.LabelDefinition(model, seconds, candidate.at_neutral_site, candidate.pace_exponent, reference)
    ei = ex.excitement_indices(data.timelines, definition, data.neutral, path=path)
    scale = ex.LabelScale.fit(ei[rows])
    return FittedLabel(candidate, definition, scale, ei, scale.rating(ei), possession)


def _validation_goals(
    label: np.ndarray,
    pred: np.ndarray,
    old_label: np.ndarray,
    games: bias.Games,
    val_rows: np.ndarray,
    season_text: np.ndarray,
    val_seasons: Sequence[str],
    label_points: float,
) -> dict[str, Any]:
    figures = bias.bias_figures(label, pred, games, val_rows)
    per_season = rg.scores(pred, label, season_text, val_seasons)
    old = {s: round(rg.spearman(pred[season_text == s], old_label[season_text == s]), 4) for s in val_seasons}
    checks = {
        "label_points": label_points <= bias.GOAL_LABEL_POINTS,
        "residual_points": abs(figures["tight_residual_points_spearman"]) <= bias.GOAL_RESIDUAL_POINTS,
        "season_residual": all(abs(v) <= bias.GOAL_SEASON_RESIDUAL for v in figures["season_mean_residual"].values()),
        "decided_late": figures["decided_late_mean_abs_residual"] <= bias.GOAL_DECIDED_MAE,
        "held_out": all(v["spearman"] >= bias.GOAL_SPEARMAN and v["mae"] <= bias.GOAL_MAE for v in per_season.values()),
        "old_label": all(v >= bias.GOAL_OLD_LABEL_SPEARMAN for v in old.values()),
    }
    return {
        "tight_residual_points_spearman": figures["tight_residual_points_spearman"],
        "season_mean_residual": figures["season_mean_residual"],
        "decided_late_mean_abs_residual": figures["decided_late_mean_abs_residual"],
        "seasons": per_season,
        "old_label_spearman": old,
        "goals_met": sum(checks.values()),
        "goals": checks,
        "mae": round(float(np.mean([v["mae"] for v in per_season.values()])), 3),
    }


def select_label(
    cache: FitCache, fit_rows: np.ndarray, val_rows: np.ndarray, train_rows: np.ndarray, seed: int
) -> dict[str, Any]:
    """Fit every candidate on the fit seasons and score it on the validation seasons; the chosen name and a
    row per candidate."""
    data = cache.data
    season_text = data.season_text
    games = bias.Games(data.features, data.total_points, season_text, data.game_ids)
    val_seasons = sorted(set(season_text[val_rows].tolist()))
    rows, old_label = [], None
    for candidate in CANDIDATES:
        fitted = fit_label(candidate, fit_rows, cache)
        st = cache.states(fitted.definition.possession_seconds, val_rows)
        p = st.probability(fitted.definition.win_probability)
        if old_label is None:  # the first candidate is the first shipped label
            old_label = fitted.label
        pred = rg.fit_predict(data.features, fitted.label, fit_rows, rg.MODEL_FEATURES, rg.FIRST_MODEL, seed)
        label_points = bias.label_figures(fitted.label, games, train_rows)["tight_label_points_spearman"]
        row = {
            "candidate": candidate.name,
            "description": candidate.description,
            "win_probability": fitted.definition.win_probability.to_dict(),
            "possession_seconds": fitted.definition.possession_seconds,
            "validation_log_loss": round(wp.log_loss(p, st.home_won), 6),
            "validation_brier": round(wp.brier(p, st.home_won), 6),
            "validation_calibration_error": round(wp.expected_calibration_error(p, st.home_won), 5),
            "training_tight_label_points_spearman": label_points,
            **_validation_goals(fitted.label, pred, old_label, games, val_rows, season_text, val_seasons, label_points),
        }
        rows.append(row)
        logger.info(
            "label candidate %s: log loss %.6f, %d goals met on validation, MAE %.3f",
            candidate.name,
            row["validation_log_loss"],
            row["goals_met"],
            row["mae"],
        )
    chosen = min(rows, key=lambda r: (-r["goals_met"], r["validation_log_loss"], r["mae"]))
    return {"chosen": chosen["candidate"], "candidates": rows, "goal_count": len(chosen["goals"])}


def select_hyper_parameters(
    x: np.ndarray,
    label: np.ndarray,
    fit_rows: np.ndarray,
    season_text: np.ndarray,
    val_seasons: Sequence[str],
    seed: int,
) -> tuple[rg.HyperParameters, list[dict[str, Any]]]:
    """The grid point with the lowest mean validation MAE (ties: the earlier grid point)."""
    rows = []
    for hyper in rg.PARAM_GRID:
        pred = rg.fit_predict(x, label, fit_rows, rg.MODEL_FEATURES, hyper, seed)
        per = rg.scores(pred, label, season_text, val_seasons)
        rows.append(
            {
                "hyper_parameters": hyper.name(),
                "seasons": per,
                "mae": round(float(np.mean([v["mae"] for v in per.values()])), 3),
            }
        )
    best = min(range(len(rows)), key=lambda i: (rows[i]["mae"], i))
    return rg.PARAM_GRID[best], rows


def compare_features(
    x: np.ndarray,
    label: np.ndarray,
    fit_rows: np.ndarray,
    val_rows: np.ndarray,
    games: bias.Games,
    season_text: np.ndarray,
    val_seasons: Sequence[str],
    seed: int,
) -> list[dict[str, Any]]:
    """Validation scores of the first model's features, each last-seconds feature on top of them, and all
    (with the first model's settings, as the label comparison)."""
    every = f"all {len(rg.MODEL_FEATURES)}"
    sets = [(f"first {len(FIRST_FEATURES)} (no last-seconds feature)", list(FIRST_FEATURES))]
    sets += [(f"first {len(FIRST_FEATURES)} + {n}", [*FIRST_FEATURES, n]) for n in LAST_SECONDS_FEATURES]
    sets.append((every, list(rg.MODEL_FEATURES)))
    out = []
    for name, cols in sets:
        pred = rg.fit_predict(x, label, fit_rows, cols, rg.FIRST_MODEL, seed)
        per = rg.scores(pred, label, season_text, val_seasons)
        figures = bias.bias_figures(label, pred, games, val_rows)
        out.append(
            {
                "features": name,
                "seasons": per,
                "mae": round(float(np.mean([v["mae"] for v in per.values()])), 3),
                "decided_late_mean_abs_residual": figures["decided_late_mean_abs_residual"],
                "decided_late_games": figures["decided_late_games"],
            }
        )
    return out
