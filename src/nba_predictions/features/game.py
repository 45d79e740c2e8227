"""The features of one game, as pure functions over typed inputs.

The spec's seven (``engineered_features.json``) and the documented extras of
:class:`~nba_predictions.documents.models.GameFeatures`:

=================================  ==============================================================================
``diff_ranks``                     ``|home conference rank - away conference rank|`` (ranks as of the game date,
                                   from :class:`~nba_predictions.core.domain.GameContext`)
``inter_conference``               1 if the teams play in different conferences, else 0
``scores_diff``                    ``|home final score - away final score|``
``position_score``                 ``2 - (home rank + away rank) / 15``, rounded to 6 decimals
``competitive_seconds``            game-clock seconds (2,880 + 300 per overtime) with ``|home - away| <= 5``
``lead_changes``                   switches of the leading side, counted from the score timeline with the
                                   official box-score rule
                                   (:func:`~nba_predictions.features.timeline.lead_changes_and_times_tied`)
``rivalry_score``                  ``0.7 x playoff meetings + 0.3 x share of regular-season meetings decided by
                                   <= 10 points`` in the 5 years before the game (the share is 0 when they never
                                   met in the regular season), rounded to 6 decimals
``times_tied``                     moves from a non-zero margin to a tie (the 0-0 start is not counted)
``overtime_periods``               periods beyond the fourth
``clutch_seconds``                 like ``competitive_seconds``, in the last 5:00 of regulation and all overtime
``largest_lead``                   the largest margin either side held
``comeback_points``                the largest deficit the winner overcame
``second_half_close_seconds``      like ``competitive_seconds``, from the start of the second half through all
                                   overtime
``decided_seconds``                game-clock seconds from the last moment the margin was within 3 points to the
                                   end (0 when the game ended within 3)
``go_ahead_seconds_left``          seconds left when the winner took the lead for good (0 for a shot at the
                                   buzzer)
``last_lead_change_seconds_left``  seconds left at the last lead change (the whole game when there was none)
``last_tie_seconds_left``          seconds left when the score was last level (the 0-0 start counts)
``winner_margin_10s_left``         the winner's margin 10 seconds before the final buzzer (negative when it trailed)
``winner_margin_30s_left``         the same, 30 seconds before the buzzer
``winner_margin_60s_left``         the same, 60 seconds before the buzzer
=================================  ==============================================================================

Lead changes and times tied are counted from the timeline rather than copied from the record, so
every source (archive or live box score) gives the model the same counting rule.

Incomplete or inconsistent data raises :class:`~nba_predictions.errors.GameDataError`; a feature is
never silently set to zero.  No numpy here: the vectorised whole-season pass lives in
:mod:`nba_predictions.steps.features`.
"""

from __future__ import annotations

import logging
import math

from nba_predictions.core.domain import Conference, GameContext, GameRecord, HeadToHead, ScoreTimeline
from nba_predictions.documents.models import GameFeatures
from nba_predictions.errors import GameDataError
from nba_predictions.features import timeline as tl
from nba_predictions.features.history import CLOSE_GAME_POINTS  # noqa: F401  (the rivalry score's threshold, defined once)

logger = logging.getLogger(__name__)

CONFERENCE_SIZE = 15
PLAYOFF_WEIGHT = 0.7
CLOSE_GAME_WEIGHT = 0.3
DECIMALS = 6


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
    job divided by zero there).
    """
    h2h = head_to_head
    share = h2h.close_regular_season_games / h2h.regular_season_games if h2h.regular_season_games else 0.0
    return round(PLAYOFF_WEIGHT * h2h.playoff_games + CLOSE_GAME_WEIGHT * share, DECIMALS)


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
    for period_end in range(tl.REGULATION_SECONDS, timeline.length_seconds, tl.OVERTIME_SECONDS):
        home, away = score_at(timeline, period_end)
        if home != away:
            raise GameDataError(
                record.game_id,
                f"score timeline declares {timeline.periods} periods but the score is {home}-{away} "
                f"at {period_end} s, the end of period {4 + (period_end - tl.REGULATION_SECONDS) // tl.OVERTIME_SECONDS}",
            )
    if timeline.periods > 4 and timeline.events[-1][0] <= timeline.length_seconds - tl.OVERTIME_SECONDS:
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


def timeline_features(timeline: ScoreTimeline) -> dict[str, float | int]:
    """The features computed from the score timeline alone."""
    changes, tied = tl.lead_changes_and_times_tied(timeline)
    return {
        "competitive_seconds": tl.competitive_seconds(timeline),
        "lead_changes": changes,
        "times_tied": tied,
        "overtime_periods": tl.overtime_periods(timeline),
        "clutch_seconds": tl.clutch_seconds(timeline),
        "largest_lead": tl.largest_lead(timeline),
        "comeback_points": tl.comeback_points(timeline),
        "second_half_close_seconds": tl.second_half_close_seconds(timeline),
        "decided_seconds": tl.decided_seconds(timeline),
        "go_ahead_seconds_left": tl.go_ahead_seconds_left(timeline),
        "last_lead_change_seconds_left": tl.last_lead_change_seconds_left(timeline),
        "last_tie_seconds_left": tl.last_tie_seconds_left(timeline),
        **{f"winner_margin_{s}s_left": tl.winner_margin_seconds_left(timeline, s) for s in tl.LATE_MARGIN_SECONDS},
    }


def context_features(context: GameContext) -> dict[str, float | int]:
    """The features computed from standings and head-to-head history as of the game date."""
    return {
        "diff_ranks": diff_ranks(context.home_conference_rank, context.away_conference_rank),
        "inter_conference": inter_conference(context.home_conference, context.away_conference),
        "position_score": position_score(context.home_conference_rank, context.away_conference_rank),
        "rivalry_score": rivalry_score(context.head_to_head),
    }


def validate_features(game_id: str, values: dict[str, float | int]) -> GameFeatures:
    """Build :class:`GameFeatures`, turning any type, range or finiteness failure into GameDataError."""
    for name, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise GameDataError(game_id, f"feature {name} is not finite ({value})")
    try:
        return GameFeatures(**values)
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise GameDataError(game_id, f"invalid features: {exc}") from exc


def game_features(record: GameRecord, timeline: ScoreTimeline | None, context: GameContext | None) -> GameFeatures:
    """All features of one completed game.

    Raises :class:`GameDataError` when the timeline or context is missing, the timeline is
    truncated or does not end at the record's final score, or a feature is out of range.
    """
    if timeline is None:
        raise GameDataError(record.game_id, "no score timeline: cannot compute competitive_seconds or lead_changes")
    if context is None:
        raise GameDataError(
            record.game_id, "no standings/head-to-head context: cannot compute diff_ranks or rivalry_score"
        )
    check_timeline(record, timeline)
    values: dict[str, float | int] = {"scores_diff": scores_diff(record.home_team_score, record.away_team_score)}
    values.update(timeline_features(timeline))
    values.update(context_features(context))
    if (values["lead_changes"], values["times_tied"]) != (record.lead_changes, record.times_tied):
        logger.debug(
            "game %s: timeline counts %s lead changes / %s times tied, record says %s / %s",
            record.game_id,
            values["lead_changes"],
            values["times_tied"],
            record.lead_changes,
            record.times_tied,
        )
    return validate_features(record.game_id, values)
