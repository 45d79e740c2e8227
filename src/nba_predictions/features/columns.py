"""The features of many games at once, as numpy columns: the vectorised half of the features step.

:class:`EventArrays` holds many games' score timelines as flat arrays; :func:`event_feature_arrays`
computes their timeline features with array operations, :func:`feature_matrix` adds the record and
context features, :func:`valid_feature_rows` checks the ranges on whole columns and
:func:`feature_values` turns a row back into ``GameFeatures``' JSON.  Equal, value for value, to the
per-game functions of :mod:`nba_predictions.features.game` and :mod:`nba_predictions.features.timeline`
(``tests/integration/test_features_step.py``).  Used by
:func:`~nba_predictions.steps.features.season_feature_table` (training) and the backfill's columnar
pass; numpy is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain
from typing import TYPE_CHECKING, Literal, get_origin

from nba_predictions.core.domain import GameContext, GameRecord, ScoreTimeline
from nba_predictions.documents.models import ALL_FEATURES, SIGNED_FEATURES, GameFeatures
from nba_predictions.features import game as ft
from nba_predictions.features import timeline as tl

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np


@dataclass(frozen=True)
class EventArrays:
    """The score timelines of many games as flat arrays, one row per event and one extra 0-0 row
    at each game's tip-off: game ``i`` owns ``sizes[i]`` consecutive rows (its events + 1)."""

    times: np.ndarray  # float64 game-clock seconds
    home: np.ndarray  # int64 points
    away: np.ndarray
    sizes: np.ndarray  # int64 rows per game
    periods: np.ndarray  # int64 periods per game

    @classmethod
    def from_timelines(cls, timelines: Sequence[ScoreTimeline]) -> EventArrays:
        import numpy as np

        n = len(timelines)
        sizes = np.fromiter((len(t.events) + 1 for t in timelines), dtype=np.int64, count=n)
        periods = np.fromiter((t.periods for t in timelines), dtype=np.int64, count=n)
        tip_off = ((0.0, 0, 0),)
        values = chain.from_iterable(chain.from_iterable(chain(tip_off, t.events) for t in timelines))
        events = np.fromiter(values, dtype=np.float64, count=3 * int(sizes.sum())).reshape(-1, 3)
        return cls(events[:, 0], events[:, 1].astype(np.int64), events[:, 2].astype(np.int64), sizes, periods)

    @classmethod
    def from_events(
        cls, times: np.ndarray, home: np.ndarray, away: np.ndarray, counts: np.ndarray, periods: np.ndarray
    ) -> EventArrays:
        """From flat events without tip-off rows (``counts[i]`` events of game ``i``), as
        :func:`~nba_predictions.sources.archive_rows.decode_event_arrays` returns them."""
        import numpy as np

        counts = np.asarray(counts, dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])) if len(counts) else np.zeros(0, dtype=np.int64)
        return cls(
            np.insert(np.asarray(times, dtype=np.float64), starts, 0.0),
            np.insert(np.asarray(home, dtype=np.int64), starts, 0),
            np.insert(np.asarray(away, dtype=np.int64), starts, 0),
            counts + 1,
            np.asarray(periods, dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.sizes)

    def final_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """(home, away) at each game's last row (0-0 for a game without events)."""
        import numpy as np

        last = np.cumsum(self.sizes) - 1
        return self.home[last], self.away[last]


def timeline_feature_arrays(timelines: Sequence[ScoreTimeline]) -> dict[str, np.ndarray]:
    """The timeline features of many games at once (one array per feature, one row per game); see
    :func:`event_feature_arrays`."""
    return event_feature_arrays(EventArrays.from_timelines(timelines))


def event_feature_arrays(events: EventArrays) -> dict[str, np.ndarray]:
    """The timeline features of the games of ``events`` (one array per feature, one row per game).

    Each row's margin holds from its time to the next row's (or to the end of the game), so the
    time features are weighted sums per game (``bincount``) and the counts are comparisons of
    neighbouring rows.  Equal, value for value, to the pure functions in :mod:`nba_predictions.features.timeline`.
    """
    import numpy as np

    n = len(events)
    sizes, periods, times = events.sizes, events.periods, events.times
    lengths = (tl.REGULATION_SECONDS + tl.OVERTIME_SECONDS * (periods - 4)).astype(np.float64)
    margin = events.home - events.away
    game = np.repeat(np.arange(n), sizes)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])) if n else np.zeros(0, dtype=np.int64)
    is_first = np.zeros(len(times), dtype=bool)
    is_first[starts] = True

    ends = np.empty_like(times)
    ends[:-1] = times[1:]
    last_rows = starts + sizes - 1
    ends[last_rows] = lengths
    close = np.abs(margin) <= tl.CLOSE_MARGIN
    competitive = np.bincount(game, weights=np.where(close, ends - times, 0.0), minlength=n)
    clutch_from = float(tl.CLUTCH_START_SECONDS)
    clutch_span = np.maximum(ends, clutch_from) - np.maximum(times, clutch_from)
    clutch = np.bincount(game, weights=np.where(close, clutch_span, 0.0), minlength=n)
    half_from = float(tl.SECOND_HALF_START_SECONDS)
    half_span = np.maximum(ends, half_from) - np.maximum(times, half_from)
    second_half = np.bincount(game, weights=np.where(close, half_span, 0.0), minlength=n)
    # Same summation order and the same clamp to the window as timeline.seconds_within.
    competitive = np.minimum(competitive, lengths)
    clutch = np.minimum(clutch, lengths - clutch_from)
    second_half = np.minimum(second_half, lengths - half_from)
    # decided_seconds: the end of the game's last one-score stretch of positive length (0 if none).
    one_score = (np.abs(margin) <= tl.ONE_SCORE_MARGIN) & (ends > times)
    last_close_end = np.zeros(n)
    np.maximum.at(last_close_end, game[one_score], ends[one_score])
    decided = lengths - last_close_end

    largest = np.maximum.reduceat(np.abs(margin), starts) if n else np.zeros(0, dtype=np.int64)
    winner = np.sign(margin[last_rows])
    deficit = np.maximum(0, -winner[game] * margin)
    comeback = np.maximum.reduceat(deficit, starts) if n else np.zeros(0, dtype=np.int64)

    previous = np.empty_like(margin)
    previous[1:] = margin[:-1]
    previous[is_first] = 0
    tied_rows = (margin == 0) & (previous != 0) & ~is_first
    times_tied = np.bincount(game, weights=tied_rows, minlength=n).astype(np.int64)
    leading = np.flatnonzero(margin != 0)
    side = np.sign(margin[leading])
    switch = np.zeros(len(leading), dtype=bool)
    if len(leading) > 1:
        switch[1:] = (side[1:] != side[:-1]) & (game[leading][1:] == game[leading][:-1])
    lead_changes = np.bincount(game[leading], weights=switch, minlength=n).astype(np.int64)

    # The last seconds.  The winner is the side ahead at the last row (home when level, as in
    # timeline._winner); ``previous`` is 0 on each tip-off row, like the 0-0 start.
    winner = np.where(margin[last_rows] < 0, -1, 1)
    lead = winner[game] * margin
    go_rows = (lead > 0) & (winner[game] * previous <= 0) & ~is_first
    go_ahead = np.zeros(n)
    np.maximum.at(go_ahead, game[go_rows], times[go_rows])  # times never decrease: the last such row
    broken_rows = (previous == 0) & (margin != 0) & ~is_first
    tie_broken = np.zeros(n)
    np.maximum.at(tie_broken, game[broken_rows], times[broken_rows])
    last_change = np.zeros(n)
    np.maximum.at(last_change, game[leading][switch], times[leading][switch])
    # Margin in force at a moment: the game's last row at or before it.  A game's times never
    # decrease, so those rows are a prefix of the game's rows (its tip-off row at least).
    late_margins = {}
    for seconds in tl.LATE_MARGIN_SECONDS:
        upto = np.bincount(game, weights=times <= (lengths - seconds)[game], minlength=n).astype(np.int64)
        late_margins[f"winner_margin_{seconds}s_left"] = (winner * margin[starts + upto - 1]).astype(np.int64)

    return {
        "competitive_seconds": competitive,
        "lead_changes": lead_changes,
        "times_tied": times_tied,
        "overtime_periods": periods - 4,
        "clutch_seconds": clutch,
        "largest_lead": largest.astype(np.int64),
        "comeback_points": comeback.astype(np.int64),
        "second_half_close_seconds": second_half,
        "decided_seconds": decided,
        "go_ahead_seconds_left": lengths - go_ahead,
        "last_lead_change_seconds_left": lengths - last_change,
        "last_tie_seconds_left": lengths - tie_broken,
        **late_margins,
    }


