"""The record and context features: one-game functions and, side by side, :func:`context_columns`,
the same features of many games at once with numpy.

``scores_diff`` comes from the record; ``diff_ranks``, ``inter_conference``, ``position_score`` and
``rivalry_score`` from the :class:`~nba_predictions.core.domain.GameContext` (standings and
head-to-head as of the game date, :mod:`nba_predictions.features.history`); the stakes features
(:mod:`nba_predictions.features.stakes`) from the game id and the context's ``stakes``.  The one-game
functions are pure Python; :func:`context_columns` imports numpy when called.  Equal value for
value (``tests/unit/test_feature_equivalence.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from nba_predictions.core.domain import (
    CONFERENCE_SIZE,
    Conference,
    GameContext,
    GameRecord,
    HeadToHead,
    StakesContext,
)
from nba_predictions.errors import GameDataError
from nba_predictions.features.stakes import stakes_columns, stakes_values

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

PLAYOFF_WEIGHT = 0.7
CLOSE_GAME_WEIGHT = 0.3
DECIMALS = 6
"""``position_score`` and ``rivalry_score`` are rounded to this many decimals."""


def _check_rank(rank: int) -> int:
    if isinstance(rank, bool) or not isinstance(rank, int) or not 1 <= rank <= CONFERENCE_SIZE:
        raise ValueError(f"conference rank must be an int in 1..{CONFERENCE_SIZE}, got {rank!r}")
    return rank


def diff_ranks(home_rank: int, away_rank: int) -> int:
    """``|home rank - away rank|``, 0..14."""
    return abs(_check_rank(home_rank) - _check_rank(away_rank))


def inter_conference(home_conference: Conference, away_conference: Conference) -> int:
    """1 if the two conferences differ, else 0."""
    for conference in (home_conference, away_conference):
        if conference not in ("East", "West"):
            raise ValueError(f"conference must be 'East' or 'West', got {conference!r}")
    return int(home_conference != away_conference)


def scores_diff(home_score: int, away_score: int) -> int:
    """``|home score - away score|``."""
    if min(home_score, away_score) < 0:
        raise ValueError(f"scores must not be negative, got {home_score}-{away_score}")
    return abs(home_score - away_score)


def position_score(home_rank: int, away_rank: int) -> float:
    """``2 - (home rank + away rank) / 15`` rounded to 6 decimals: 1.866667 for 1 v 1, 0 for 15 v 15."""
    return round(2 - (_check_rank(home_rank) + _check_rank(away_rank)) / CONFERENCE_SIZE, DECIMALS)


def rivalry_score(head_to_head: HeadToHead) -> float:
    """``0.7 x playoff meetings + 0.3 x close share of regular-season meetings``, 6 decimals.

    The share is 0 when the teams did not meet in the regular season in the window (the original
    job divided by zero there).  A meeting is close when decided by at most
    :data:`~nba_predictions.features.spec.CLOSE_GAME_POINTS` (counted by the history).
    """
    h2h = head_to_head
    share = h2h.close_regular_season_games / h2h.regular_season_games if h2h.regular_season_games else 0.0
    return round(PLAYOFF_WEIGHT * h2h.playoff_games + CLOSE_GAME_WEIGHT * share, DECIMALS)


def stakes_of(record: GameRecord, context: GameContext) -> StakesContext:
    """The context's stakes; :class:`GameDataError` for a context from before the stakes features."""
    if context.stakes is None:
        raise GameDataError(
            record.game_id,
            "the context has no stakes (a collected_games.json from before the stakes features): collect the date "
            "again, or drop the context so the features step rebuilds it from the source",
        )
    return context.stakes


def context_values(record: GameRecord, context: GameContext) -> dict[str, float | int]:
    """The record and context features of one game, the stakes among them (the one-game
    counterpart of :func:`context_columns`)."""
    return {
        "diff_ranks": diff_ranks(context.home_conference_rank, context.away_conference_rank),
        "inter_conference": inter_conference(context.home_conference, context.away_conference),
        "scores_diff": scores_diff(record.home_team_score, record.away_team_score),
        "position_score": position_score(context.home_conference_rank, context.away_conference_rank),
        "rivalry_score": rivalry_score(context.head_to_head),
        **stakes_values(record.game_id, stakes_of(record, context)),
    }


def context_columns(records: Sequence[GameRecord], contexts: Sequence[GameContext]) -> dict[str, np.ndarray]:
    """The record and context features of many games: one array per feature, one row per game."""
    import numpy as np

    home_rank = np.array([c.home_conference_rank for c in contexts], dtype=np.int64)
    away_rank = np.array([c.away_conference_rank for c in contexts], dtype=np.int64)
    # Rounded with Python's round() so values equal the one-game functions to the last bit; there
    # are only 29 distinct rank sums.
    low = {s: min(s - 1, CONFERENCE_SIZE) for s in range(2, 2 * CONFERENCE_SIZE + 1)}
    position_of_sum = {s: position_score(low[s], s - low[s]) for s in low}
    playoff = np.array([c.head_to_head.playoff_games for c in contexts], dtype=np.float64)
    regular = np.array([c.head_to_head.regular_season_games for c in contexts], dtype=np.float64)
    close = np.array([c.head_to_head.close_regular_season_games for c in contexts], dtype=np.float64)
    share = np.divide(close, regular, out=np.zeros_like(close), where=regular > 0)
    rivalry = PLAYOFF_WEIGHT * playoff + CLOSE_GAME_WEIGHT * share
    return {
        "diff_ranks": np.abs(home_rank - away_rank),
        "inter_conference": np.array([c.home_conference != c.away_conference for c in contexts], dtype=np.int64),
        "scores_diff": np.abs(np.array([r.home_team_score - r.away_team_score for r in records], dtype=np.int64)),
        "position_score": np.array([position_of_sum[int(s)] for s in home_rank + away_rank], dtype=np.float64),
        "rivalry_score": np.array([round(float(x), DECIMALS) for x in rivalry], dtype=np.float64),
        **stakes_columns([r.game_id for r in records], [stakes_of(r, c) for r, c in zip(records, contexts)]),
    }
