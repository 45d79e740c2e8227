"""Who has the ball along a score timeline, as far as the scores tell.

The archive (and the live box score) records every change of score, not every possession.  A
possession-aware win probability needs the ball too, so it is reconstructed here:

* Just before a score the scoring team has the ball; just after it the other team has it (a run of
  scores at the same second -- a basket and its and-one, two free throws -- is one trip: the ball
  changes hands only after the last of them).
* Between two scores the ball changes hands an unknown number of times (misses, stops, turnovers).
  The number is imputed from the gap's length: ``round(gap / possession_seconds) - 1`` changes (the
  last possession of the gap is the scoring one), moved by one where needed so that the team that
  scores next has the ball before its score (an even number of changes when the team scored on
  scores next, odd when the same team scores again), spread evenly over the gap.
* Before the first score the ball is with the team that scores first (nothing else is known), and
  at the final buzzer it belongs to nobody.

``possession_seconds`` (the mean time the ball stays with one team) is fitted on the archive by
:func:`fit_possession_seconds` from two facts the timelines do hold: how long the gaps between scores
last and how often the same team scores twice in a row.

Everything is vectorised over many games at once (flat arrays with an ``owner`` game index), for
the label of every training game.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nba_predictions.core.domain import OVERTIME_SECONDS, REGULATION_SECONDS, ScoreTimeline

logger = logging.getLogger(__name__)

QUARTER_SECONDS = REGULATION_SECONDS // 4
# Fitted values are rounded so that last-bit differences between platforms' optimisers do not change
# the labels.
POSSESSION_DECIMALS = 3


@dataclass(frozen=True)
class Scores:
    """Every scoring event of many games, flattened: row ``i`` belongs to game ``owner[i]``."""

    time: np.ndarray  # elapsed game-clock seconds
    margin: np.ndarray  # home - away after the event
    before: np.ndarray  # home - away before the event
    scorer: np.ndarray  # +1 home scored, -1 away, 0 neither (a correction)
    owner: np.ndarray
    same_second_as_next: np.ndarray  # the next event of the same game is at the same second
    same_second_as_previous: np.ndarray
    first_of_game: np.ndarray

    @classmethod
    def of(cls, timelines: Sequence[ScoreTimeline]) -> Scores:
        sizes = np.fromiter((len(t.events) for t in timelines), dtype=np.int64, count=len(timelines))
        total = int(sizes.sum())
        flat = np.fromiter(
            (x for t in timelines for event in t.events for x in event), dtype=np.float64, count=3 * total
        ).reshape(-1, 3)
        owner = np.repeat(np.arange(len(timelines)), sizes)
        first = np.zeros(total, dtype=bool)
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1])) if len(timelines) else np.zeros(0, dtype=np.int64)
        first[starts[sizes > 0]] = True
        home, away = flat[:, 1], flat[:, 2]
        prev_home = np.where(first, 0.0, np.concatenate(([0.0], home[:-1])))
        prev_away = np.where(first, 0.0, np.concatenate(([0.0], away[:-1])))
        time = flat[:, 0]
        same_prev = np.zeros(total, dtype=bool)
        same_prev[1:] = (time[1:] == time[:-1]) & (owner[1:] == owner[:-1])
        same_next = np.zeros(total, dtype=bool)
        same_next[:-1] = same_prev[1:]
        return cls(
            time=time,
            margin=home - away,
            before=prev_home - prev_away,
            scorer=np.sign((home - prev_home) - (away - prev_away)),
            owner=owner,
            same_second_as_next=same_next,
            same_second_as_previous=same_prev,
            first_of_game=first,
        )

    def ball_after(self) -> np.ndarray:
        """Who has the ball just after each event: the other team, unless the same trip goes on."""
        nxt = np.empty_like(self.scorer)
        nxt[:-1] = self.scorer[1:]
        if nxt.size:
            nxt[-1] = 0.0
        return np.where(self.same_second_as_next, nxt, -self.scorer)

    def ball_before(self) -> np.ndarray:
        """Who has the ball just before each event: the scorer (within a same-second run, as after the
        previous event)."""
        after = self.ball_after()
        prev = np.empty_like(after)
        prev[1:] = after[:-1]
        if prev.size:
            prev[0] = 0.0
        return np.where(self.same_second_as_previous, prev, self.scorer)


def imputed_changes(
    gap: np.ndarray, ball_from: np.ndarray, ball_to: np.ndarray, possession_seconds: float
) -> np.ndarray:
    """How many times the ball changes hands in each gap between two scores.

    ``round(gap / possession_seconds) - 1`` (at least 0), moved by one to the nearer count of the
    parity that hands the ball from ``ball_from`` to ``ball_to`` (even when they are the same side);
    0 where either side is unknown (0).
    """
    natural = gap / possession_seconds - 1.0
    n = np.maximum(np.round(natural), 0.0)
    want_odd = ball_from != ball_to
    wrong = (n % 2 == 1) != want_odd
    up = (natural >= n) | (n == 0)
    k = np.where(wrong, np.where(up, n + 1, n - 1), n)
    return np.where((ball_from == 0) | (ball_to == 0), 0, k).astype(np.int64)


@dataclass(frozen=True)
class PossessionPath:
    """The game states along many games: row ``i`` belongs to game ``owner[i]``, rows of one game in order.

    Per game: tip-off; for each scoring event the imputed changes of possession before it (two rows
    each, at the same time: before and after the change), the state just before and just after the
    event; the final buzzer.
    """

    time: np.ndarray
    margin: np.ndarray  # home - away
    ball: np.ndarray  # +1 home has the ball, -1 away, 0 nobody (final buzzer)
    owner: np.ndarray


def possession_paths(timelines: Sequence[ScoreTimeline], possession_seconds: float) -> PossessionPath:
    """The :class:`PossessionPath` of every game, in one vectorised pass."""
    if possession_seconds <= 0 or not math.isfinite(possession_seconds):
        raise ValueError(f"possession_seconds must be a positive number, got {possession_seconds}")
    n_games = len(timelines)
    s = Scores.of(timelines)
    after = s.ball_after()
    before = s.ball_before()
    # The gap before each event that starts a same-second run.
    prev_time = np.where(s.first_of_game, 0.0, np.concatenate(([0.0], s.time[:-1])))
    prev_ball = np.where(s.first_of_game, 0.0, np.concatenate(([0.0], after[:-1])))
    opens = ~s.same_second_as_previous
    k = np.where(opens, imputed_changes(s.time - prev_time, prev_ball, before, possession_seconds), 0)

    # Rows: each event gives 2k change rows then its before/after rows; each game adds tip-off and buzzer.
    rows_per_event = 2 * k + 2
    event_rows = np.repeat(np.arange(len(k)), rows_per_event)
    offset = np.arange(event_rows.size) - np.repeat(np.cumsum(rows_per_event) - rows_per_event, rows_per_event)
    e = event_rows
    is_change = offset < 2 * k[e]
    j = offset // 2 + 1  # 1-based change number (change rows only)
    gap = s.time[e] - prev_time[e]
    t_change = prev_time[e] + j * gap / (k[e] + 1)
    ball_change = prev_ball[e] * np.where((j - 1) % 2 == 0, 1.0, -1.0) * np.where(offset % 2 == 0, 1.0, -1.0)
    is_before = offset == 2 * k[e]
    time = np.where(is_change, t_change, s.time[e])
    margin = np.where(is_change | is_before, s.before[e], s.margin[e])
    ball = np.where(is_change, ball_change, np.where(is_before, before[e], after[e]))
    owner = s.owner[e]

    # Tip-off (ball with the first scorer) and final buzzer rows, then one stable sort by game.
    first_ball = np.zeros(n_games)
    first_ball[s.owner[s.first_of_game]] = before[s.first_of_game]
    final_margin = np.zeros(n_games)
    last_of_game = np.ones(len(s.time), dtype=bool)
    if len(s.time):
        last_of_game[:-1] = s.owner[1:] != s.owner[:-1]
    final_margin[s.owner[last_of_game]] = s.margin[last_of_game]
    lengths = np.fromiter((t.length_seconds for t in timelines), dtype=np.float64, count=n_games)
    games = np.arange(n_games)
    all_owner = np.concatenate((games, owner, games))
    rank = np.concatenate((np.zeros(n_games), np.ones(owner.size), np.full(n_games, 2.0)))
    order = np.lexsort((rank, all_owner))  # stable: rows of one event stay in their order
    return PossessionPath(
        time=np.concatenate((np.zeros(n_games), time, lengths))[order],
        margin=np.concatenate((np.zeros(n_games), margin, final_margin))[order],
        ball=np.concatenate((first_ball, ball, np.zeros(n_games)))[order],
        owner=all_owner[order],
    )


def ball_at(path: PossessionPath, owner: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Who has the ball in game ``owner`` at ``time`` (the last path row at or before it).

    Games are kept apart by a stride wider than any game (10 periods are 4,680 s)."""
    key_path = path.owner * 1e4 + path.time
    key = np.asarray(owner) * 1e4 + np.asarray(time, dtype=float)
    pos = np.searchsorted(key_path, key, side="right") - 1
    return path.ball[np.maximum(pos, 0)]


