"""The timeline features: one-game functions over a :class:`~nba_predictions.core.domain.ScoreTimeline`
and, side by side, :func:`timeline_columns`, the same features of many games at once with numpy.

The one-game functions are pure Python (no numpy: the per-date features step runs with its own
small requirements); :func:`timeline_columns` imports numpy when called.  The two are equal value
for value (``tests/unit/test_feature_equivalence.py``, property-based, and
``tests/integration/test_features_step.py`` on a whole season).  ``lead_changes`` and
``times_tied`` are the official box-score counts of :mod:`nba_predictions.core.scoring`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nba_predictions.core.domain import REGULATION_SECONDS, ScoreTimeline
from nba_predictions.core.scoring import lead_changes_and_times_tied, sign
from nba_predictions.features.spec import (
    CLUTCH_WINDOW_SECONDS,
    LATE_MARGIN_SECONDS,
    SECOND_HALF_WINDOW_SECONDS,
    late_margin_name,
)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from nba_predictions.features.events import EventArrays

# --- Time-weighted and margin features ------------------------------------------------------
#
# The margin (home - away) is constant between events and 0 before the first one.  An event at
# time t sets the margin from t on; several events at the same second leave only the last one in
# force (the states in between last zero seconds).  The game ends at ``timeline.length_seconds``.

CLOSE_MARGIN = 5
"""A margin of at most this many points counts as competitive."""

CLUTCH_START_SECONDS = REGULATION_SECONDS - CLUTCH_WINDOW_SECONDS
"""Clutch time starts with 5:00 left in regulation and runs through every overtime."""

SECOND_HALF_START_SECONDS = REGULATION_SECONDS - SECOND_HALF_WINDOW_SECONDS
"""The second half starts at 24:00 of game clock and runs through every overtime."""

ONE_SCORE_MARGIN = 3
"""A margin of at most this many points is a one-score game (one three-pointer ties it)."""


def seconds_within(timeline: ScoreTimeline, margin: int = CLOSE_MARGIN, start: float = 0.0) -> float:
    """Game-clock seconds from ``start`` to the end in which ``|home - away| <= margin``."""
    end = float(timeline.length_seconds)
    start = min(max(float(start), 0.0), end)
    total = 0.0
    t_prev, margin_prev = 0.0, 0
    for t, home, away in timeline.events:
        if abs(margin_prev) <= margin:
            lo = max(t_prev, start)
            if t > lo:
                total += t - lo
        t_prev, margin_prev = t, home - away
    if abs(margin_prev) <= margin:
        lo = max(t_prev, start)
        if end > lo:
            total += end - lo
    # Adding many float differences can overshoot the window by an ulp (2880.0000000000005).
    return min(total, end - start)


def competitive_seconds(timeline: ScoreTimeline) -> float:
    """Seconds of the whole game (2,880 + 300 per overtime) with ``|home - away| <= 5``."""
    return seconds_within(timeline, CLOSE_MARGIN, 0.0)


def clutch_seconds(timeline: ScoreTimeline) -> float:
    """Seconds with ``|home - away| <= 5`` in the last 5:00 of regulation and in all overtime."""
    return seconds_within(timeline, CLOSE_MARGIN, CLUTCH_START_SECONDS)


def second_half_close_seconds(timeline: ScoreTimeline) -> float:
    """Seconds with ``|home - away| <= 5`` in the second half and in all overtime."""
    return seconds_within(timeline, CLOSE_MARGIN, SECOND_HALF_START_SECONDS)


def decided_seconds(timeline: ScoreTimeline) -> float:
    """Game-clock seconds from the last moment of a one-score margin to the final buzzer.

    The end of the last stretch of positive length with ``|home - away| <= 3`` (the 0-0 start
    included) is subtracted from the game's length: 0 for a game that ended within three points,
    the game's length when there is no such stretch.  A margin that lasted zero seconds (between
    two events at the same second) does not count.
    """
    end = float(timeline.length_seconds)
    last_close_end = 0.0
    t_prev, margin_prev = 0.0, 0
    for t, home, away in timeline.events:
        if abs(margin_prev) <= ONE_SCORE_MARGIN and t > t_prev:
            last_close_end = t
        t_prev, margin_prev = t, home - away
    if abs(margin_prev) <= ONE_SCORE_MARGIN and end > t_prev:
        last_close_end = end
    return end - last_close_end


def largest_lead(timeline: ScoreTimeline) -> int:
    """The largest margin either side held at any moment (0 for an empty timeline)."""
    return max((abs(home - away) for _, home, away in timeline.events), default=0)


def comeback_points(timeline: ScoreTimeline) -> int:
    """The largest deficit the eventual winner overcame (0 if it never trailed).

    The winner is the side ahead at the last event; a timeline that ends level has no winner and
    gives 0 (a completed game never ends level: :func:`nba_predictions.features.game.game_feature_values`
    rejects such data).
    """
    final_home, final_away = timeline.final_score
    winner = sign(final_home - final_away)
    if winner == 0:
        return 0
    return max((max(0, -winner * (home - away)) for _, home, away in timeline.events), default=0)


def overtime_periods(timeline: ScoreTimeline) -> int:
    """Number of overtime periods played (0 in a regulation game)."""
    return timeline.periods - 4


# --- The last seconds -------------------------------------------------------------------------
#
# The winner is the side ahead at the last event.  Times are read event by event (a run of events
# at the same second is taken in order), and reported as game-clock seconds left before the final
# buzzer.  A timeline without events, or one that ends level, has no winner: these functions then
# treat the home side as the winner (a completed game never ends level:
# :func:`nba_predictions.features.game.game_feature_values` rejects such data).


def _winner(timeline: ScoreTimeline) -> int:
    final_home, final_away = timeline.final_score
    return -1 if final_away > final_home else 1


def go_ahead_seconds_left(timeline: ScoreTimeline) -> float:
    """Seconds left when the winner took the lead for good.

    The time of the last event that put the winner ahead from level or behind (the 0-0 start
    counts as level): 0 for a shot at the buzzer, the whole game for a lead held from the first score.
    """
    winner = _winner(timeline)
    go_ahead, previous = 0.0, 0
    for t, home, away in timeline.events:
        margin = winner * (home - away)
        if margin > 0 >= previous:
            go_ahead = t
        previous = margin
    return timeline.length_seconds - go_ahead


def last_lead_change_seconds_left(timeline: ScoreTimeline) -> float:
    """Seconds left at the last lead change (the official rule of
    :func:`~nba_predictions.core.scoring.lead_changes_and_times_tied`);
    the whole game when the lead never changed hands."""
    last, leader = 0.0, 0
    for t, home, away in timeline.events:
        side = sign(home - away)
        if side != 0:
            if leader not in (0, side):
                last = t
            leader = side
    return timeline.length_seconds - last


def last_tie_seconds_left(timeline: ScoreTimeline) -> float:
    """Seconds left when the score was last level: the time of the score that broke the last tie
    (the 0-0 start counts, so a game never level again gives the time left at its first score)."""
    broken, previous = 0.0, 0
    for t, home, away in timeline.events:
        margin = home - away
        if previous == 0 and margin != 0:
            broken = t
        previous = margin
    return timeline.length_seconds - broken


def winner_margin_seconds_left(timeline: ScoreTimeline, seconds: float) -> int:
    """The winner's margin ``seconds`` before the final buzzer (negative if it trailed then); events at
    exactly that moment count."""
    winner = _winner(timeline)
    moment = timeline.length_seconds - seconds
    margin = 0
    for t, home, away in timeline.events:
        if t > moment:
            break
        margin = home - away
    return winner * margin


def timeline_values(timeline: ScoreTimeline) -> dict[str, float | int]:
    """Every timeline feature of one game (the one-game counterpart of :func:`timeline_columns`)."""
    changes, tied = lead_changes_and_times_tied(timeline)
    return {
        "competitive_seconds": competitive_seconds(timeline),
        "lead_changes": changes,
        "times_tied": tied,
        "overtime_periods": overtime_periods(timeline),
        "clutch_seconds": clutch_seconds(timeline),
        "largest_lead": largest_lead(timeline),
        "comeback_points": comeback_points(timeline),
        "second_half_close_seconds": second_half_close_seconds(timeline),
        "decided_seconds": decided_seconds(timeline),
        "go_ahead_seconds_left": go_ahead_seconds_left(timeline),
        "last_lead_change_seconds_left": last_lead_change_seconds_left(timeline),
        "last_tie_seconds_left": last_tie_seconds_left(timeline),
        **{late_margin_name(s): winner_margin_seconds_left(timeline, s) for s in LATE_MARGIN_SECONDS},
    }


# --- The same features of many games at once --------------------------------------------------


@dataclass(frozen=True)
class TimelineColumns:
    """The timeline features of many games: one array per feature, one row per game."""

    values: dict[str, np.ndarray]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def __len__(self) -> int:
        return len(self.values["lead_changes"])

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def take(self, rows: Sequence[int] | np.ndarray) -> TimelineColumns:
        """These games' rows only, in that order."""
        return TimelineColumns({name: column[rows] for name, column in self.values.items()})


