"""The CDN's box score (``liveData/boxscore/boxscore_{game_id}.json``): a game's status, periods,
final score, attendance and the official lead changes and times tied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nba_predictions.errors import GameDataError

FINAL = 3


def box_score_path(game_id: str) -> str:
    return f"liveData/boxscore/boxscore_{game_id}.json"


@dataclass(frozen=True)
class BoxScore:
    game_id: str
    status: int  # 1 scheduled, 2 in progress, 3 final
    periods: int
    home_team_id: int
    away_team_id: int
    home_team_score: int
    away_team_score: int
    lead_changes: int
    times_tied: int
    attendance: int | None

    @property
    def is_final(self) -> bool:
        return self.status == FINAL


def _count(team: dict[str, Any], key: str, game_id: str) -> int:
    value = (team.get("statistics") or {}).get(key)
    if value is None or value == "":
        raise GameDataError(game_id, f"CDN box score: {key} is missing")
    return int(value)


def parse_box_score(payload: Any, game_id: str) -> BoxScore:
    """Box score -> :class:`BoxScore`; :class:`GameDataError` for another game's or a wrong document."""
    try:
        game = payload["game"]
        if str(game["gameId"]) != game_id:
            raise GameDataError(game_id, f"CDN box score answered for game {game['gameId']}")
        home, away = game["homeTeam"], game["awayTeam"]
        attendance = game.get("attendance")
        return BoxScore(
            game_id=game_id,
            status=int(game["gameStatus"]),
            periods=int(game["period"]),
            home_team_id=int(home["teamId"]),
            away_team_id=int(away["teamId"]),
            home_team_score=int(home["score"]),
            away_team_score=int(away["score"]),
            lead_changes=_count(home, "leadChanges", game_id),
            times_tied=_count(home, "timesTied", game_id),
            attendance=int(attendance) if attendance not in (None, "") else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise GameDataError(game_id, f"CDN box score: unexpected shape ({type(exc).__name__}: {exc})") from None
