"""The live CDN play-by-play as the stats source's fallback timeline (2019-20 on).

The parser is the CDN source's (:mod:`nba_predictions.sources.cdn.play_by_play`: one parser per
endpoint); here the feed is read without requiring its closing ``game end`` action, as before the
CDN source existed: the stats source checks the timeline against the scoreboard's final score.
"""

from __future__ import annotations

from typing import Any

from nba_predictions.core.domain import ScoreTimeline
from nba_predictions.sources.cdn.play_by_play import parse_play_by_play, play_by_play_path


def cdn_play_by_play_path(game_id: str) -> str:
    """The feed's path under the CDN's liveData URL (``NBA_API_CDN_URL``, or ``NBA_CDN_URL``/liveData)."""
    return play_by_play_path(game_id).removeprefix("liveData/")


def parse_cdn_play_by_play(payload: Any, game_id: str, home_team_id: int) -> ScoreTimeline:
    """Live CDN play-by-play (``liveData/playbyplay``) -> the game's score timeline, with its
    players' leading lines."""
    return parse_play_by_play(payload, game_id, home_team_id, require_final=False)
