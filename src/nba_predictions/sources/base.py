"""The one protocol every data source implements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol, runtime_checkable

from nba_predictions.core.domain import GameRecord, GameResult, ScoreTimeline
from nba_predictions.core.season import Season


@runtime_checkable
class Source(Protocol):
    """Where completed games, their score timelines and past results come from.

    Implementations: ``ArchiveSource`` (offline archive shipped in the package, the default) and
    ``NbaApiSource`` (live stats.nba.com).  Standings and head-to-head history are computed from
    :meth:`season_results` by :mod:`nba_predictions.features.history`, the same way for every source.
    """

    name: str  # "archive" or "nba_api", recorded in the documents' metadata.source

    def covers(self, day: date) -> bool:
        """True when this source can list the completed games of ``day``."""
        ...

    def completed_games(self, day: date) -> list[GameRecord]:
        """Completed games played on ``day`` (US Eastern date), in game-id order.

        An in-range date without games returns ``[]``.  Raises ``DateNotCoveredError`` for a date
        the source cannot answer for, ``SourceError`` subclasses for other failures.
        """
        ...

    def score_timeline(self, game: GameRecord) -> ScoreTimeline:
        """Score after every change of score, overtime included.

        Raises ``GameDataError`` when the game's play-by-play is missing or incomplete.
        """
        ...

    def season_results(self, season: Season) -> Sequence[GameResult]:
        """Every completed regular-season, play-in and playoff game of ``season`` known to the
        source, in date order.  Used for standings and head-to-head history."""
        ...
