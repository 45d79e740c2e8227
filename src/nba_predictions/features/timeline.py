"""Pure functions over a :class:`~nba_predictions.core.domain.ScoreTimeline`.

No numpy here: the collection step uses these counts and must run with its own small
requirements.  The features module builds on them.
"""

from __future__ import annotations

# OVERTIME_SECONDS is read as tl.OVERTIME_SECONDS by features.game and features.columns.
from nba_predictions.core.domain import OVERTIME_SECONDS, REGULATION_SECONDS, ScoreTimeline  # noqa: F401


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


def lead_changes_and_times_tied(timeline: ScoreTimeline) -> tuple[int, int]:
    """Count lead changes and times tied with the official box-score rule.

    A lead change is a switch of the leading side; tied moments in between are ignored (home
    leads, tie, away leads = one change; home leads, tie, home leads = none).  A time tied is a
    move from a non-zero margin to zero; the 0-0 start is not counted.
    """
    changes = tied = 0
    leader = 0  # side of the last non-zero margin: 1 home, -1 away, 0 none yet
    previous_margin = 0
    for _, home, away in timeline.events:
        margin = home - away
        side = _sign(margin)
        if side == 0:
            if previous_margin != 0:
                tied += 1
        else:
            if leader != 0 and side != leader:
                changes += 1
            leader = side
        previous_margin = margin
    return changes, tied


# --- Time-weighted and margin features ------------------------------------------------------
#
# The margin (home - away) is constant between events and 0 before the first one.  An event at
# time t sets the margin from t on; several events at the same second leave only the last one in
# force (the states in between last zero seconds).  The game ends at ``timeline.length_seconds``.

CLOSE_MARGIN = 5
"""A margin of at most this many points counts as competitive."""

CLUTCH_START_SECONDS = REGULATION_SECONDS - 300
"""Clutch time starts with 5:00 left in regulation and runs through every overtime."""

SECOND_HALF_START_SECONDS = REGULATION_SECONDS // 2
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
    gives 0 (a completed game never ends level: :func:`nba_predictions.features.game.game_features`
    rejects such data).
    """
    final_home, final_away = timeline.final_score
    winner = _sign(final_home - final_away)
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
# :func:`nba_predictions.features.game.game_features` rejects such data).

LATE_MARGIN_SECONDS = (10, 30, 60)
"""The winner's margin is read this many seconds before the final buzzer."""


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
    """Seconds left at the last lead change (the official rule of :func:`lead_changes_and_times_tied`);
    the whole game when the lead never changed hands."""
    last, leader = 0.0, 0
    for t, home, away in timeline.events:
        side = _sign(home - away)
        if side != 0:
            if leader != 0 and side != leader:
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
