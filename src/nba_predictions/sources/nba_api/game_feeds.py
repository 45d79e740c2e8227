"""One game's feeds for the live stats source: its score timeline (``PlayByPlayV3``, else the live
CDN's play-by-play) and ``BoxScoreSummaryV3``, each fetched once, checked against the final score
and kept for good; and, for a listed game that has neither, why (its timeline raises that reason).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from nba_predictions.core.domain import GameRecord, ScoreTimeline
from nba_predictions.core.scoring import lead_changes_and_times_tied
from nba_predictions.core.season import Season
from nba_predictions.errors import GameDataError, SourceError
from nba_predictions.sources.cache import Keep
from nba_predictions.sources.nba_api.box_score_summary import GameSummary, parse_box_score_summary, summary_request
from nba_predictions.sources.nba_api.cdn_play_by_play import cdn_play_by_play_path, parse_cdn_play_by_play
from nba_predictions.sources.nba_api.client import StatsApi
from nba_predictions.sources.nba_api.play_by_play import parse_play_by_play, play_by_play_request
from nba_predictions.sources.nba_api.scoreboard import ScoreboardGame

logger = logging.getLogger(__name__)

FIRST_CDN_SEASON = Season(2019)  # the live CDN play-by-play covers 2019-20 on

Attempt = tuple[str, Callable[[], tuple[str, str, dict[str, Any]]], Callable[[Any, str, int], ScoreTimeline]]


class GameFeeds:
    """The timelines and summaries one source has read, and the listed games it cannot rate."""

    def __init__(self, api: StatsApi) -> None:
        self._api = api
        self._timelines: dict[str, ScoreTimeline] = {}
        self._timeline_errors: dict[str, str] = {}
        self._unusable: dict[str, str] = {}  # listed games with neither play-by-play nor summary: why

    def mark_unusable(self, game_id: str, reason: str) -> None:
        """List the game, but make its :meth:`score_timeline` raise ``reason``."""
        self._unusable[game_id] = reason

    def counts(self, game: ScoreboardGame) -> tuple[int, int, int | None]:
        """(lead changes, times tied, attendance) of a final game of the scoreboard.

        From the play-by-play, else from BoxScoreSummaryV3.  A game with neither is marked unusable
        (its :meth:`score_timeline` raises ``GameDataError`` saying why, and the collection step
        skips and reports every game whose timeline raises) and counts as ``(0, 0, None)``.
        """
        try:
            timeline = self.timeline(game.game_id, game.home_team_id, game.home_team_score, game.away_team_score)
            lead_changes, times_tied = lead_changes_and_times_tied(timeline)
        except GameDataError as exc:
            logger.warning("%s; taking lead changes and times tied from BoxScoreSummaryV3", exc)
            try:
                summary = self.summary(game.game_id)
            except (SourceError, GameDataError) as summary_exc:
                reason = (
                    f"{str(exc).removeprefix(f'game {game.game_id}: ')}, and no BoxScoreSummaryV3 "
                    f"({str(summary_exc).removeprefix(f'game {game.game_id}: ')}): "
                    "lead changes and times tied cannot be known"
                )
                logger.warning("game %s: %s; listed so that it is reported as failed", game.game_id, reason)
                self.mark_unusable(game.game_id, reason)
                # Unknown, not zero.  GameRecord requires ints >= 0, and 0 is acceptable only
                # because this record never reaches a document: score_timeline() raises for it
                # (see _unusable), so the collection step skips it and reports it as failed.
                return 0, 0, None
            return summary.lead_changes, summary.times_tied, summary.attendance
        return lead_changes, times_tied, None

    def score_timeline(self, game: GameRecord) -> ScoreTimeline:
        if game.game_id in self._unusable:
            raise GameDataError(game.game_id, self._unusable[game.game_id])
        return self.timeline(game.game_id, game.home_team_id, game.home_team_score, game.away_team_score)

    def timeline(self, game_id: str, home_team_id: int, home_score: int, away_score: int) -> ScoreTimeline:
        """PlayByPlayV3, else the CDN play-by-play; kept for good once it matches the final score.
        Its players' leading lines come with it (``home_team_id`` says whose players are home's)."""
        if game_id in self._timelines:
            return self._timelines[game_id]
        if game_id in self._timeline_errors:
            raise GameDataError(game_id, self._timeline_errors[game_id])
        api = self._api
        problems = []
        attempts: list[Attempt] = [
            ("PlayByPlayV3", lambda: api.stats_target(play_by_play_request(game_id)), parse_play_by_play),
        ]
        if Season.of_game_id(game_id) >= FIRST_CDN_SEASON:
            attempts.append(
                ("CDN play-by-play", lambda: (api.cdn_url, cdn_play_by_play_path(game_id), {}), parse_cdn_play_by_play)
            )
        for label, target, parse in attempts:
            base, endpoint, params = target()
            payload = api.cache.get(endpoint, params)
            from_cache = payload is not None
            try:
                if payload is None:
                    payload = api.fetch(base, endpoint, params)
                timeline = parse(payload, game_id, home_team_id)
                if timeline.final_score != (home_score, away_score):
                    raise GameDataError(
                        game_id,
                        f"{label} ends {timeline.final_score[0]}-{timeline.final_score[1]}, "
                        f"the final score is {home_score}-{away_score}: play-by-play incomplete",
                    )
            except (SourceError, GameDataError) as exc:
                text = str(exc).removeprefix(f"game {game_id}: ")
                problems.append(f"{label}: {text}" if not text.startswith(label) else text)
                logger.warning("game %s: %s", game_id, problems[-1])
                continue
            if not from_cache:
                api.cache.put(endpoint, params, payload, Keep.FOREVER)
            self._timelines[game_id] = timeline
            return timeline
        message = "no usable play-by-play (" + "; ".join(problems) + ")"
        self._timeline_errors[game_id] = message
        raise GameDataError(game_id, message)

    def summary(self, game_id: str) -> GameSummary:
        """BoxScoreSummaryV3 of the game, kept for good once it parses."""
        endpoint, params, payload = self._api.stats(summary_request(game_id))
        fetched = payload is None
        if fetched:
            payload = self._api.fetch(self._api.stats_url, endpoint, params)
        summary = parse_box_score_summary(payload, game_id)
        if fetched:
            self._api.cache.put(endpoint, params, payload, Keep.FOREVER)
        return summary