def timeline_columns(events: EventArrays) -> TimelineColumns:
    """The timeline features of the games of ``events`` (one array per feature, one row per game).

    Each row's margin holds from its time to the next row's (or to the end of the game), so the
    time features are weighted sums per game (``bincount``) and the counts are comparisons of
    neighbouring rows.  Equal, value for value, to the one-game functions above.
    """
    import numpy as np

    n = len(events)
    sizes, periods, times = events.sizes, events.periods, events.times
    lengths = events.lengths
    margin = events.home - events.away
    game = np.repeat(np.arange(n), sizes)
    starts = events.starts
    is_first = np.zeros(len(times), dtype=bool)
    is_first[starts] = True

    ends = np.empty_like(times)
    ends[:-1] = times[1:]
    last_rows = starts + sizes - 1
    ends[last_rows] = lengths
    close = np.abs(margin) <= CLOSE_MARGIN
    competitive = np.bincount(game, weights=np.where(close, ends - times, 0.0), minlength=n)
    clutch_from = float(CLUTCH_START_SECONDS)
    clutch_span = np.maximum(ends, clutch_from) - np.maximum(times, clutch_from)
    clutch = np.bincount(game, weights=np.where(close, clutch_span, 0.0), minlength=n)
    half_from = float(SECOND_HALF_START_SECONDS)
    half_span = np.maximum(ends, half_from) - np.maximum(times, half_from)
    second_half = np.bincount(game, weights=np.where(close, half_span, 0.0), minlength=n)
    # Same summation order and the same clamp to the window as timeline.seconds_within.
    competitive = np.minimum(competitive, lengths)
    clutch = np.minimum(clutch, lengths - clutch_from)
    second_half = np.minimum(second_half, lengths - half_from)
    # decided_seconds: the end of the game's last one-score stretch of positive length (0 if none).
    one_score = (np.abs(margin) <= ONE_SCORE_MARGIN) & (ends > times)
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
    # _winner); ``previous`` is 0 on each tip-off row, like the 0-0 start.
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
    late_margins: dict[str, np.ndarray] = {}
    for seconds in LATE_MARGIN_SECONDS:
        upto = np.bincount(game, weights=times <= (lengths - seconds)[game], minlength=n).astype(np.int64)
        late_margins[late_margin_name(seconds)] = (winner * margin[starts + upto - 1]).astype(np.int64)

    return TimelineColumns(
        {
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
    )
