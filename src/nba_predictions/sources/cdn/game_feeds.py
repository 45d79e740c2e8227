"""A final game's two CDN feeds, its box score and its play-by-play: read from the cache, else the
CDN; checked against the schedule and against each other; kept for good once both are final and
agree (a disagreement fails that game, with the reason).  The parsing is :mod:`.box_score`'s and
:mod:`.play_by_play`'s."""

from __future__ import annotations

import logging
from typing import Any

from nba_predictions.core.domain import GameRecord, ScoreTimeline
from nba_predictions.core.season import Season
from nba_predictions.errors import GameDataError, SourceError, UnresponsiveSourceError
from nba_predictions.sources.cache import Keep, ResponseCache
from nba_predictions.sources.cdn.box_score import BoxScore, box_score_path, parse_box_score
from nba_predictions.sources.cdn.play_by_play import parse_play_by_play, play_by_play_path
from nba_predictions.sources.cdn.schedule import ScheduledGame
from nba_predictions.sources.cdn.season_schedule import SeasonSchedule
from nba_predictions.sources.http import HttpTransport

logger = logging.getLogger(__name__)


class GameFeeds:
    """The box scores and timelines one source has read, and the listed games it cannot rate."""

    def __init__(self, base_url: str, transport: HttpTransport, cache: ResponseCache, schedule: SeasonSchedule) -> None:
        self._base_url = base_url
        self._transport = transport
        self._cache = cache
        self._schedule = schedule
        self._boxes: dict[str, BoxScore] = {}
        self._timelines: dict[str, ScoreTimeline] = {}
        self._unusable: dict[str, str] = {}  # listed games whose box score failed: why
        self._box_payloads: dict[str, Any] = {}  # box scores fetched this run, not yet kept

    def unusable(self, game_id: str) -> str | None:
        """Why a listed game cannot be rated (its box score failed), or None."""
        return self._unusable.get(game_id)

    def retry(self, game_id: str) -> None:
        """Forget that ``game_id``'s box score failed this run: the next listing asks for it again."""
        self._unusable.pop(game_id, None)

    def record(self, game: ScheduledGame) -> GameRecord:
        """The game as the ``Source`` protocol lists it, with its box score's counts; a game whose
        box score fails is listed too, and its :meth:`score_timeline` raises why."""
        try:
            box = self.box_score(game)
            lead_changes, times_tied, attendance = box.lead_changes, box.times_tied, box.attendance
        except GameDataError as exc:
            reason = str(exc).removeprefix(f"game {game.game_id}: ")
            logger.warning("game %s: %s; listed so that it is reported as failed", game.game_id, reason)
            self._unusable[game.game_id] = reason
            # Placeholders: this record never reaches a document (score_timeline raises for it).
            lead_changes, times_tied, attendance = 0, 0, None
        season = Season.of_game_id(game.game_id)
        return GameRecord(
            game_id=game.game_id,
            date=game.day,
            home_team_id=game.home_team_id,
            away_team_id=game.away_team_id,
            home_team_abbreviation=game.home_team_abbreviation,
            away_team_abbreviation=game.away_team_abbreviation,
            season_id=f"{game.game_id[2]}{season.start_year}",
            home_team_score=game.home_team_score,
            away_team_score=game.away_team_score,
            lead_changes=lead_changes,
            times_tied=times_tied,
            game_status="Final",
            attendance=attendance,
            start_time_utc=game.start_time_utc,
        )

    def feed(self, kind: str, path: str, game_id: str) -> tuple[Any, bool]:
        """(payload, fetched now) of a game's feed: the cache's copy, else the CDN's answer.  A
        hung CDN stops the run's use of it (:class:`UnresponsiveSourceError` goes up); any other
        failure fails the game."""
        payload = self._cache.get(f"cdn_{kind}", {"gameId": game_id})
        if payload is not None:
            return payload, False
        try:
            return self._transport.get_json(f"{self._base_url}/{path}"), True
        except UnresponsiveSourceError:
            raise
        except SourceError as exc:
            raise GameDataError(game_id, f"CDN {kind.replace('_', ' ')}: {exc}") from None

    def box_score(self, game: ScheduledGame) -> BoxScore:
        """The game's final box score, checked against the schedule (kept with its play-by-play)."""
        if game.game_id in self._boxes:
            return self._boxes[game.game_id]
        payload, fetched = self.feed("box_score", box_score_path(game.game_id), game.game_id)
        box = parse_box_score(payload, game.game_id)
        if not box.is_final:
            raise GameDataError(
                game.game_id,
                f"CDN box score is not final yet (gameStatus {box.status}); the game is rated on a later run",
            )
        if (box.home_team_id, box.away_team_id) != (game.home_team_id, game.away_team_id):
            raise GameDataError(
                game.game_id,
                f"CDN box score has teams {box.home_team_id}-{box.away_team_id}, "
                f"the schedule {game.home_team_id}-{game.away_team_id}",
            )
        if (box.home_team_score, box.away_team_score) != (game.home_team_score, game.away_team_score):
            raise GameDataError(
                game.game_id,
                f"CDN box score ends {box.home_team_score}-{box.away_team_score}, the schedule's final score is "
                f"{game.home_team_score}-{game.away_team_score}: the feeds disagree",
            )
        self._boxes[game.game_id] = box
        if fetched:
            self._box_payloads[game.game_id] = payload  # kept once the play-by-play agrees with it
        return box

    def score_timeline(self, game: GameRecord) -> ScoreTimeline:
        """The game's play-by-play, checked against its box score; both kept once they agree."""
        game_id = game.game_id
        if game_id in self._unusable:
            raise GameDataError(game_id, self._unusable[game_id])
        if game_id in self._timelines:
            return self._timelines[game_id]
        try:
            box = self._boxes.get(game_id) or self.box_score(self._schedule.final_game(game_id))
            payload, fetched = self.feed("play_by_play", play_by_play_path(game_id), game_id)
        except UnresponsiveSourceError as exc:
            raise GameDataError(game_id, f"CDN: {exc}") from None
        timeline = parse_play_by_play(payload, game_id, box.home_team_id)
        if (timeline.final_score, timeline.periods) != ((box.home_team_score, box.away_team_score), box.periods):
            raise GameDataError(
                game_id,
                f"CDN play-by-play ends {timeline.final_score[0]}-{timeline.final_score[1]} after {timeline.periods} "
                f"periods, its box score {box.home_team_score}-{box.away_team_score} after {box.periods}: the feeds "
                "disagree (neither is kept; the game is tried again on a later run)",
            )
        if fetched:
            self._cache.put("cdn_play_by_play", {"gameId": game_id}, payload, Keep.FOREVER)
        box_payload = self._box_payloads.pop(game_id, None)
        if box_payload is not None:
            self._cache.put("cdn_box_score", {"gameId": game_id}, box_payload, Keep.FOREVER)
        self._timelines[game_id] = timeline
        return timeline
