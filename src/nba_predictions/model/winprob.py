"""In-game win probability of the home team, from margin, time left and pre-game strength.

Two model families are fitted on the archive's play-by-play and compared on held-out seasons
(see ``docs/MODEL.md``):

* ``brownian`` -- Stern (1994): the home margin is a Brownian motion with drift ``mu`` (the
  expected full-game home margin) and variance ``sigma**2`` per game, so with ``tau`` the share of
  regulation left::

      P(home wins) = Phi((margin + mu * tau) / (sigma * sqrt(tau)))

* ``logistic`` -- the same index through a logistic link plus a plain margin term, which lets
  the tails differ from the normal's::

      P(home wins) = 1 / (1 + exp(-(a * (margin + mu * tau) / sqrt(tau) + c * margin)))

In both, ``mu = home_court + strength_weight * strength_diff`` where ``strength_diff`` is the
difference of the two teams' season-to-date net points per game (:func:`pregame_strength`).

Overtime: ``seconds_left`` is the time to the end of regulation, or in overtime to the end of
the current 5-minute period.  A tie when the clock runs out means another overtime period, so
that state is evaluated with 300 seconds left.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from ..domain import OVERTIME_SECONDS, REGULATION_SECONDS, GameResult, ScoreTimeline
from ..season import Season

logger = logging.getLogger(__name__)

Kind = Literal["brownian", "logistic"]
KINDS: tuple[Kind, ...] = ("brownian", "logistic")
_EPS = 1e-12
# Fitted parameters are rounded to this many decimals so that last-bit differences between
# platforms' optimisers do not change the labels (and with them the model bytes).
PARAM_DECIMALS = 4


def seconds_left(elapsed_seconds: np.ndarray | float) -> np.ndarray:
    """Seconds to the end of regulation, or in overtime to the end of the current period.

    A period boundary belongs to the period that ends there: at 2,880 s elapsed the answer is 0
    (the end of regulation), at 2,890 s it is 290 (ten seconds into the first overtime).
    """
    t = np.asarray(elapsed_seconds, dtype=float)
    overtime = t > REGULATION_SECONDS
    periods_into_ot = np.ceil((t - REGULATION_SECONDS) / OVERTIME_SECONDS)
    ot_end = REGULATION_SECONDS + OVERTIME_SECONDS * periods_into_ot
    return np.where(overtime, ot_end - t, REGULATION_SECONDS - t)


@dataclass(frozen=True)
class WinProbModel:
    """A fitted win-probability model; ``params`` are JSON-friendly floats."""

    kind: Kind
    home_court: float  # points of expected home margin with equal teams
    strength_weight: float  # points of expected margin per point of net-rating difference
    scale: float  # brownian: sigma (points per game); logistic: a
    margin_coef: float = 0.0  # logistic only: c

    def expected_margin(self, strength_diff: np.ndarray | float, neutral: np.ndarray | bool = False) -> np.ndarray:
        """``mu``: expected full-game home margin; no home court at a neutral site."""
        home = np.where(np.asarray(neutral, dtype=bool), 0.0, self.home_court)
        return home + self.strength_weight * np.asarray(strength_diff, dtype=float)

    def home_win_probability(
        self,
        margin: np.ndarray | float,
        seconds_left: np.ndarray | float,
        strength_diff: np.ndarray | float = 0.0,
        neutral: np.ndarray | bool = False,
    ) -> np.ndarray:
        """P(home wins) for home-minus-away ``margin`` with ``seconds_left`` (see :func:`seconds_left`)."""
        m = np.asarray(margin, dtype=float)
        left = np.asarray(seconds_left, dtype=float)
        m, left, s, n = np.broadcast_arrays(
            m, left, np.asarray(strength_diff, dtype=float), np.asarray(neutral, dtype=bool)
        )
        decided = (left <= 0) & (m != 0)
        # A tie at the end of a period that ends the game means another overtime period.
        left = np.where(left <= 0, OVERTIME_SECONDS, left)
        tau = left / REGULATION_SECONDS
        mu = self.expected_margin(s, n)
        index = (m + mu * tau) / np.sqrt(tau)
        p = _link(self, index, m)
        return np.where(decided, (m > 0).astype(float), p)

    def to_dict(self) -> dict[str, float | str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> WinProbModel:
        kind = data["kind"]
        if kind not in KINDS:
            raise ValueError(f"unknown win-probability model kind {kind!r}: expected one of {KINDS}")
        return cls(
            kind=kind,  # type: ignore[arg-type]
            home_court=float(data["home_court"]),  # type: ignore[arg-type]
            strength_weight=float(data["strength_weight"]),  # type: ignore[arg-type]
            scale=float(data["scale"]),  # type: ignore[arg-type]
            margin_coef=float(data.get("margin_coef", 0.0)),  # type: ignore[arg-type]
        )


def _link(model: WinProbModel, index: np.ndarray, margin: np.ndarray) -> np.ndarray:
    if model.kind == "brownian":
        from scipy.special import ndtr

        return ndtr(index / model.scale)
    from scipy.special import expit

    return expit(model.scale * index + model.margin_coef * margin)


# --------------------------------------------------------------------------- pre-game strength


def pregame_strength(
    results: Iterable[GameResult], prior_games: float = 10.0, carry_over: float = 0.5
) -> dict[str, float]:
    """Home minus away season-to-date net points per game, before each game.

    Each team's rating is ``(prior_games * prior + sum of its margins so far) / (prior_games +
    games so far)``, using only games on earlier dates of the same season.  The prior is
    ``carry_over`` times the team's final rating of the previous season in ``results`` (0 when
    that season is absent).  Returns ``{game_id: home_rating - away_rating}``.
    """
    by_season: dict[Season, list[GameResult]] = defaultdict(list)
    for r in results:
        by_season[Season.of_date(r.date)].append(r)
    out: dict[str, float] = {}
    final_prev: dict[int, float] = {}
    previous_season: Season | None = None
    for season in sorted(by_season):
        games = sorted(by_season[season], key=lambda r: (r.date, r.game_id))
        carried = final_prev if previous_season is not None and season.start_year == previous_season.start_year + 1 else {}
        totals: dict[int, float] = defaultdict(float)
        counts: dict[int, int] = defaultdict(int)

        def rating(team: int) -> float:
            prior = carry_over * carried.get(team, 0.0)
            return (prior_games * prior + totals[team]) / (prior_games + counts[team])

        i = 0
        while i < len(games):
            day = games[i].date
            j = i
            while j < len(games) and games[j].date == day:
                g = games[j]
                out[g.game_id] = rating(g.home_team_id) - rating(g.away_team_id)
                j += 1
            for g in games[i:j]:  # update after the whole day: no same-day leakage
                diff = g.home_score - g.away_score
                totals[g.home_team_id] += diff
                totals[g.away_team_id] -= diff
                counts[g.home_team_id] += 1
                counts[g.away_team_id] += 1
            i = j
        final_prev = {t: totals[t] / counts[t] for t in counts if counts[t]}
        previous_season = season
    return out


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class WinProbStates:
    """Game states for fitting: one row per (game, sampled moment)."""

    margin: np.ndarray
    seconds_left: np.ndarray
    strength_diff: np.ndarray
    neutral: np.ndarray  # bool
    home_won: np.ndarray  # 0/1
    game_index: np.ndarray  # row -> index of the game in the input sequence

    def __len__(self) -> int:
        return int(self.margin.shape[0])

    def subset(self, mask: np.ndarray) -> WinProbStates:
        return WinProbStates(
            self.margin[mask],
            self.seconds_left[mask],
            self.strength_diff[mask],
            self.neutral[mask],
            self.home_won[mask],
            self.game_index[mask],
        )


def sample_states(
    timelines: Sequence[ScoreTimeline],
    strength_diffs: Sequence[float] | np.ndarray,
    neutral: Sequence[bool] | np.ndarray | None = None,
    step_seconds: float = 60.0,
) -> WinProbStates:
    """The margin every ``step_seconds`` of game clock (overtime included) of each game.

    The margin at a moment counts every score at or before it.  Moments where the game is
    already decided (clock out, non-zero margin) are left out: they carry no information.
    Games ending tied (corrupt timelines) are skipped.
    """
    if neutral is None:
        neutral = np.zeros(len(timelines), dtype=bool)
    margins, lefts, strengths, neutrals, wons, index = [], [], [], [], [], []
    for k, (tl, s, site) in enumerate(zip(timelines, strength_diffs, neutral)):
        if not tl.events:
            continue
        ev = np.asarray(tl.events, dtype=float)
        final = ev[-1, 1] - ev[-1, 2]
        if final == 0:
            continue
        grid = np.arange(0.0, tl.length_seconds + 1e-9, step_seconds)
        pos = np.searchsorted(ev[:, 0], grid, side="right") - 1
        m = np.where(pos >= 0, ev[np.maximum(pos, 0), 1] - ev[np.maximum(pos, 0), 2], 0.0)
        left = seconds_left(grid)
        keep = ~((left <= 0) & (m != 0))
        margins.append(m[keep])
        lefts.append(left[keep])
        strengths.append(np.full(int(keep.sum()), float(s)))
        neutrals.append(np.full(int(keep.sum()), bool(site)))
        wons.append(np.full(int(keep.sum()), 1.0 if final > 0 else 0.0))
        index.append(np.full(int(keep.sum()), k))
    if not margins:
        raise ValueError("no game with a decided score timeline to sample win-probability states from")
    return WinProbStates(
        np.concatenate(margins),
        np.concatenate(lefts),
        np.concatenate(strengths),
        np.concatenate(neutrals),
        np.concatenate(wons),
        np.concatenate(index),
    )


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, _EPS, 1 - _EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def _from_vector(kind: Kind, x: np.ndarray, use_strength: bool) -> WinProbModel:
    values = list(x)
    home_court = values.pop(0)
    strength_weight = values.pop(0) if use_strength else 0.0
    scale = math.exp(values.pop(0))
    margin_coef = values.pop(0) if kind == "logistic" else 0.0
    return WinProbModel(kind, home_court=home_court, strength_weight=strength_weight, scale=scale, margin_coef=margin_coef)


def fit_win_probability(states: WinProbStates, kind: Kind, use_strength: bool = True) -> WinProbModel:
    """Maximum-likelihood fit of one model family on ``states`` (deterministic: fixed start).

    With ``use_strength=False`` the strength weight is fixed at 0: margin, time and home court only.
    """
    from scipy.optimize import minimize

    if kind not in KINDS:
        raise ValueError(f"unknown win-probability model kind {kind!r}: expected one of {KINDS}")
    x0 = [3.0] + ([1.0] if use_strength else []) + [math.log(13.0 if kind == "brownian" else 0.13)]
    x0 += [0.0] if kind == "logistic" else []

    def objective(x: np.ndarray) -> float:
        model = _from_vector(kind, x, use_strength)
        p = model.home_win_probability(states.margin, states.seconds_left, states.strength_diff, states.neutral)
        return log_loss(p, states.home_won)

    result = minimize(
        objective, np.array(x0), method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-10, "maxiter": 4000}
    )
    fitted = _from_vector(kind, result.x, use_strength)
    rounded = WinProbModel(
        kind=kind,
        home_court=float(round(fitted.home_court, PARAM_DECIMALS)),
        strength_weight=float(round(fitted.strength_weight, PARAM_DECIMALS)),
        scale=float(round(fitted.scale, PARAM_DECIMALS)),
        margin_coef=float(round(fitted.margin_coef, PARAM_DECIMALS)),
    )
    logger.info(
        "fitted %s win probability (%s) on %d states: %s (log loss %.5f)",
        kind, "with strength" if use_strength else "score only", len(states), rounded, result.fun,
    )
    return rounded


def calibration_table(p: np.ndarray, y: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Predicted versus observed home-win share in ``bins`` equal-width probability bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        rows.append(
            {
                "low": float(edges[b]),
                "high": float(edges[b + 1]),
                "states": n,
                "mean_predicted": float(p[mask].mean()) if n else float("nan"),
                "observed": float(y[mask].mean()) if n else float("nan"),
            }
        )
    return rows


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Share-weighted mean |predicted - observed| over the calibration bins."""
    table = calibration_table(p, y, bins)
    total = sum(r["states"] for r in table)
    return float(sum(r["states"] * abs(r["mean_predicted"] - r["observed"]) for r in table if r["states"]) / total)
