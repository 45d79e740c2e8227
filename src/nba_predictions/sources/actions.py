"""Score timelines from logged play-by-play actions: shared by every play-by-play parser
(stats.nba.com's PlayByPlayV3 and the CDN's liveData play-by-play log actions the same way), and
the players' leading lines they carry (:func:`with_player_lines`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from nba_predictions.core.domain import ScoreTimeline
from nba_predictions.errors import GameDataError
from nba_predictions.features.player_lines import PlayerLine, leading_lines

logger = logging.getLogger(__name__)

_CLOCK = re.compile(r"^PT(\d+)M(\d+(?:\.\d+)?)S$")


def _elapsed_seconds(period: int, clock: str, game_id: str) -> float:
    match = _CLOCK.match(clock or "")
    if not match:
        raise GameDataError(game_id, f"play-by-play clock {clock!r} in period {period} is not of the form PT11M38.00S")
    # Tenths of a second, as PlayByPlayV3 gives them in a period's last minute (PlayByPlayV2, the
    # source of the archive's games before 2025-26, has whole seconds only).
    left = int(match.group(1)) * 60 + float(match.group(2))
    length = 720 if period <= 4 else 300
    if period < 1 or left > length:
        raise GameDataError(game_id, f"play-by-play clock {clock!r} does not fit period {period}")
    start = (period - 1) * 720 if period <= 4 else 2880 + (period - 5) * 300
    return round(start + length - left, 1)


def timeline_from_actions(game_id: str, actions: Sequence[tuple[int, str, Any, Any]]) -> ScoreTimeline:
    """Build a timeline from ``(period, clock, score_home, score_away)`` actions in logged order.

    Actions without a score (``""``) are skipped.  A score that goes down is a correction (a basket
    taken back after review): the events it undoes are dropped.  A clock logged out of order within
    a period is clamped to the previous event's time so time never decreases.
    """
    if not actions:
        raise GameDataError(game_id, "play-by-play has no actions")
    periods = max(int(period) for period, _, _, _ in actions)
    if periods < 4:
        raise GameDataError(game_id, f"play-by-play ends in period {periods}: incomplete")
    if periods > 10:
        raise GameDataError(game_id, f"play-by-play has {periods} periods: more than 6 overtimes is not plausible")
    events: list[tuple[float, int, int]] = []
    for period, clock, score_home, score_away in actions:
        if score_home in ("", None) or score_away in ("", None):
            continue
        try:
            home, away = int(score_home), int(score_away)
        except (TypeError, ValueError):
            raise GameDataError(game_id, f"play-by-play score {score_home!r}-{score_away!r} is not a number") from None
        t = _elapsed_seconds(int(period), clock, game_id)
        last_h, last_a = (events[-1][1], events[-1][2]) if events else (0, 0)
        if (home, away) == (last_h, last_a):
            continue
        while events and (events[-1][1] > home or events[-1][2] > away):
            events.pop()  # corrected away
        if events and (events[-1][1], events[-1][2]) == (home, away):
            continue
        if (home, away) == (0, 0):
            continue
        if events and t < events[-1][0]:
            t = events[-1][0]
        events.append((t, home, away))
    try:
        return ScoreTimeline(periods=periods, events=events)
    except ValueError as exc:
        raise GameDataError(game_id, f"play-by-play gives an invalid timeline: {exc}") from None


def with_player_lines(
    timeline: ScoreTimeline, lines: Mapping[int, PlayerLine], game_id: str, feed: str
) -> ScoreTimeline:
    """``timeline`` with each side's leading player lines (``player_lines``), when the feed's
    players' points add up to each side's final score.  A feed that names no player leaves them
    ``None``; one whose players' points do not add up too (logged): its lines cannot be complete,
    and the timeline itself, checked on its own, is still good."""
    if not lines:
        return timeline
    home = sum(line.points for line in lines.values() if line.side == "home")
    away = sum(line.points for line in lines.values() if line.side == "away")
    if (home, away) != timeline.final_score:
        logger.warning(
            "game %s: %s players' points add up to %d-%d, the final score is %d-%d: the game is kept "
            "without player lines",
            game_id,
            feed,
            home,
            away,
            *timeline.final_score,
        )
        return timeline
    return ScoreTimeline.model_validate(
        timeline.model_dump() | {"player_lines": [line.model_dump() for line in leading_lines(lines.values())]}
    )