def feature_matrix(
    records: Sequence[GameRecord], contexts: Sequence[GameContext], timeline_columns: dict[str, np.ndarray]
) -> np.ndarray:
    """The feature matrix (columns :data:`~nba_predictions.documents.models.ALL_FEATURES`) of games whose
    timeline features are ``timeline_columns`` (:func:`event_feature_arrays`), with the record and
    context features added; the values of :func:`nba_predictions.features.game.game_features`."""
    import numpy as np

    if not records:
        return np.zeros((0, len(ALL_FEATURES)))
    columns = dict(timeline_columns)
    home_rank = np.array([c.home_conference_rank for c in contexts], dtype=np.int64)
    away_rank = np.array([c.away_conference_rank for c in contexts], dtype=np.int64)
    columns["diff_ranks"] = np.abs(home_rank - away_rank)
    columns["inter_conference"] = np.array([c.home_conference != c.away_conference for c in contexts], dtype=np.int64)
    columns["scores_diff"] = np.abs(np.array([r.home_team_score - r.away_team_score for r in records], dtype=np.int64))
    # Rounded with Python's round() so values equal the per-game functions to the last bit; there
    # are only 29 distinct rank sums.
    position_of_sum = {s: ft.position_score(min(s - 1, 15), s - min(s - 1, 15)) for s in range(2, 31)}
    columns["position_score"] = np.array([position_of_sum[int(s)] for s in home_rank + away_rank], dtype=np.float64)
    playoff = np.array([c.head_to_head.playoff_games for c in contexts], dtype=np.float64)
    regular = np.array([c.head_to_head.regular_season_games for c in contexts], dtype=np.float64)
    close = np.array([c.head_to_head.close_regular_season_games for c in contexts], dtype=np.float64)
    share = np.divide(close, regular, out=np.zeros_like(close), where=regular > 0)
    rivalry = ft.PLAYOFF_WEIGHT * playoff + ft.CLOSE_GAME_WEIGHT * share
    columns["rivalry_score"] = np.array([round(float(x), ft.DECIMALS) for x in rivalry], dtype=np.float64)

    return np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in ALL_FEATURES])


