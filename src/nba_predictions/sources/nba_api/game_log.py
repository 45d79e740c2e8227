"""LeagueGameLog (team mode): a season's results, and what a complete answer must hold.

stats.nba.com sometimes answers a log with empty or partial result sets.  Such an answer is an
error, never data, and never cached (the source caches a log only after these checks pass):

* every game has exactly two team rows, one per team;
* a past season's log holds exactly the games that season had (:data:`PAST_SEASON_GAMES`);
* the current season's regular-season log is checked against what the dates imply
  (:func:`check_current_regular_season`) and, by the source, against the teams' records on the
  scoreboards it reads (:mod:`.cross_check`).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from nba_predictions.core.domain import GameResult, SeasonType
from nba_predictions.core.season import Season, season_type_of_game_id
from nba_predictions.errors import FatalSourceError
from nba_predictions.sources.nba_api.common import data_sets, endpoint_name, required, rows

logger = logging.getLogger(__name__)

LOG_SEASON_TYPES = ("Regular Season", "PlayIn", "Playoffs")  # LeagueGameLog SeasonType values
DOMAIN_SEASON_TYPES: dict[str, SeasonType] = {
    "Regular Season": "Regular Season",
    "Play-In": "Play-In",
    "Playoffs": "Playoffs",
}
FIRST_PLAY_IN_SEASON = Season(2019)  # the 2020 bubble had the first play-in game

# Games each past season had, per LeagueGameLog season type (regular season, play-in, playoffs):
# counted from the offline archive's results (built from the same log, see data/README.md).
# 29 teams x 82 games / 2 = 1,189 until 2003-04, 1,230 since; lockouts and the pandemic shortened
# 1998-99, 2011-12, 2019-20 and 2020-21; 2012-13 lost one game (BOS-IND, after the Boston
# Marathon bombing).
PAST_SEASON_GAMES: dict[int, tuple[int, int, int]] = {
    1996: (1189, 0, 72),
    1997: (1189, 0, 71),
    1998: (725, 0, 66),
    1999: (1189, 0, 75),
    2000: (1189, 0, 71),
    2001: (1189, 0, 71),
    2002: (1189, 0, 88),
    2003: (1189, 0, 82),
    2004: (1230, 0, 84),
    2005: (1230, 0, 89),
    2006: (1230, 0, 79),
    2007: (1230, 0, 86),
    2008: (1230, 0, 85),
    2009: (1230, 0, 82),
    2010: (1230, 0, 81),
    2011: (990, 0, 84),
    2012: (1229, 0, 85),
    2013: (1230, 0, 89),
    2014: (1230, 0, 81),
    2015: (1230, 0, 86),
    2016: (1230, 0, 79),
    2017: (1230, 0, 82),
    2018: (1230, 0, 82),
    2019: (1059, 1, 83),
    2020: (1080, 6, 85),
    2021: (1230, 6, 87),
    2022: (1230, 6, 84),
    2023: (1230, 6, 82),
    2024: (1230, 6, 78),
}
FULL_SEASON = (1230, 6)  # a later past season: 82 games each, six play-in games
PLAYOFF_GAMES = (60, 105)  # four best-of-seven rounds: 15 series of 4 to 7 games

# The current season's regular-season log is cut short when its last game is this many days
# before today during the season (the All-Star break is the longest pause, 7 to 8 days).
MAX_PAUSE_DAYS = 9
# ... and it cannot be empty from this day of the season's first year on (every season since
# 1996-97 began by then except the lockout and pandemic ones, which are past).
EMPTY_BY = (12, 1)
REGULAR_SEASON_ENDS_BY = (4, 20)  # month, day of the second year: the last regular-season day


def game_log_request(season: Season, season_type: str) -> Any:
    from nba_api.stats.endpoints.leaguegamelog import LeagueGameLog

    return LeagueGameLog(
        season=str(season), season_type_all_star=season_type, player_or_team_abbreviation="T", get_request=False
    )


def parse_game_log(payload: Any) -> list[GameResult]:
    """LeagueGameLog (team mode) -> one result per game, in (date, game id) order.

    Each game has two team rows; the home team's ``MATCHUP`` reads ``"X vs. Y"``, the away team's
    ``"X @ Y"``.  A neutral-site game lists both teams with ``@``: the log does not say which is
    the designated home team, so the team whose abbreviation sorts last is taken as home, the same
    convention as the offline archive's 2025-26 results.  A game with another number of rows is
    an incomplete answer (:class:`FatalSourceError`), not a game to leave out.
    """
    endpoint = endpoint_name("leaguegamelog", "LeagueGameLog")
    sets = data_sets(endpoint, payload, "resultSets")
    try:
        by_game: dict[str, list[dict[str, Any]]] = {}
        for row in rows(sets, "LeagueGameLog", endpoint):
            by_game.setdefault(str(row["GAME_ID"]), []).append(row)
        results = []
        for game_id, team_rows in by_game.items():
            where = f"LeagueGameLog game {game_id}"
            kind = DOMAIN_SEASON_TYPES.get(season_type_of_game_id(game_id))
            if kind is None:
                logger.debug("%s: season type %s is not used for standings; skipped", where, game_id[2])
                continue
            if len(team_rows) != 2 or team_rows[0]["TEAM_ID"] == team_rows[1]["TEAM_ID"]:
                raise FatalSourceError(
                    f"{where} has {len(team_rows)} team row(s) instead of one per team: the answer is incomplete"
                )
            home_rows = [r for r in team_rows if " vs. " in str(r["MATCHUP"])]
            if len(home_rows) == 1:
                home = home_rows[0]
                away = team_rows[1] if team_rows[0] is home else team_rows[0]
            else:
                away, home = sorted(team_rows, key=lambda r: str(r["TEAM_ABBREVIATION"]))
            results.append(
                GameResult(
                    game_id=game_id,
                    date=date.fromisoformat(str(required(home, "GAME_DATE", where))[:10]),
                    season_type=kind,
                    home_team_id=int(required(home, "TEAM_ID", where)),
                    away_team_id=int(required(away, "TEAM_ID", where)),
                    home_score=int(required(home, "PTS", where)),
                    away_score=int(required(away, "PTS", where)),
                )
            )
    except KeyError as exc:
        raise FatalSourceError(f"LeagueGameLog: column {exc} is missing from the response") from None
    except ValueError as exc:
        raise FatalSourceError(f"LeagueGameLog: bad value ({exc})") from None
    return sorted(results, key=lambda r: (r.date, r.game_id))


def check_past_season(season: Season, season_type: str, results: list[GameResult]) -> None:
    """A past season's log must hold every game the season had: fewer (an empty answer
    included) or more is an incomplete or wrong answer."""
    index = LOG_SEASON_TYPES.index(season_type)
    known = PAST_SEASON_GAMES.get(season.start_year)
    where = f"LeagueGameLog {season} {season_type}"
    if known is not None or index < 2:
        expected = known[index] if known is not None else FULL_SEASON[index]
        if len(results) != expected:
            raise FatalSourceError(
                f"{where} lists {len(results)} games, but the season had {expected}: "
                "the answer is incomplete (not cached)"
            )
        return
    low, high = PLAYOFF_GAMES
    if not low <= len(results) <= high:
        raise FatalSourceError(
            f"{where} lists {len(results)} games, but playoffs have {low} to {high}: "
            "the answer is incomplete (not cached)"
        )


def check_current_regular_season(season: Season, results: list[GameResult], today: date, over: bool) -> None:
    """What the dates imply for the current season's regular-season log as of ``today``.

    It cannot be empty from December of the season's first year on, and while the regular season
    runs its last game cannot be more than :data:`MAX_PAUSE_DAYS` days old: a log cut short
    would rate games on standings from weeks before.  ``over``: the source knows the regular
    season has ended (then a long pause is the end of the season, not a gap).
    """
    where = f"LeagueGameLog {season} Regular Season"
    if not results:
        if today >= date(season.start_year, *EMPTY_BY):
            raise FatalSourceError(
                f"{where} lists no games on {today}, when the season is under way: "
                "the answer is incomplete (not cached)"
            )
        return
    last = max(r.date for r in results)
    season_end = date(season.start_year + 1, *REGULAR_SEASON_ENDS_BY)
    if not over and today <= season_end and today - last > timedelta(days=MAX_PAUSE_DAYS):
        raise FatalSourceError(
            f"{where} ends on {last}, {(today - last).days} days before {today}, during the "
            "season: the answer is incomplete (not cached)"
        )
