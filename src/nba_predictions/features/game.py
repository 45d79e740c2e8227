"""The features of one game: :func:`game_feature_values` over typed inputs, and the timeline check.

The features are specified in :mod:`nba_predictions.features.spec` (name, type, range, meaning) and
computed by the one-game functions of :mod:`nba_predictions.features.context` (record and
context, the stakes among them), :mod:`nba_predictions.features.timeline` (score timeline) and
:mod:`nba_predictions.features.performance` (the timeline's ``player_lines``; all 0 when null),
each with its vectorised counterpart beside it.  Lead changes and times tied are counted from the timeline rather than
copied from the record, so every source (archive or live box score) gives the model the same
counting rule.

Incomplete or inconsistent data raises :class:`~nba_predictions.errors.GameDataError`; a feature is
never silently set to zero.  No numpy here: the vectorised pass is :mod:`nba_predictions.features.matrix`.
"""

from __future__ import annotations

import logging
import math

from nba_predictions.core.domain import OVERTIME_SECONDS, REGULATION_SECONDS, GameContext, GameRecord, ScoreTimeline
from nba_predictions.errors import GameDataError
from nba_predictions.features.context import context_values
from nba_predictions.features.performance import timeline_performance
from nba_predictions.features.spec import ALL_FEATURES, out_of_range
from nba_predictions.features.timeline import timeline_values

logger = logging.getLogger(__name__)


def check_timeline(record: GameRecord, timeline: ScoreTimeline) -> None:
    """Raise :class:`GameDataError` unless ``timeline`` is the complete timeline of ``record``."""
    if record.home_team_score == record.away_team_score:
        raise GameDataError(
            record.game_id,
            f"final score {record.home_team_score}-{record.away_team_score} is level: not a completed game",
        )
    if not timeline.events:
        raise GameDataError(record.game_id, "score timeline has no scoring events")
    final = timeline.final_score
    if final != (record.home_team_score, record.away_team_score):
        raise GameDataError(
            record.game_id,
            f"score timeline ends at {final[0]}-{final[1]} but the final score is "
            f"{record.home_team_score}-{record.away_team_score}: truncated or mismatched play-by-play",
        )
    # Overtime is played only from a level score: the margin at the end of every period before the
    # last must be 0 from period 4 on.  This catches a wrong period count and a timeline cut short
    # before its last period (a last period always holds the deciding score).
    for period_end in range(REGULATION_SECONDS, timeline.length_seconds, OVERTIME_SECONDS):
        home, away = score_at(timeline, period_end)
        if home != away:
            raise GameDataError(
                record.game_id,
                f"score timeline declares {timeline.periods} periods but the score is {home}-{away} "
                f"at {period_end} s, the end of period {4 + (period_end - REGULATION_SECONDS) // OVERTIME_SECONDS}",
            )
    if timeline.periods > 4 and timeline.events[-1][0] <= timeline.length_seconds - OVERTIME_SECONDS:
        raise GameDataError(
            record.game_id,
            f"score timeline declares {timeline.periods} periods but has no score in period {timeline.periods}",
        )


def score_at(timeline: ScoreTimeline, seconds: float) -> tuple[int, int]:
    """The score in force at ``seconds`` (events at exactly ``seconds`` included)."""
    home = away = 0
    for t, h, a in timeline.events:
        if t > seconds:
            break
        home, away = h, a
    return home, away


def game_feature_values(
    record: GameRecord, timeline: ScoreTimeline | None, context: GameContext | None
) -> dict[str, float | int]:
    """All features of one completed game, in :data:`~nba_predictions.features.spec.ALL_FEATURES` order.

    Raises :class:`GameDataError` when the timeline or context is missing, the timeline is
    truncated or does not end at the record's final score, or a feature is not finite or out of
    its specified range.
    """
    if timeline is None:
        raise GameDataError(record.game_id, "no score timeline: cannot compute competitive_seconds or lead_changes")
    if context is None:
        raise GameDataError(
            record.game_id, "no standings/head-to-head context: cannot compute diff_ranks or rivalry_score"
        )
    check_timeline(record, timeline)
    found = {
        **context_values(record, context),
        **timeline_values(timeline),
        **timeline_performance(timeline.player_lines),
    }
    values = {name: found[name] for name in ALL_FEATURES}
    if (values["lead_changes"], values["times_tied"]) != (record.lead_changes, record.times_tied):
        logger.debug(
            "game %s: timeline counts %s lead changes / %s times tied, record says %s / %s",
            record.game_id,
            values["lead_changes"],
            values["times_tied"],
            record.lead_changes,
            record.times_tied,
        )
    for name, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise GameDataError(record.game_id, f"feature {name} is not finite ({value})")
    problem = out_of_range(values)
    if problem is not None:
        raise GameDataError(record.game_id, f"invalid features: {problem} is outside its range")
    return values
