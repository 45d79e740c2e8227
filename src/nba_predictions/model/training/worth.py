"""The "worth watching" label (issue 23): the Excitement Index label plus what was at stake and what a player did.

The form (:data:`WORTH_FORM`), from the EI label ``E`` (0-100, the chosen candidate's percentile label):

1. **stakes scale with the swings**: ``raw = E x (1 + stakes / 100) + triple_double x [all_round >= 10]
   + duel x [duel_points >= 40]``, where ``stakes`` is the sum of the weights of the game's stakes
   flags (a playoff game, the Finals, an elimination game, a Game 7, a seeding race).  A close Finals
   game gains the whole bonus, a blown-out one almost none, so the widest blowouts stay low;
2. ``label = 100 x percentile of raw among the training games`` (a :class:`~.excitement.LabelScale`,
   as the EI label): a rating of 87 still means "better than 87 % of the training games";
3. **a performance floor**: ``worth = max(label, fifty_floor + floor_step x (top_points - 50))`` for a
   game with a 50-point scorer (``top_points >= 50``), at most 100: a 50-, 60-, 70-point night lifts a
   one-sided game to at least a stated level.

The weights are chosen by :func:`choose_weights` from the small grid :data:`WORTH_GRID`: the largest
share of the acclaimed games of the training seasons labelled >= :data:`ACCLAIMED_LABEL` (the goal's 80
plus the held-out MAE bound of 5, so that a rating within its error of the label stays >= 80), among
the grid points whose label keeps a Spearman >= :data:`MIN_EI_SPEARMAN` with the EI label on the
validation games; ties: the higher Spearman, then the earlier grid point.  The held-out seasons are not
read.  The columns come from the feature matrix by name (:func:`worth_columns`); a game without player
lines has performance features 0 (no performance term).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from nba_predictions.documents.models import ALL_FEATURES
from nba_predictions.errors import ModelError
from nba_predictions.features.spec import DUEL_POINTS, FIFTY_POINTS, PERFORMANCE_NAMES, TRIPLE_DOUBLE
from nba_predictions.features.stakes import STAKES_NAMES
from nba_predictions.model.label import excitement as ex
from nba_predictions.model.training import regressor as rg

logger = logging.getLogger(__name__)

WORTH_COLUMNS: tuple[str, ...] = (*STAKES_NAMES, *PERFORMANCE_NAMES)
"""The feature columns the label reads (the stakes and performance features), by name."""
FINALS_ROUND = 4
MIN_EI_SPEARMAN = 0.92
ACCLAIMED_LABEL = 85.0
WORTH_FORM = (
    "raw = E x (1 + (playoffs [playoff game] + finals [Finals] + elimination [elimination game] + game_seven "
    "[Game 7] + seed_race [seeding race]) / 100) + triple_double [triple-double] + duel [duel, both top scorers "
    f">= {DUEL_POINTS}]; label = 100 x percentile of raw among the training games; worth = max(label, "
    f"fifty_floor + floor_step x (top_points - {FIFTY_POINTS})) for a {FIFTY_POINTS}-point scorer (fifty_floor > 0), "
    "at most 100; E = the Excitement Index label"
)
WORTH_GRID: tuple[tuple[str, tuple[float, ...]], ...] = (
    ("playoffs", (0.0, 10.0, 20.0)),
    ("finals", (0.0, 20.0, 40.0)),
    ("elimination", (0.0, 10.0, 20.0, 40.0)),
    ("game_seven", (0.0, 20.0, 40.0)),
    ("seed_race", (0.0, 10.0)),
    ("triple_double", (0.0, 5.0)),
    ("duel", (0.0, 5.0)),
    ("fifty_floor", (0.0, 70.0, 80.0, 90.0)),
    ("floor_step", (0.0, 1.0)),
)
"""Each weight's values, in grid order (the stakes weights in % of E, the others in label points)."""
STAKES_WEIGHTS = ("playoffs", "finals", "elimination", "game_seven", "seed_race")


@dataclass(frozen=True)
class WorthWeights:
    """One point of :data:`WORTH_GRID` (all 0: the EI label itself, up to the percentile map)."""

    playoffs: float = 0.0
    finals: float = 0.0
    elimination: float = 0.0
    game_seven: float = 0.0
    seed_race: float = 0.0
    triple_double: float = 0.0
    duel: float = 0.0
    fifty_floor: float = 0.0
    floor_step: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class WorthTerms:
    """The label's flags of every game (0/1 floats) and the top scorer's points."""

    flags: Mapping[str, np.ndarray]  # STAKES_WEIGHTS + triple_double + duel
    top_points: np.ndarray


