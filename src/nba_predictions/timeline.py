"""Pure functions over a :class:`~nba_predictions.domain.ScoreTimeline`.

No numpy here: the collection step uses these counts and must run with its own small
requirements.  The features module builds on them.
"""

from __future__ import annotations

from .domain import ScoreTimeline


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