def valid_feature_rows(matrix: np.ndarray) -> np.ndarray:
    """Per row: the values :class:`~nba_predictions.documents.models.GameFeatures` accepts (finite, in range),
    checked on whole columns."""
    import numpy as np

    col = {name: matrix[:, i] for i, name in enumerate(ALL_FEATURES)}
    unsigned = [i for i, name in enumerate(ALL_FEATURES) if name not in SIGNED_FEATURES]
    good = np.isfinite(matrix).all(axis=1) & (matrix[:, unsigned] >= 0).all(axis=1)
    return good & (col["diff_ranks"] <= 14) & (col["position_score"] <= 2) & np.isin(col["inter_conference"], (0, 1))


@cache
def _dump_order() -> tuple[tuple[str, int, bool], ...]:
    """(feature, matrix column, is an integer) in ``GameFeatures``' field order."""
    column = {name: i for i, name in enumerate(ALL_FEATURES)}
    return tuple(
        (name, column[name], info.annotation is int or get_origin(info.annotation) is Literal)
        for name, info in GameFeatures.model_fields.items()
    )


def feature_values(row: Sequence[float]) -> dict[str, float | int]:
    """One row of a feature matrix as ``GameFeatures.model_dump(mode="json")`` gives it: the same
    keys in the same order, the integer features as ints, the others as floats."""
    return {name: int(row[i]) if integer else float(row[i]) for name, i, integer in _dump_order()}
