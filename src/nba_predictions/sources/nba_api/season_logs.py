"""LeagueGameLog per season for the live source: what to request when, what to trust, what to keep.

Past seasons: all three logs (regular season, play-in from 2019-20, playoffs), each checked for
every game the season had, kept for good.  The current season: the regular-season log once a
day, checked against what the dates imply; its play-in and playoff logs only once the regular
season is over.  Nothing that fails a check is cached (:mod:`.game_log`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from nba_predictions.core.domain import GameResult
from nba_predictions.core.season import Season, season_type_of_game_id
from nba_predictions.errors import SourceError
from nba_predictions.sources.cache import Keep, ResponseCache
from nba_predictions.sources.nba_api.game_log import (
    FIRST_PLAY_IN_SEASON,
    LOG_SEASON_TYPES,
    check_current_regular_season,
    check_past_season,
    game_log_request,
    parse_game_log,
)
from nba_predictions.sources.nba_api.scoreboard import ScoreboardGame

logger = logging.getLogger(__name__)

FULL_REGULAR_SEASON_GAMES = 1230  # 30 teams x 82 games / 2: the regular season is over
QUIET_DAYS = 3  # from April on, this many days without a regular-season game: it is over
POSTSEASON_TYPES = ("Play-In", "Playoffs")  # season_type_of_game_id of game ids with digit 3 = 5 or 4


class SeasonLogs:
    """The seasons' results one source has loaded, and what it learnt about them."""

    def __init__(
        self,
        *,
        fetch: Callable[[str, dict[str, Any]], Any],
        cache: ResponseCache,
        today: Callable[[], date],
        with_hint: Callable[[SourceError], SourceError],
    ) -> None:
        self._fetch = fetch
        self._cache = cache
        self._today = today
        self._with_hint = with_hint
        self._seasons: dict[Season, list[GameResult]] = {}
        self._postseason_seen: set[Season] = set()  # seasons whose play-in/playoff games a scoreboard listed
        self._without_postseason: set[Season] = set()  # current-season results loaded without those logs

    def results(self, season: Season) -> list[GameResult]:
        """Regular season, play-in and playoff results of ``season`` from LeagueGameLog.

        Past seasons are checked for every game they had and kept for good.  The current season's
        regular-season log is checked against what the dates imply and fetched once a day; its
        play-in and playoff logs are requested (once a day) only once the regular season is over
        (:meth:`_regular_season_over`), since they cannot have games before.  A log that fails a
        check is an error and is not cached (see :mod:`.game_log`).
        """
        if season in self._seasons:
            return self._seasons[season]
        today = self._today()
        current = Season.of_date(today)
        if season > current:
            return []
        past = season < current
        regular = self._game_log(
            season,
            "Regular Season",
            past=past,
            keep_for_good=lambda games: past or self._regular_season_over(season, games),
            check=lambda games: check_current_regular_season(
                season, games, today, over=self._regular_season_over(season, games, today)
            ),
        )
        results = list(regular)
        over = past or self._regular_season_over(season, regular, today)
        for season_type in LOG_SEASON_TYPES[1:]:
            if season_type == "PlayIn" and season < FIRST_PLAY_IN_SEASON:
                continue
            if not over:
                logger.debug(
                    "%s: regular season not over (%d games); no %s log requested", season, len(regular), season_type
                )
                self._without_postseason.add(season)
                continue
            results.extend(self._game_log(season, season_type, past=past, keep_for_good=lambda games: past))
        results.sort(key=lambda r: (r.date, r.game_id))
        self._seasons[season] = results
        return results

    def forget_current(self, season: Season) -> None:
        """Drop a current-season regular-season log found wrong after it was cached."""
        request = game_log_request(season, "Regular Season")
        self._cache.discard(request.endpoint, dict(request.parameters))
        self._seasons.pop(season, None)

    def _regular_season_over(self, season: Season, regular: Sequence[GameResult], today: date | None = None) -> bool:
        """Whether ``season``'s regular season is over, so its play-in and playoff logs can have games.

        Certain when the log holds a full 82-game schedule (1,230 games), or when a scoreboard read
        by this source lists a play-in or playoff game of the season (game id digit 3: 5 or 4) --
        which is how a shortened season (990 games in 2011-12, 1,059 in 2019-20, 1,080 in 2020-21)
        is recognised on a daily run, whose scoreboard is read before the history.  Without
        ``today`` only a certain answer counts (it decides whether the regular-season log is kept
        for good).  With it, a season also counts as over when no regular-season game has been
        played for more than ``QUIET_DAYS`` days from April of its second year on (the All-Star
        break is in February): that covers callers who load the history before reading any
        scoreboard (a backfill).  The cost of a wrong guess is two log calls.
        """
        if sum(1 for r in regular if r.season_type == "Regular Season") >= FULL_REGULAR_SEASON_GAMES:
            return True
        if season in self._postseason_seen:
            return True
        if today is None or not regular:
            return False
        last = max(r.date for r in regular)
        return today >= date(season.start_year + 1, 4, 1) and (today - last).days > QUIET_DAYS

    def note_postseason(self, games: Sequence[ScoreboardGame]) -> None:
        """Remember the seasons whose play-in or playoffs a scoreboard shows to have started."""
        for game in games:
            if season_type_of_game_id(game.game_id) in POSTSEASON_TYPES:
                season = Season.of_game_id(game.game_id)
                self._postseason_seen.add(season)
                if season in self._without_postseason:  # loaded before it was known: load again
                    self._without_postseason.discard(season)
                    self._seasons.pop(season, None)

    def _game_log(
        self,
        season: Season,
        season_type: str,
        *,
        past: bool,
        keep_for_good: Callable[[list[GameResult]], bool],
        check: Callable[[list[GameResult]], None] | None = None,
    ) -> list[GameResult]:
        request = game_log_request(season, season_type)
        endpoint, params = request.endpoint, dict(request.parameters)
        payload = self._cache.get(endpoint, params)
        if payload is not None:
            return parse_game_log(payload)  # it passed the checks when it was stored
        try:
            payload = self._fetch(endpoint, params)
            results = parse_game_log(payload)
            if past:
                check_past_season(season, season_type, results)
            elif check is not None:
                check(results)
        except SourceError as exc:
            raise self._with_hint(exc) from exc
        final = keep_for_good(results) and bool(results)
        self._cache.put(endpoint, params, payload, Keep.FOREVER if final else Keep.TODAY)
        return results
