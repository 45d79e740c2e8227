"""The official box-score counting rule for lead changes and times tied, over a score timeline.

Sources count them for a :class:`~nba_predictions.core.domain.GameRecord` (the archive and the live
API alike), and the features ``lead_changes`` and ``times_tied`` are these counts
(:mod:`nba_predictions.features.timeline`): one rule, defined here.  Pure Python.
"""

from __future__ import annotations

from nba_predictions.core.domain import ScoreTimeline


def sign(x: int) -> int:
    """1, 0 or -1: the side a margin (home - away) favours."""
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
        side = sign(margin)
        if side == 0:
            if previous_margin != 0:
                tied += 1
        else:
            if leader not in (0, side):
                changes += 1
            leader = side
        previous_margin = margin
    return changes, tied
