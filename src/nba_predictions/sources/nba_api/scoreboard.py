"""ScoreboardV3: a date's games, their status, final scores and the teams' records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from nba_predictions.errors import FatalSourceError
from nba_predictions.sources.cdn.schedule import utc_start
from nba_predictions.sources.nba_api.common import data_sets, endpoint_name, required, rows

FINAL_STATUS = 3  # ScoreboardV3 gameStatus: 1 scheduled, 2 in progress, 3 final


@dataclass(frozen=True)
class ScoreboardGame:
    """One game of a ScoreboardV3 response.

    ``home_team_record`` / ``away_team_record`` are the teams' ``(wins, losses)`` as the
    scoreboard shows them for that date (the game itself counted once it is final), ``None``
    where the answer lacks them.
    """

    game_id: str
    status: int
    status_text: str
    periods: int
    home_team_id: int
    away_team_id: int
    home_team_abbreviation: str
    away_team_abbreviation: str
    home_team_score: int
    away_team_score: int
    home_team_record: tuple[int, int] | None = None
    away_team_record: tuple[int, int] | None = None
    start_time_utc: datetime | None = None  # gameTimeUTC: the scheduled tip-off (aware, UTC)

    @property
    def is_final(self) -> bool:
        return self.status == FINAL_STATUS


def scoreboard_request(day: date) -> Any:
    from nba_api.stats.endpoints.scoreboardv3 import ScoreboardV3

    return ScoreboardV3(game_date=day.isoformat(), get_request=False)


def _record(team: dict[str, Any]) -> tuple[int, int] | None:
    wins, losses = team.get("wins"), team.get("losses")
    if isinstance(wins, int) and isinstance(losses, int) and not isinstance(wins, bool) and wins >= 0 and losses >= 0:
        return wins, losses
    return None


def parse_scoreboard(payload: Any) -> list[ScoreboardGame]:
    """ScoreboardV3 -> games in game-id order (any status)."""
    endpoint = endpoint_name("scoreboardv3", "ScoreboardV3")
    sets = data_sets(endpoint, payload, "scoreboard")
    try:
        headers = rows(sets, "GameHeader", endpoint)
        lines = rows(sets, "LineScore", endpoint)
        by_game: dict[str, list[dict[str, Any]]] = {}
        for line in lines:
            by_game.setdefault(str(line["gameId"]), []).append(line)
        games = []
        for header in headers:
            game_id = str(required(header, "gameId", "ScoreboardV3"))
            where = f"ScoreboardV3 game {game_id}"
            teams = by_game.get(game_id, [])
            if len(teams) != 2:
                raise FatalSourceError(f"{where}: expected 2 line-score rows, got {len(teams)}")
            home, away = teams  # nba_api lists the home team first; checked against the game code
            code = str(header["gameCode"] or "")
            expected = f"{away['teamTricode']}{home['teamTricode']}"
            if code and not code.endswith(f"/{expected}"):
                raise FatalSourceError(f"{where}: game code {code!r} does not match away/home {expected}")
            status = int(required(header, "gameStatus", where))
            final = status == FINAL_STATUS
            games.append(
                ScoreboardGame(
                    game_id=game_id,
                    status=status,
                    status_text=str(header["gameStatusText"] or "").strip(),
                    periods=int(header["period"] or 0),
                    home_team_id=int(required(home, "teamId", where)),
                    away_team_id=int(required(away, "teamId", where)),
                    home_team_abbreviation=str(required(home, "teamTricode", where)),
                    away_team_abbreviation=str(required(away, "teamTricode", where)),
                    home_team_score=int(required(home, "score", where)) if final else int(home["score"] or 0),
                    away_team_score=int(required(away, "score", where)) if final else int(away["score"] or 0),
                    home_team_record=_record(home),
                    away_team_record=_record(away),
                    start_time_utc=utc_start(header.get("gameTimeUTC")),
                )
            )
    except KeyError as exc:
        raise FatalSourceError(f"ScoreboardV3: column {exc} is missing from the response") from None
    except (TypeError, ValueError) as exc:
        raise FatalSourceError(f"ScoreboardV3: bad value ({type(exc).__name__}: {exc})") from None
    return sorted(games, key=lambda g: g.game_id)
