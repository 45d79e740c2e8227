"""A date's games for the live stats source: ``ScoreboardV3`` of the date, checked against the
season's ``LeagueGameLog`` (:mod:`.cross_check`), each final game listed as a ``GameRecord`` with
the lead changes and times tied of its feeds (:mod:`.game_feeds`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from nba_predictions.core import teams
from nba_predictions.core.domain import GameRecord, GameResult
from nba_predictions.core.season import Season, season_type_of_game_id
from nba_predictions.errors import FatalSourceError, SourceError
from nba_predictions.sources.cache import Keep
from nba_predictions.sources.game_types import listed
from nba_predictions.sources.nba_api.client import StatsApi
from nba_predictions.sources.nba_api.cross_check import missing_from_board, record_mismatch
from nba_predictions.sources.nba_api.game_feeds import GameFeeds
from nba_predictions.sources.nba_api.scoreboard import ScoreboardGame, parse_scoreboard, scoreboard_request
from nba_predictions.sources.nba_api.season_logs import SeasonLogs

logger = logging.getLogger(__name__)


class GameListing:
    """The scoreboards one source has read, and the games it lists from them."""

    def __init__(self, api: StatsApi, feeds: GameFeeds, logs: SeasonLogs, today: Callable[[], date]) -> None:
        self._api = api
        self._feeds = feeds
        self._logs = logs
        self._today = today
        self._boards: dict[date, list[ScoreboardGame]] = {}

    def scoreboard(self, day: date) -> list[ScoreboardGame]:
        """Every game of ``day`` with its status (cached for good once all are final)."""
        if day in self._boards:
            return self._boards[day]
        endpoint, params, payload = self._api.stats(scoreboard_request(day))
        if payload is None:
            try:
                payload = self._api.fetch(self._api.stats_url, endpoint, params)
                games = parse_scoreboard(payload)
            except SourceError as exc:
                raise self._api.with_hint(exc, day) from exc
            if games and all(g.is_final for g in games):
                self._api.cache.put(endpoint, params, payload, Keep.FOREVER)
        else:
            games = parse_scoreboard(payload)
        self._logs.note_postseason(games)
        self._boards[day] = games
        return games

    def completed_games(self, day: date) -> list[GameRecord]:
        """Every final regular-season, play-in and playoff game of ``day`` (a covered date),
        checked against the season's game log: see ``NbaApiSource.completed_games``."""
        self._api.last_day = day
        games = self.scoreboard(day)
        final = [g for g in games if g.is_final]
        if len(final) < len(games):
            logger.info(
                "%s: %d of %d games are not final yet; listing the final ones", day, len(games) - len(final), len(games)
            )
        rated = [g for g in final if listed(g.game_id)]
        if len(rated) < len(final):
            logger.info("%s: %d preseason or All-Star game(s) are not rated (not listed)", day, len(final) - len(rated))
        records = [self._record(day, game) for game in rated]
        season = Season.of_date(day)
        results = self._logs.results(season)  # memoised: the history reads the same log
        if season == Season.of_date(self._today()):
            mismatch = record_mismatch(day, games, results)
            if mismatch is not None:
                self._logs.forget_current(season)
                raise self._api.with_hint(
                    FatalSourceError(
                        f"LeagueGameLog {season} does not agree with ScoreboardV3 of {day}: {mismatch}; "
                        "the log answer is incomplete (not cached)"
                    ),
                    day,
                )
        for result in missing_from_board(day, games, results):
            records.append(self._unlisted(day, result, {g.game_id: g for g in games}.get(result.game_id)))
        return sorted(records, key=lambda r: r.game_id)

    def _unlisted(self, day: date, result: GameResult, shown: ScoreboardGame | None) -> GameRecord:
        """A game the log lists on ``day`` that the scoreboard does not list as final: listed from
        the log so the run counts it and reports it as failed (its timeline raises)."""
        status = f"lists it as {shown.status_text or 'not final'}" if shown else "does not list it"
        reason = (
            f"LeagueGameLog lists it as played on {day} but ScoreboardV3 {status}: the scoreboard "
            "answer is incomplete; rerun when the API answers completely"
        )
        logger.warning("game %s: %s", result.game_id, reason)
        self._feeds.mark_unusable(result.game_id, reason)
        season = Season.of_game_id(result.game_id)
        # Placeholders, as in _record: this record never reaches a document (score_timeline raises).
        return GameRecord(
            game_id=result.game_id,
            date=day,
            home_team_id=result.home_team_id,
            away_team_id=result.away_team_id,
            home_team_abbreviation=teams.abbreviation(result.home_team_id, season),
            away_team_abbreviation=teams.abbreviation(result.away_team_id, season),
            season_id=season.season_id(result.season_type),
            home_team_score=result.home_score,
            away_team_score=result.away_score,
            lead_changes=0,
            times_tied=0,
            game_status="Final",
            attendance=None,
        )

    def _record(self, day: date, game: ScoreboardGame) -> GameRecord:
        """The game as the ``Source`` protocol lists it -- every final game of the scoreboard.

        Lead changes and times tied come from the game's feeds (:meth:`.GameFeeds.counts`).  A
        game with neither play-by-play nor summary is still listed, from the scoreboard alone
        (teams, final score), so the run counts it as found and reports it as failed (exit 1)
        instead of losing it silently: its score timeline raises ``GameDataError`` saying why.
        """
        lead_changes, times_tied, attendance = self._feeds.counts(game)
        season_type = season_type_of_game_id(game.game_id)
        return GameRecord(
            game_id=game.game_id,
            date=day,
            home_team_id=game.home_team_id,
            away_team_id=game.away_team_id,
            home_team_abbreviation=game.home_team_abbreviation,
            away_team_abbreviation=game.away_team_abbreviation,
            season_id=Season.of_game_id(game.game_id).season_id(season_type),
            home_team_score=game.home_team_score,
            away_team_score=game.away_team_score,
            lead_changes=lead_changes,
            times_tied=times_tied,
            game_status="Final",
            attendance=attendance,
            start_time_utc=game.start_time_utc,
        )