def gaps_between_scores(timelines: Sequence[ScoreTimeline]) -> tuple[np.ndarray, np.ndarray]:
    """(gap seconds, same team scored both) for consecutive scoring trips within one period.

    A trip is a run of scores at the same second; gaps across the end of a period are left out (the
    ball is then decided by the period's start, not by the play).
    """
    s = Scores.of(timelines)
    last = ~s.same_second_as_next
    t, scorer, owner = s.time[last], s.scorer[last], s.owner[last]
    period = np.where(
        t < REGULATION_SECONDS, np.floor(t / QUARTER_SECONDS), 4 + np.floor((t - REGULATION_SECONDS) / OVERTIME_SECONDS)
    )
    # a score at exactly the end of a period belongs to that period
    at_end = np.where(
        t <= REGULATION_SECONDS, t % QUARTER_SECONDS == 0, (t - REGULATION_SECONDS) % OVERTIME_SECONDS == 0
    )
    period = np.where(at_end & (t > 0), period - 1, period)
    keep = (owner[1:] == owner[:-1]) & (period[1:] == period[:-1]) & (scorer[1:] != 0) & (scorer[:-1] != 0)
    return (t[1:] - t[:-1])[keep], (scorer[1:] == scorer[:-1])[keep]


def fit_possession_seconds(timelines: Sequence[ScoreTimeline], max_possessions: int = 30) -> dict[str, float]:
    """Maximum-likelihood mean possession length from the gaps between scores.

    Model: the ball changes hands after every possession; each possession lasts a Gamma-distributed
    time (mean ``possession_seconds``, shape ``shape``) and ends in a score with probability
    ``score_share``.  A gap between two scoring trips is then the sum of ``K`` possessions
    (``K`` geometric), and the same team scores both when ``K`` is even.  Returns the three rounded
    parameters (deterministic: fixed start).
    """
    from scipy.optimize import minimize
    from scipy.stats import gamma

    gap, same = gaps_between_scores(timelines)
    if gap.size == 0:
        raise ValueError("no gaps between scores to fit the possession length on")
    # The likelihood depends on (gap, same) only: count each distinct pair once (gaps are whole or
    # tenth seconds, so a few thousand pairs stand for a million gaps).
    pairs, weight = np.unique(np.column_stack((np.round(gap, 1), same)), axis=0, return_counts=True)
    g = np.maximum(pairs[:, 0], 0.1)
    even = pairs[:, 1] == 1
    w = weight / weight.sum()
    counts = np.arange(1, max_possessions + 1)
    parity_even = counts % 2 == 0
    match = even[:, None] == parity_even[None, :]

    def nll(x: np.ndarray) -> float:
        q = 1.0 / (1.0 + math.exp(-x[0]))
        mean, shape = math.exp(x[1]), math.exp(x[2])
        pk = q * (1 - q) ** (counts - 1)
        dens = gamma.pdf(g[:, None], counts[None, :] * shape, scale=mean / shape) * pk[None, :]
        lik = np.where(match, dens, 0.0).sum(axis=1)
        return float(-np.sum(w * np.log(lik + 1e-300)))

    result = minimize(
        nll,
        np.array([0.0, math.log(14.0), math.log(3.0)]),
        method="Nelder-Mead",
        options={"xatol": 1e-6, "fatol": 1e-10, "maxiter": 2000},
    )
    q = 1.0 / (1.0 + math.exp(-result.x[0]))
    fitted = {
        "possession_seconds": round(math.exp(result.x[1]), POSSESSION_DECIMALS),
        "shape": round(math.exp(result.x[2]), POSSESSION_DECIMALS),
        "score_share": round(q, POSSESSION_DECIMALS),
        "gaps": int(gap.size),
        "same_team_share": round(float(same.mean()), 4),
    }
    logger.info("fitted possession length on %d gaps between scores: %s", gap.size, fitted)
    return fitted