def worth_columns(features: np.ndarray, names: Sequence[str] = ALL_FEATURES) -> dict[str, np.ndarray] | None:
    """The :data:`WORTH_COLUMNS` of a feature matrix whose columns are ``names``, by name; ``None``
    when any of them is not a column (a feature matrix from before the stakes and performance features)."""
    if not all(n in names for n in WORTH_COLUMNS):
        return None
    return {n: np.asarray(features[:, list(names).index(n)], dtype=np.float64) for n in WORTH_COLUMNS}


def worth_terms(columns: Mapping[str, np.ndarray]) -> WorthTerms:
    """The flags of :data:`WORTH_FORM` from the stakes and performance columns (one array per name)."""
    missing = [n for n in WORTH_COLUMNS if n not in columns]
    if missing:
        raise ModelError(
            f"the worth-watching label needs the feature columns {', '.join(missing)}: "
            "compute the stakes and performance features for every training game"
        )
    c = {n: np.asarray(columns[n], dtype=np.float64) for n in WORTH_COLUMNS}
    flags = {
        "playoffs": c["playoff_round"] > 0,
        "finals": c["playoff_round"] == FINALS_ROUND,
        "elimination": c["elimination_game"] > 0,
        "game_seven": c["game_seven"] > 0,
        "seed_race": c["seed_race_teams"] > 0,
        "triple_double": c["all_round"] >= TRIPLE_DOUBLE,
        "duel": c["duel_points"] >= DUEL_POINTS,
    }
    return WorthTerms({k: v.astype(np.float64) for k, v in flags.items()}, c["top_points"])


def raw_worth(ei_label: np.ndarray, terms: WorthTerms, weights: WorthWeights) -> np.ndarray:
    """Step 1 of :data:`WORTH_FORM`: the EI label with the stakes (scaled by it) and the additive terms."""
    stakes = sum((getattr(weights, k) * terms.flags[k] for k in STAKES_WEIGHTS), np.zeros(len(ei_label)))
    return (
        np.asarray(ei_label, dtype=np.float64) * (1.0 + stakes / 100.0)
        + weights.triple_double * terms.flags["triple_double"]
        + weights.duel * terms.flags["duel"]
    )


def performance_floor(top_points: np.ndarray, weights: WorthWeights) -> np.ndarray:
    """Step 3's floor: ``fifty_floor + floor_step x (top_points - 50)`` for a 50-point scorer, else 0 (at most 100)."""
    top = np.asarray(top_points, dtype=np.float64)
    if weights.fifty_floor <= 0:
        return np.zeros(top.shape)
    level = np.minimum(100.0, weights.fifty_floor + weights.floor_step * (top - FIFTY_POINTS))
    return np.where(top >= FIFTY_POINTS, level, 0.0)


def apply_scale(raw: np.ndarray, scale: ex.LabelScale, terms: WorthTerms, weights: WorthWeights) -> np.ndarray:
    """Steps 2 and 3: the percentile label of ``raw`` lifted to the performance floor."""
    return np.maximum(scale.rating(raw), performance_floor(terms.top_points, weights))


@dataclass(frozen=True)
class FittedWorth:
    """The worth label of every game, with the scale fitted on the training games."""

    weights: WorthWeights
    scale: ex.LabelScale
    label: np.ndarray


def fit_worth(ei_label: np.ndarray, terms: WorthTerms, weights: WorthWeights, train_rows: np.ndarray) -> FittedWorth:
    """The worth label of every game for ``weights``, its percentile scale fitted on ``train_rows``."""
    raw = raw_worth(ei_label, terms, weights)
    scale = ex.LabelScale.fit(raw[train_rows])
    return FittedWorth(weights, scale, apply_scale(raw, scale, terms, weights))


def grid_points(grid: Sequence[tuple[str, Sequence[float]]] = WORTH_GRID) -> list[WorthWeights]:
    """Every point of ``grid`` in order, without the floor steps of a grid point with no floor."""
    names = [n for n, _ in grid]
    points = []
    for combo in itertools.product(*(values for _, values in grid)):
        w = dict(zip(names, combo))
        if not w.get("fifty_floor") and w.get("floor_step"):
            continue
        points.append(WorthWeights(**w))
    return points


