"""The live CDN play-by-play (``liveData/playbyplay``, 2019-20 on): the fallback timeline."""

from __future__ import annotations

from typing import Any

from nba_predictions.core.domain import ScoreTimeline
from nba_predictions.errors import GameDataError
from nba_predictions.sources.nba_api.play_by_play import timeline_from_actions


def cdn_play_by_play_path(game_id: str) -> str:
    from nba_api.live.nba.endpoints.playbyplay import PlayByPlay

    return PlayByPlay.endpoint_url.format(game_id=game_id)


def parse_cdn_play_by_play(payload: Any, game_id: str) -> ScoreTimeline:
    """Live CDN play-by-play (``liveData/playbyplay``) -> the game's score timeline."""
    try:
        game = payload["game"]
        if str(game["gameId"]) != game_id:
            raise GameDataError(game_id, f"CDN play-by-play answered for game {game['gameId']}")
        actions = [
            (int(a["period"]), str(a["clock"]), a["scoreHome"], a["scoreAway"])
            for a in sorted(game["actions"], key=lambda a: (a.get("orderNumber") or 0, a["actionNumber"]))
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise GameDataError(game_id, f"CDN play-by-play: unexpected shape ({type(exc).__name__}: {exc})") from None
    return timeline_from_actions(game_id, actions)
