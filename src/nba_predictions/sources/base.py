"""The one protocol every data source implements."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import date, timedelta
from typing import Protocol, runtime_checkable

from nba_predictions.core.domain import GameRecord, GameResult, ScoreTimeline
from nba_predictions.core.season import Season
from nba_predictions.errors import GameDataError


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

    def games_and_timelines(self, first: date, last: date) -> tuple[list[GameRecord], dict[str, ScoreTimeline]]:
        """The bulk read of a range: completed games from ``first`` to ``last`` in (date, game id)
        order, and ``{game_id: timeline}`` for those with a usable one (ask :meth:`score_timeline`
        why one has none).  Dates the source does not cover contribute nothing.

        The archive answers from one query; a source without a bulk read implements it date by date
        with :func:`games_and_timelines_by_date`.
        """
        ...


def games_and_timelines_by_date(
    source: Source, first: date, last: date
) -> tuple[list[GameRecord], dict[str, ScoreTimeline]]:
    """:meth:`Source.games_and_timelines` from the one-date methods: each covered date's games, and
    each game's timeline where it has a usable one."""
    records: list[GameRecord] = []
    timelines: dict[str, ScoreTimeline] = {}
    day = first
    while day <= last:
        if source.covers(day):
            for record in source.completed_games(day):
                records.append(record)
                with suppress(GameDataError):  # no usable timeline: score_timeline says why when asked again
                    timelines[record.game_id] = source.score_timeline(record)
        day += timedelta(days=1)
    return records, timelines
