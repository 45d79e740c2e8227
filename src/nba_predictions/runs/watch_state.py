"""What a watch knows: its options, its report, and the state of the date it watches (:mod:`.watch`)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date

from nba_predictions.config import DEFAULT_WATCH_INTERVAL_SECONDS
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.watch_documents import DateDocuments
from nba_predictions.runs.watch_game import GameRater, RatedGame
from nba_predictions.sources.cdn.schedule import ScheduledGame
from nba_predictions.sources.cdn.scoreboard import Scoreboard

logger = logging.getLogger(__name__)

GIVE_UP_AFTER = 30  # polls: an hour at the default interval for a final game's feeds to become final


@dataclass(frozen=True)
class WatchOptions:
    day: date
    interval: float = DEFAULT_WATCH_INTERVAL_SECONDS
    until_done: bool = False
    follow: bool = False  # the watched date moves on with the scoreboard (no --date, no --until-done)
    give_up_after: int = GIVE_UP_AFTER
    documents: str | None = None
    log_json: bool = False


@dataclass(frozen=True)
class Rated:
    """A game rated by this watch: the poll that rated it, and how long after this watch first saw it
    final it was stored (the scoreboard showed it final at most one interval before that)."""

    game: RatedGame
    poll: int
    after_final: float
    stored_at: float  # the watch's clock (time.monotonic)


@dataclass
class WatchReport:
    rated: dict[str, Rated] = field(default_factory=dict)
    not_rated: dict[str, str] = field(default_factory=dict)  # game id -> why
    polls: int = 0
    not_modified: int = 0
    stopped: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.not_rated else 0


def spoiler_free(reason: str) -> str:
    """A failure's reason without the scores a source's message may quote (``108-106`` -> ``#-#``)."""
    return re.sub(r"(?<![\d-])\d{1,3}-\d{1,3}(?![\d-])", "#-#", reason)


class DateState:
    """One watched date: its games already done, those that failed (how often, why), when each was
    first seen final, and the rater of its games (with the date's documents under ``documents``)."""

    def __init__(self, resources: Resources, day: date, documents: str | None) -> None:
        from nba_predictions.steps.storage import rated_game_ids

        self.day = day
        self.seen = False  # the scoreboard has shown this date
        self.over = False  # the scoreboard has moved on past it
        force = resources.settings.force
        self.done: set[str] = set() if force else rated_game_ids(resources.database(), day, day)
        self.failures: dict[str, tuple[int, str]] = {}  # game id -> (failed polls, last reason)
        self.seen_final: dict[str, float] = {}
        dated = DateDocuments(documents, day) if documents else None
        if dated is not None:
            dated.check_writable()
            dated.load()
        self.rater = GameRater(resources, day, dated)
        if self.done:
            logger.info("watch: %d game(s) of %s already rated, left alone", len(self.done), day)

    def todo(self, board: Scoreboard, not_rated: dict[str, str], now: float) -> list[ScheduledGame]:
        """The final games to rate now; each one's first sighting as final noted."""
        todo = [g for g in board.final if g.game_id not in self.done and g.game_id not in not_rated]
        for game in todo:
            self.seen_final.setdefault(game.game_id, now)
        return todo

    def rated(self, game_id: str) -> None:
        self.done.add(game_id)
        self.failures.pop(game_id, None)

    def failed(self, game_id: str, reason: str, give_up_after: int) -> str | None:
        """Note a failed attempt; the reason it is not rated once it has failed ``give_up_after`` polls."""
        count = self.failures.get(game_id, (0, ""))[0] + 1
        self.failures[game_id] = (count, reason)
        if count < give_up_after:
            logger.info("watch: %s not rated yet, tried again next poll: %s", game_id, spoiler_free(reason))
            return None
        logger.warning("watch: %s not rated after %d polls: %s", game_id, count, spoiler_free(reason))
        return f"{spoiler_free(reason)} (after {count} polls)"

    def pending(self) -> dict[str, str]:
        """Final games not rated yet, and why (spoiler-free)."""
        return {g: spoiler_free(r) for g, (_, r) in sorted(self.failures.items()) if g not in self.done}

    def settled(self, board: Scoreboard, not_rated: dict[str, str]) -> bool:
        """Every game of the board rated, given up or postponed."""
        return all(g.game_id in self.done or g.game_id in not_rated or g.postponed for g in board.rated_games)