@dataclass(frozen=True)
class WorthChoice:
    """What :func:`choose_weights` chose, and on what."""

    weights: WorthWeights
    acclaimed_share: float  # of the acclaimed training games, labelled >= ACCLAIMED_LABEL
    acclaimed_games: int
    ei_spearman: float  # the label's Spearman with the EI label on the validation games
    grid_points: int
    eligible_points: int  # grid points with a Spearman >= MIN_EI_SPEARMAN

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "weights": self.weights.to_dict()}


def choose_weights(
    ei_label: np.ndarray,
    terms: WorthTerms,
    train_rows: np.ndarray,
    val_rows: np.ndarray,
    acclaimed_rows: np.ndarray,
    grid: Sequence[tuple[str, Sequence[float]]] = WORTH_GRID,
    min_spearman: float = MIN_EI_SPEARMAN,
    acclaimed_label: float = ACCLAIMED_LABEL,
) -> WorthChoice:
    """The grid point of the module doc's rule: most acclaimed training games (``acclaimed_rows`` within
    ``train_rows``) labelled >= ``acclaimed_label``, among the points whose label keeps a Spearman >=
    ``min_spearman`` with the EI label on ``val_rows``; ties: the higher Spearman, then the earlier point.

    Raises :class:`ModelError` when no acclaimed game is a training game or fewer than 3 games validate.
    """
    chosen_on = np.flatnonzero(acclaimed_rows & train_rows)
    if chosen_on.size == 0:
        raise ModelError(
            "no game of the acclaimed set (model/training/acclaimed_games.csv) is a training game: "
            "the worth-watching weights cannot be chosen; add acclaimed games of the training seasons"
        )
    if int(val_rows.sum()) < 3:
        raise ModelError("the worth-watching weights need at least 3 validation games: add validation seasons")
    points = grid_points(grid)
    # The rule reads the label of the validation and the acclaimed games only: label just those.
    read = np.flatnonzero(val_rows | (acclaimed_rows & train_rows))
    val_at, acclaimed_at = val_rows[read], (acclaimed_rows & train_rows)[read]
    ei_val = ei_label[read][val_at]
    sub = WorthTerms({k: v[read] for k, v in terms.flags.items()}, terms.top_points[read])
    best: tuple[tuple[float, float], WorthWeights] | None = None
    eligible = 0
    scales: dict[tuple[float, ...], tuple[np.ndarray, ex.LabelScale]] = {}
    for weights in points:
        key = tuple(getattr(weights, k) for k in (*STAKES_WEIGHTS, "triple_double", "duel"))
        if key not in scales:  # the floor does not change the percentile scale
            raw = raw_worth(ei_label, terms, weights)
            scales[key] = (raw[read], ex.LabelScale.fit(raw[train_rows]))
        raw, scale = scales[key]
        label = apply_scale(raw, scale, sub, weights)
        rho = rg.spearman(label[val_at], ei_val)
        if not rho >= min_spearman:
            continue
        eligible += 1
        score = (float(np.mean(label[acclaimed_at] >= acclaimed_label)), rho)
        if best is None or score > best[0]:
            best = (score, weights)
    if best is None:
        raise ModelError(
            f"no worth-watching grid point keeps a Spearman >= {min_spearman} with the EI label on the "
            "validation games: widen the grid with smaller weights"
        )
    (share, rho), weights = best
    logger.info(
        "worth label: chose %s (%.0f%% of %d acclaimed training games labelled >= %g, Spearman %.4f with the EI "
        "label on validation; %d of %d grid points eligible)",
        weights.to_dict(),
        100 * share,
        chosen_on.size,
        acclaimed_label,
        rho,
        eligible,
        len(points),
    )
    return WorthChoice(weights, round(share, 4), int(chosen_on.size), round(rho, 4), len(points), eligible)


def label_from_details(
    ei_label: np.ndarray, columns: Mapping[str, np.ndarray], details: Mapping[str, Any]
) -> np.ndarray:
    """The worth label of every game from a model's metadata (``details["worth"]``: its weights and reference
    quantiles), as the training run computed it."""
    weights = WorthWeights(**details["weights"])
    scale = ex.LabelScale(tuple(details["reference_quantiles"]))
    terms = worth_terms(columns)
    return apply_scale(raw_worth(ei_label, terms, weights), scale, terms, weights)
