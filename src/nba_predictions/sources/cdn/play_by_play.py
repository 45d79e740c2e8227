"""The CDN's play-by-play (``liveData/playbyplay/playbyplay_{game_id}.json``, 2019-20 on): one
game's score timeline, only from a feed that is final (its last action is ``game``/``end``), with
each side's leading player lines (:func:`~nba_predictions.features.player_lines.lines_from_cdn`)."""

from __future__ import annotations

from typing import Any

from nba_predictions.core.domain import ScoreTimeline
from nba_predictions.errors import GameDataError
from nba_predictions.features.player_lines import lines_from_cdn
from nba_predictions.sources.actions import timeline_from_actions, with_player_lines


def play_by_play_path(game_id: str) -> str:
    return f"liveData/playbyplay/playbyplay_{game_id}.json"


def _actions(payload: Any, game_id: str) -> list[dict[str, Any]]:
    try:
        game = payload["game"]
        if str(game["gameId"]) != game_id:
            raise GameDataError(game_id, f"CDN play-by-play answered for game {game['gameId']}")
        return sorted(game["actions"], key=lambda a: (a.get("orderNumber") or 0, a["actionNumber"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise GameDataError(game_id, f"CDN play-by-play: unexpected shape ({type(exc).__name__}: {exc})") from None


def parse_play_by_play(payload: Any, game_id: str, home_team_id: int, *, require_final: bool = True) -> ScoreTimeline:
    """Play-by-play -> the game's score timeline, with its players' leading lines (the side of a
    player whose ``teamId`` is ``home_team_id`` is home; see
    :func:`~nba_predictions.sources.actions.with_player_lines`).  ``require_final``: a feed whose
    last action is not the game's end is a game still being played or not yet closed by the
    scorers -- an error saying so, never a timeline (the game is rated on a later run)."""
    actions = _actions(payload, game_id)
    if require_final:
        last = actions[-1] if actions else None
        if last is None or (last.get("actionType"), last.get("subType")) != ("game", "end"):
            where = (
                f"period {last.get('period')} {last.get('clock')}, {last.get('scoreHome')}-{last.get('scoreAway')}"
                if last
                else "no actions"
            )
            raise GameDataError(
                game_id,
                f"CDN play-by-play is not final yet (its last action: {where}); the game is rated on a later run",
            )
    try:
        rows = [(int(a["period"]), str(a["clock"]), a["scoreHome"], a["scoreAway"]) for a in actions]
    except (KeyError, TypeError, ValueError) as exc:
        raise GameDataError(game_id, f"CDN play-by-play: unexpected action ({type(exc).__name__}: {exc})") from None
    timeline = timeline_from_actions(game_id, rows)
    try:
        lines = lines_from_cdn(actions, home_team_id)
    except (TypeError, ValueError) as exc:
        raise GameDataError(
            game_id, f"CDN play-by-play: unexpected player action ({type(exc).__name__}: {exc})"
        ) from None
    return with_player_lines(timeline, lines, game_id, "CDN play-by-play")
