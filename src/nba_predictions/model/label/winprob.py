"""In-game win probability of the home team: margin, time left, the ball and the game's scoring.

The model is Stern's (1994) Brownian motion, widened in two ways that the label candidates of
``docs/MODEL.md`` switch on or off::

    P(home wins) = Phi((margin + possession_value * ball + mu * tau) / (sigma_g * sqrt(tau)))

* ``tau`` is the share of regulation left (:func:`seconds_left`), ``mu`` the expected full-game home
  margin: ``home_court`` (0 at a neutral site).
* ``ball`` is +1 when the home team has the ball, -1 when the away team has it, 0 when nobody does
  (see :mod:`.possession`): having the ball is worth ``possession_value`` points of margin.
* ``sigma_g = sigma * (scoring_rate / reference_rate) ** rate_exponent``: the volatility of the
  margin follows the game's own scoring.  ``scoring_rate`` (:func:`scoring_rates`) is the sum of the
  squared points of every scoring event per 48 minutes -- for a compound-Poisson score process, the
  variance of the margin per unit of time (a three adds 9, a two 4, a free throw 1).

With ``possession_value = rate_exponent = 0`` this is exactly the score-only model of the first
shipped label.

Overtime: ``seconds_left`` is the time to the end of regulation, or in overtime to the end of the
current 5-minute period.  A tie when the clock runs out means another overtime period (with a jump
ball), so that state is evaluated with 300 seconds left and nobody on the ball.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from nba_predictions.core.domain import OVERTIME_SECONDS, REGULATION_SECONDS, ScoreTimeline
from nba_predictions.model.label.possession import PossessionPath, Scores, ball_at, possession_paths

logger = logging.getLogger(__name__)

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


def scoring_rates(timelines: Sequence[ScoreTimeline]) -> np.ndarray:
    """Each game's sum of squared points per scoring event, per 48 minutes of game clock."""
    out = np.empty(len(timelines))
    for k, tl in enumerate(timelines):
        squares, home, away = 0, 0, 0
        for _, h, a in tl.events:
            squares += ((h - home) - (a - away)) ** 2
            home, away = h, a
        out[k] = squares * REGULATION_SECONDS / tl.length_seconds
    return out


@dataclass(frozen=True)
class WinProbModel:
    """A fitted win-probability model; every field is a JSON-friendly float."""

    home_court: float  # points of expected home margin (0 at a neutral site)
    sigma: float  # points per game of the margin's volatility (at the reference scoring rate)
    possession_value: float = 0.0  # points of margin the ball is worth
    rate_exponent: float = 0.0  # sigma_g = sigma * (scoring_rate / reference_rate) ** rate_exponent
    reference_rate: float = 1.0  # the training games' median scoring rate

    def volatility(self, scoring_rate: np.ndarray | float | None) -> np.ndarray | float:
        if self.rate_exponent == 0.0 or scoring_rate is None:
            return self.sigma
        return self.sigma * (np.asarray(scoring_rate, dtype=float) / self.reference_rate) ** self.rate_exponent

    def home_win_probability(
        self,
        margin: np.ndarray | float,
        seconds_left: np.ndarray | float,
        neutral: np.ndarray | bool = False,
        ball: np.ndarray | float = 0.0,
        scoring_rate: np.ndarray | float | None = None,
    ) -> np.ndarray:
        """P(home wins) for home-minus-away ``margin`` with ``seconds_left`` (see :func:`seconds_left`)."""
        m, left, n, b = np.broadcast_arrays(
            np.asarray(margin, dtype=float),
            np.asarray(seconds_left, dtype=float),
            np.asarray(neutral, dtype=bool),
            np.asarray(ball, dtype=float),
        )
        decided = (left <= 0) & (m != 0)
        # A tie at the end of a period that ends the game means another overtime period, from a jump ball.
        b = np.where(left <= 0, 0.0, b)
        left = np.where(left <= 0, OVERTIME_SECONDS, left)
        tau = left / REGULATION_SECONDS
        mu = np.where(n, 0.0, self.home_court)
        index = (m + self.possession_value * b + mu * tau) / (self.volatility(scoring_rate) * np.sqrt(tau))
        from scipy.special import ndtr

        return np.where(decided, (m > 0).astype(float), ndtr(index))

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> WinProbModel:
        known = {f: float(data[f]) for f in cls.__dataclass_fields__ if f in data}  # type: ignore[arg-type]
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown or "home_court" not in known or "sigma" not in known:
            raise ValueError(
                f"not a win-probability model: fields {sorted(data)} (expected {sorted(cls.__dataclass_fields__)})"
            )
        return cls(**known)


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class WinProbStates:
    """Game states for fitting: one row per (game, sampled moment)."""

    margin: np.ndarray
    seconds_left: np.ndarray
    neutral: np.ndarray  # bool
    ball: np.ndarray  # +1 / -1 / 0
    scoring_rate: np.ndarray  # of the state's game
    home_won: np.ndarray  # 0/1
    game_index: np.ndarray  # row -> index of the game in the input sequence

    def __len__(self) -> int:
        return int(self.margin.shape[0])

    def subset(self, mask: np.ndarray) -> WinProbStates:
        return WinProbStates(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))

    def probability(self, model: WinProbModel) -> np.ndarray:
        return model.home_win_probability(self.margin, self.seconds_left, self.neutral, self.ball, self.scoring_rate)


