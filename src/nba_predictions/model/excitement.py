"""The Excitement Index (EI) of a game and the 0-100 rating label built from it.

EI is the sum of the absolute changes of the home team's win probability over the game, as
published by inpredictable.  The probability is evaluated along the score timeline at: tip-off,
just before and just after every change of score (so the drift of a lead with time is counted
separately from the jump of a basket), and the final buzzer (probability 1 or 0).

The label is ``100 x`` the game's EI percentile among the training games.  The percentile is
read from reference quantiles of the training EI (stored in the model's metadata), so a new game
maps to the same scale: a label of 87 means "more exciting than 87 % of training games".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..domain import ScoreTimeline
from .winprob import WinProbModel, seconds_left

logger = logging.getLogger(__name__)

REFERENCE_POINTS = 1001  # quantile levels 0.000, 0.001, ..., 1.000
QUANTILE_DECIMALS = 6


def _path_arrays(timelines: Sequence[ScoreTimeline]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elapsed time, margin and game index of every path point of every game, concatenated.

    Per game: tip-off, (before, after) each score change, final buzzer.
    """
    times: list[np.ndarray] = []
    margins: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for k, tl in enumerate(timelines):
        ev = np.asarray(tl.events, dtype=float).reshape(-1, 3)
        n = ev.shape[0]
        m = ev[:, 1] - ev[:, 2]
        before = np.concatenate(([0.0], m[:-1])) if n else m
        t = np.empty(2 * n + 2)
        mm = np.empty(2 * n + 2)
        t[0], mm[0] = 0.0, 0.0
        t[1:-1:2], mm[1:-1:2] = ev[:, 0], before
        t[2:-1:2], mm[2:-1:2] = ev[:, 0], m
        t[-1] = float(tl.length_seconds)
        mm[-1] = m[-1] if n else 0.0
        times.append(t)
        margins.append(mm)
        owners.append(np.full(t.shape[0], k))
    if not times:
        return np.empty(0), np.empty(0), np.empty(0, dtype=int)
    return np.concatenate(times), np.concatenate(margins), np.concatenate(owners)


def probability_path(
    timeline: ScoreTimeline, strength_diff: float, model: WinProbModel, neutral: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(elapsed seconds, P(home wins)) at every point of the game's path."""
    t, m, _ = _path_arrays([timeline])
    return t, model.home_win_probability(m, seconds_left(t), strength_diff, neutral)


def excitement_indices(
    timelines: Sequence[ScoreTimeline],
    strength_diffs: Sequence[float] | np.ndarray,
    model: WinProbModel,
    neutral: Sequence[bool] | np.ndarray | None = None,
) -> np.ndarray:
    """EI of every game, in one vectorised pass over all path points."""
    if len(timelines) != len(strength_diffs):
        raise ValueError(f"{len(timelines)} timelines but {len(strength_diffs)} strength differences")
    if not timelines:
        return np.empty(0)
    if neutral is None:
        neutral = np.zeros(len(timelines), dtype=bool)
    t, m, owner = _path_arrays(timelines)
    s = np.asarray(strength_diffs, dtype=float)[owner]
    site = np.asarray(neutral, dtype=bool)[owner]
    p = model.home_win_probability(m, seconds_left(t), s, site)
    step = np.abs(np.diff(p))
    same_game = owner[1:] == owner[:-1]
    return np.bincount(owner[1:][same_game], weights=step[same_game], minlength=len(timelines))


def excitement_index(
    timeline: ScoreTimeline, strength_diff: float, model: WinProbModel, neutral: bool = False
) -> float:
    """EI of one game."""
    return float(excitement_indices([timeline], [strength_diff], model, [neutral])[0])


@dataclass(frozen=True)
class LabelScale:
    """EI -> 0-100 rating: 100 x the EI percentile among the training games."""

    quantiles: tuple[float, ...]  # EI at the levels linspace(0, 1, len(quantiles))

    def __post_init__(self) -> None:
        q = np.asarray(self.quantiles, dtype=float)
        if q.ndim != 1 or q.size < 2 or not np.all(np.isfinite(q)) or np.any(np.diff(q) < 0):
            raise ValueError("label reference quantiles must be at least two finite, non-decreasing numbers")

    @classmethod
    def fit(cls, training_ei: np.ndarray, points: int = REFERENCE_POINTS) -> LabelScale:
        ei = np.asarray(training_ei, dtype=float)
        if ei.size == 0:
            raise ValueError("cannot build a label scale from zero training games")
        q = np.quantile(ei, np.linspace(0.0, 1.0, points))
        q = np.maximum.accumulate(np.round(q, QUANTILE_DECIMALS))
        return cls(tuple(float(x) for x in q))

    def rating(self, ei: np.ndarray | float) -> np.ndarray:
        """Label of each EI, 0-100 (EI beyond the training range maps to 0 or 100)."""
        q = np.asarray(self.quantiles, dtype=float)
        levels = np.linspace(0.0, 100.0, q.size)
        x = np.asarray(ei, dtype=float)
        # Ties among the quantiles (possible in tiny samples) -> use the middle of the tied run.
        lo = np.interp(x, q, levels, left=0.0, right=100.0)
        hi = -np.interp(-x, -q[::-1], -levels[::-1], left=-100.0, right=-0.0)
        return (lo + hi) / 2.0
