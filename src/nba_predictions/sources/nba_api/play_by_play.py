"""PlayByPlayV3: one game's score timeline (actions to timeline: :mod:`nba_predictions.sources.actions`)
and its players' leading lines (:func:`~nba_predictions.features.player_lines.lines_from_pbp_v3`)."""

from __future__ import annotations

from typing import Any

from nba_predictions.core.domain import ScoreTimeline
from nba_predictions.errors import FatalSourceError, GameDataError
from nba_predictions.features.player_lines import lines_from_pbp_v3
from nba_predictions.sources.actions import timeline_from_actions, with_player_lines
from nba_predictions.sources.nba_api.common import data_sets, endpoint_name, rows

__all__ = ["parse_play_by_play", "play_by_play_request", "timeline_from_actions"]


def play_by_play_request(game_id: str) -> Any:
    from nba_api.stats.endpoints.playbyplayv3 import PlayByPlayV3

    return PlayByPlayV3(game_id=game_id, get_request=False)


def parse_play_by_play(payload: Any, game_id: str, home_team_id: int) -> ScoreTimeline:
    """PlayByPlayV3 -> the game's score timeline, with its players' leading lines (the side of a
    player whose ``teamId`` is ``home_team_id`` is home); ``GameDataError`` when missing or incomplete."""
    try:
        endpoint = endpoint_name("playbyplayv3", "PlayByPlayV3")
        actions_rows = rows(data_sets(endpoint, payload, "game"), "PlayByPlay", endpoint)
        actions = []
        for row in actions_rows:
            if str(row["gameId"]) != game_id:
                raise GameDataError(game_id, f"PlayByPlayV3 answered for game {row['gameId']}")
            actions.append((int(row["period"]), str(row["clock"]), row["scoreHome"], row["scoreAway"]))
    except FatalSourceError as exc:
        raise GameDataError(game_id, f"PlayByPlayV3: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise GameDataError(game_id, f"PlayByPlayV3: unexpected row ({type(exc).__name__}: {exc})") from None
    timeline = timeline_from_actions(game_id, actions)
    try:
        lines = lines_from_pbp_v3(actions_rows, home_team_id)
    except (TypeError, ValueError) as exc:
        raise GameDataError(game_id, f"PlayByPlayV3: unexpected player action ({type(exc).__name__}: {exc})") from None
    return with_player_lines(timeline, lines, game_id, "PlayByPlayV3")