def sample_states(
    timelines: Sequence[ScoreTimeline],
    neutral: Sequence[bool] | np.ndarray | None = None,
    step_seconds: float = 60.0,
    possession_seconds: float | None = None,
    path: PossessionPath | None = None,
) -> WinProbStates:
    """The state every ``step_seconds`` of game clock (overtime included) of each game.

    The margin at a moment counts every score at or before it; the ball is the one of
    :func:`~.possession.possession_paths` at that moment (0 without ``possession_seconds``; ``path``: the
    games' possession path, if already computed).  Moments
    where the game is already decided (clock out, non-zero margin) are left out: they carry no
    information.  Games ending tied (corrupt timelines) are skipped.
    """
    n_games = len(timelines)
    if neutral is None:
        neutral = np.zeros(n_games, dtype=bool)
    scores = Scores.of(timelines)
    last = np.ones(scores.time.size, dtype=bool)
    last[:-1] = scores.owner[1:] != scores.owner[:-1]
    final = np.zeros(n_games)
    final[scores.owner[last]] = scores.margin[last]
    lengths = np.fromiter((t.length_seconds for t in timelines), dtype=np.float64, count=n_games)
    # Grid points of every game that has a winner: 0, step, 2 step, ... up to its length.
    counts = np.where(final != 0, np.floor(lengths / step_seconds + 1e-9).astype(np.int64) + 1, 0)
    game = np.repeat(np.arange(n_games), counts)
    if game.size == 0:
        raise ValueError("no game with a decided score timeline to sample win-probability states from")
    starts = np.cumsum(counts) - counts
    time = (np.arange(game.size) - np.repeat(starts, counts)) * float(step_seconds)
    # The margin in force: the game's last event at or before the moment (0 before the first).  Games are
    # kept apart by a stride wider than any game (10 periods are 4,680 s).
    stride = 1e4
    event_key = scores.owner * stride + scores.time
    pos = np.searchsorted(event_key, game * stride + time, side="right") - 1
    same_game = (pos >= 0) & (scores.owner[np.maximum(pos, 0)] == game)
    margin = np.where(same_game, scores.margin[np.maximum(pos, 0)], 0.0)
    keep = ~((seconds_left(time) <= 0) & (margin != 0))
    game, time, margin = game[keep], time[keep], margin[keep]
    if path is None and possession_seconds is not None:
        path = possession_paths(timelines, possession_seconds)
    ball = np.zeros(time.size) if path is None else ball_at(path, game, time)
    return WinProbStates(
        margin=margin,
        seconds_left=seconds_left(time),
        neutral=np.asarray(neutral, dtype=bool)[game],
        ball=ball,
        scoring_rate=scoring_rates(timelines)[game],
        home_won=(final[game] > 0).astype(float),
        game_index=game,
    )


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, _EPS, 1 - _EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def fit_win_probability(
    states: WinProbStates, possession: bool = False, rate_exponent: float | None = 0.0
) -> WinProbModel:
    """Maximum-likelihood fit on ``states`` (deterministic: fixed start, L-BFGS on the exact gradient).

    Always fitted: home court and sigma.  ``possession=True`` also fits the ball's value (the states
    must carry the ball); ``rate_exponent`` is a fixed exponent of the scoring rate (0 = unused), or
    ``None`` to fit it too.  The reference rate is the states' median scoring rate.
    """
    from scipy.optimize import minimize
    from scipy.special import log_ndtr, ndtr

    use_rate = rate_exponent != 0.0
    fit_rate = rate_exponent is None
    reference = float(round(float(np.median(states.scoring_rate)), PARAM_DECIMALS)) if use_rate else 1.0
    left = np.where(states.seconds_left <= 0, OVERTIME_SECONDS, states.seconds_left)
    ball = np.where(states.seconds_left <= 0, 0.0, states.ball)
    root_tau = np.sqrt(left / REGULATION_SECONDS)
    home = np.where(states.neutral, 0.0, left / REGULATION_SECONDS)  # d(margin + mu * tau) / d(home_court)
    log_rate = np.log(states.scoring_rate / reference) if use_rate else np.zeros(len(states))
    y = states.home_won
    n = len(states)

    def unpack(x: np.ndarray) -> tuple[float, float, float, float]:
        values = list(x)
        home_court, log_sigma = values.pop(0), values.pop(0)
        value = values.pop(0) if possession else 0.0
        exponent = values.pop(0) if fit_rate else float(rate_exponent or 0.0)
        return home_court, log_sigma, value, exponent

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        home_court, log_sigma, value, exponent = unpack(x)
        scale = np.exp(log_sigma + exponent * log_rate) * root_tau
        z = (states.margin + value * ball + home_court * home) / scale
        # log P(y | z) and its derivative in z, stable in both tails.
        loss = -np.sum(y * log_ndtr(z) + (1 - y) * log_ndtr(-z)) / n
        density = np.exp(-0.5 * z * z - 0.5 * math.log(2 * math.pi))
        p = np.clip(ndtr(z), _EPS, 1 - _EPS)
        dz = -(y / p - (1 - y) / (1 - p)) * density / n
        grad = [np.sum(dz * home / scale), np.sum(dz * -z)]
        if possession:
            grad.append(np.sum(dz * ball / scale))
        if fit_rate:
            grad.append(np.sum(dz * -z * log_rate))
        return float(loss), np.array(grad)

    x0 = [3.0, math.log(13.0)] + ([0.5] if possession else []) + ([0.25] if fit_rate else [])
    result = minimize(
        objective, np.array(x0), jac=True, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 500}
    )
    home_court, log_sigma, value, exponent = unpack(result.x)
    fitted = WinProbModel(home_court, math.exp(log_sigma), value, exponent, reference)
    rounded = WinProbModel(**{k: float(round(v, PARAM_DECIMALS)) for k, v in fitted.to_dict().items()})
    logger.info(
        "fitted win probability on %d states: %s (log loss %.5f, %d iterations)", n, rounded, result.fun, result.nit
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
