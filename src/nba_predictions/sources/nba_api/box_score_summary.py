"""BoxScoreSummaryV3: official lead changes, times tied, attendance and final score of a game
whose play-by-play cannot be had."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nba_predictions.errors import FatalSourceError
from nba_predictions.sources.nba_api.common import data_sets, endpoint_name, required, rows


@dataclass(frozen=True)
class GameSummary:
    """What a BoxScoreSummaryV3 response adds to the scoreboard."""

    game_id: str
    lead_changes: int
    times_tied: int
    attendance: int | None
    home_team_score: int
    away_team_score: int


def summary_request(game_id: str) -> Any:
    from nba_api.stats.endpoints.boxscoresummaryv3 import BoxScoreSummaryV3

    return BoxScoreSummaryV3(game_id=game_id, get_request=False)


def parse_box_score_summary(payload: Any, game_id: str) -> GameSummary:
    """BoxScoreSummaryV3 -> official lead changes, times tied, attendance and final score."""
    where = f"BoxScoreSummaryV3 game {game_id}"
    endpoint = endpoint_name("boxscoresummaryv3", "BoxScoreSummaryV3")
    sets = data_sets(endpoint, payload, "boxScoreSummary")
    try:
        info = rows(sets, "GameInfo", endpoint)
        other = rows(sets, "OtherStats", endpoint)
        lines = rows(sets, "LineScore", endpoint)
        if len(other) != 2 or len(lines) != 2 or len(info) != 1:
            raise FatalSourceError(f"{where}: expected 2 team rows and 1 game row")
        if str(info[0]["gameId"]) != game_id:
            raise FatalSourceError(f"{where}: answered for game {info[0]['gameId']}")
        home, away = lines  # nba_api lists homeTeam first
        attendance = info[0]["attendance"]
        return GameSummary(
            game_id=game_id,
            lead_changes=int(required(other[0], "leadChanges", where)),
            times_tied=int(required(other[0], "timesTied", where)),
            attendance=int(attendance) if attendance not in (None, "") else None,
            home_team_score=int(required(home, "score", where)),
            away_team_score=int(required(away, "score", where)),
        )
    except KeyError as exc:
        raise FatalSourceError(f"{where}: column {exc} is missing from the response") from None
