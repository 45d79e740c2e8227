"""The scoreboard and the game log of the same season, checked against each other.

The source reads both for every date (the log is needed for standings and head-to-head anyway),
so each answer is a check on the other:

* :func:`record_mismatch` -- the teams' records on a date's scoreboard say how many games each
  team had played before that date; the season's log must hold exactly those (a log answering
  with fewer games would put every rating on standings computed from too little);
* :func:`missing_from_board` -- games the log lists as played on the date that the scoreboard
  does not list as final (a scoreboard answering with no games would otherwise lose them with
  exit 0).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from nba_predictions.core.domain import GameResult
from nba_predictions.core.season import season_type_of_game_id
from nba_predictions.sources.nba_api.scoreboard import ScoreboardGame


def record_mismatch(day: date, board: Sequence[ScoreboardGame], results: Sequence[GameResult]) -> str | None:
    """One line when a team's record on ``day``'s scoreboard disagrees with the regular-season
    games the log lists for it before ``day``; None when they agree or the scoreboard gives no
    records.  Only regular-season games carry records that count (a playoff scoreboard's do not).
    """
    played: Counter[int] = Counter()
    for result in results:
        if result.season_type == "Regular Season" and result.date < day:
            played[result.home_team_id] += 1
            played[result.away_team_id] += 1
    for game in board:
        if season_type_of_game_id(game.game_id) != "Regular Season":
            continue
        for team_id, abbreviation, record in (
            (game.home_team_id, game.home_team_abbreviation, game.home_team_record),
            (game.away_team_id, game.away_team_abbreviation, game.away_team_record),
        ):
            if record is None:
                continue
            before = sum(record) - (1 if game.is_final else 0)
            if before < 0:
                continue  # a record of 0-0 on a final game: the scoreboard gives none
            if played[team_id] != before:
                return (
                    f"{abbreviation} had played {before} games before {day} by the scoreboard's record "
                    f"{record[0]}-{record[1]}, but the game log lists {played[team_id]}"
                )
    return None


def missing_from_board(day: date, board: Sequence[ScoreboardGame], results: Sequence[GameResult]) -> list[GameResult]:
    """The log's results of ``day`` that the scoreboard does not list as final games."""
    final = {game.game_id for game in board if game.is_final}
    return [r for r in results if r.date == day and r.game_id not in final]
