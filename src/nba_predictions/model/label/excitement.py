"""The Excitement Index (EI) of a game and the 0-100 rating label built from it.

EI is the sum of the absolute changes of the home team's win probability over the game, as
published by inpredictable.  The probability is evaluated along a path of game states:

* **score path** (the first shipped label): tip-off, just before and just after every change of
  score (so the drift of a lead with time is counted separately from the jump of a basket), and the
  final buzzer (probability 1 or 0);
* **possession path** (:mod:`.possession`): the same states with the ball, plus every change of
  possession imputed between two scores, so a stop or a turnover in a close game moves the
  probability as a basket does.

A :class:`LabelDefinition` fixes the win-probability model, the path, whether the EI is read at a
neutral site (no home-court edge: the same game gives the same EI whichever side was at home, so the
label never hints at which side won) and whether it is read at the reference pace (the expected
EI of a Brownian path cut into N steps grows as the square root of N: with ``pace_exponent`` 1/2 the
same story told over more possessions is not worth more).

The label is ``100 x`` the game's EI percentile among the training games.  The percentile is
read from reference quantiles of the training EI (stored in the model's metadata), so a new game
maps to the same scale: a label of 87 means "more exciting than 87 % of training games".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nba_predictions.core.domain import REGULATION_SECONDS, ScoreTimeline
from nba_predictions.model.label.possession import PossessionPath, possession_paths
from nba_predictions.model.label.winprob import WinProbModel, scoring_rates, seconds_left

logger = logging.getLogger(__name__)

REFERENCE_POINTS = 1001  # quantile levels 0.000, 0.001, ..., 1.000
QUANTILE_DECIMALS = 6


@dataclass(frozen=True)
class LabelDefinition:
    """What the EI of a game is computed with."""

    win_probability: WinProbModel
    possession_seconds: float | None = None  # None: the score path; else the possession path
    at_neutral_site: bool = False  # True: the EI ignores home court
    # EI x (reference_changes / the game's changes of possession per 48 minutes) ** pace_exponent: the EI
    # read at the reference pace (possession path only; 0 = as measured).
    pace_exponent: float = 0.0
    reference_changes: float = 0.0

    def __post_init__(self) -> None:
        if self.pace_exponent and (self.possession_seconds is None or self.reference_changes <= 0):
            raise ValueError("a pace-adjusted label needs the possession path and a positive reference_changes")

    FIELDS = ("possession_seconds", "at_neutral_site", "pace_exponent", "reference_changes")

    def to_dict(self) -> dict[str, object]:
        return {"win_probability": self.win_probability.to_dict(), **{f: getattr(self, f) for f in self.FIELDS}}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LabelDefinition:
        """From :meth:`to_dict`'s keys (other keys, such as the metadata's quantiles, are ignored)."""
        seconds = data["possession_seconds"]
        return cls(
            win_probability=WinProbModel.from_dict(data["win_probability"]),  # type: ignore[arg-type]
            possession_seconds=None if seconds is None else float(seconds),  # type: ignore[arg-type]
            at_neutral_site=bool(data["at_neutral_site"]),
            pace_exponent=float(data["pace_exponent"]),  # type: ignore[arg-type]
            reference_changes=float(data["reference_changes"]),  # type: ignore[arg-type]
        )


def _score_path(timelines: Sequence[ScoreTimeline]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elapsed time, margin and game index of every score-path point of every game, concatenated.

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


def _path(
    timelines: Sequence[ScoreTimeline], label: LabelDefinition, path: PossessionPath | None = None
) -> tuple[np.ndarray, ...]:
    """(time, margin, ball, owner) of the label's path (``path``: the possession path, if already computed)."""
    if label.possession_seconds is None:
        t, m, owner = _score_path(timelines)
        return t, m, np.zeros_like(t), owner
    if path is None:
        path = possession_paths(timelines, label.possession_seconds)
    return path.time, path.margin, path.ball, path.owner


def changes_per_48(timelines: Sequence[ScoreTimeline], possession_seconds: float) -> np.ndarray:
    """Each game's changes of possession on its possession path, per 48 minutes of game clock."""
    return path_changes_per_48(timelines, possession_paths(timelines, possession_seconds))


def path_changes_per_48(timelines: Sequence[ScoreTimeline], path: PossessionPath) -> np.ndarray:
    """:func:`changes_per_48` from the games' possession path."""
    return _changes_per_48(timelines, path.ball, path.owner)


def _changes_per_48(timelines: Sequence[ScoreTimeline], ball: np.ndarray, owner: np.ndarray) -> np.ndarray:
    flips = (owner[1:] == owner[:-1]) & (ball[1:] * ball[:-1] < 0)
    counts = np.bincount(owner[1:][flips], minlength=len(timelines))
    lengths = np.fromiter((t.length_seconds for t in timelines), dtype=np.float64, count=len(timelines))
    return counts * REGULATION_SECONDS / lengths


def probability_path(
    timeline: ScoreTimeline, label: LabelDefinition, neutral: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(elapsed seconds, P(home wins)) at every point of the game's path."""
    t, m, ball, _ = _path([timeline], label)
    site = neutral or label.at_neutral_site
    rate = scoring_rates([timeline])[0]
    return t, label.win_probability.home_win_probability(m, seconds_left(t), site, ball, rate)


def excitement_indices(
    timelines: Sequence[ScoreTimeline],
    label: LabelDefinition,
    neutral: Sequence[bool] | np.ndarray | None = None,
    path: PossessionPath | None = None,
) -> np.ndarray:
    """EI of every game, in one vectorised pass over all path points.

    ``neutral`` flags the games played at a neutral site (ignored when the label is read at a
    neutral site anyway); ``path`` is the games' possession path when the caller has it already.
    """
    if not timelines:
        return np.empty(0)
    if neutral is None:
        neutral = np.zeros(len(timelines), dtype=bool)
    if len(neutral) != len(timelines):
        raise ValueError(f"{len(timelines)} timelines but {len(neutral)} neutral-site flags")
    t, m, ball, owner = _path(timelines, label, path)
    site = np.ones(owner.size, dtype=bool) if label.at_neutral_site else np.asarray(neutral, dtype=bool)[owner]
    rate = scoring_rates(timelines)[owner]
    p = label.win_probability.home_win_probability(m, seconds_left(t), site, ball, rate)
    step = np.abs(np.diff(p))
    same_game = owner[1:] == owner[:-1]
    ei = np.bincount(owner[1:][same_game], weights=step[same_game], minlength=len(timelines))
    if label.pace_exponent:
        changes = _changes_per_48(timelines, ball, owner)
        ei = ei * (label.reference_changes / np.maximum(changes, 1.0)) ** label.pace_exponent
    return ei


def excitement_index(timeline: ScoreTimeline, label: LabelDefinition, neutral: bool = False) -> float:
    """EI of one game."""
    return float(excitement_indices([timeline], label, [neutral])[0])


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
