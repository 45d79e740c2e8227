"""The offline archive: the embedded default source (the bundled file and the local archive).

The bundled file, ``nba_predictions/data/archive.sqlite``, is built by ``scripts/build_archive.py`` from real NBA
data (provenance, coverage and caveats in ``data/README.md``).  It holds the result of every game
from 1996-97 to the 2026 Finals (2026-06-13) and the score timeline of every game with play-by-play (2013-14 to
2025-12-07), with its ``player_lines`` (each side's leading lines; format 2, see ``data/README.md``).
The file is opened read-only and lazily, on the first query; a query for one date reads a few
index pages, never the whole archive.

Collectable dates are those between the first and the last date with play-by-play.  Outside that
range ``completed_games`` raises :class:`DateNotCoveredError`; an in-range date without games
(off day, All-Star break, the 2020 suspension, the off-season) returns ``[]``.  A game without a
usable timeline (play-in games, a truncated play-by-play) is still listed; its
``score_timeline`` raises :class:`UnrateableGameError` saying why (so does a timeline the archive
holds that is not the complete timeline of its game: overtime from a score that was not level),
and its ``lead_changes`` /
``times_tied`` are the official box-score values where the archive has them, otherwise the
counts of the partial timeline, otherwise 0.

A date costs one query and one timeline decode per game: ``completed_games`` reads the games and
their timelines together (it needs the timelines for the lead-change counts) and keeps the
decoded timelines of the last few dates' games, so the collection step's ``score_timeline``
call for each of them runs no query at all.  ``score_timeline`` given a
:class:`~nba_predictions.core.domain.GameRecord` checks that the archive's game of that id was played
on the same date by the same teams: a document's game id that belongs to another game is an
error, never another game's timeline.

The local archive (``NBA_ARCHIVE_DIR``, the same format, written by the runs from what a live
source collected: :mod:`.archive_local`) is read together with the bundled file, and adds the
dates it holds whole (:mod:`.archive_db` says which file wins a game both hold).  The class is
three layers: :class:`~.archive_db.ArchiveDatabase` (the files, their meta and coverage),
:class:`~.archive_reader.ArchiveReader` (bulk reads: ranges, seasons, results) and
:class:`ArchiveSource` (one date, one game).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from nba_predictions.core.domain import GameRecord, ScoreTimeline
from nba_predictions.errors import GameDataError, UnrateableGameError
from nba_predictions.features.game import check_timeline
from nba_predictions.sources.archive_db import ARCHIVE_FILE, default_archive_path, local_archive_path
from nba_predictions.sources.archive_reader import ArchiveReader

__all__ = ["ARCHIVE_FILE", "ArchiveSource", "default_archive_path", "local_archive_path"]

logger = logging.getLogger(__name__)

_RECENT_GAMES = 64
"""How many collected games keep their decoded timeline in the source (a date has at most 15)."""


class ArchiveSource(ArchiveReader):
    """The archives behind the :class:`~nba_predictions.sources.base.Source` protocol: the bundled
    file (``path``; None = the packaged one) and the local archive in ``local_dir`` (None = none)."""

    name = "archive"

    def __init__(self, path: str | Path | None = None, local_dir: str | Path | None = None) -> None:
        super().__init__(path, local_dir)
        # game id -> (record, usable timeline or None): the games of the last few collected dates.
        self._recent: OrderedDict[str, tuple[GameRecord, ScoreTimeline | None]] = OrderedDict()
        self._recent_lock = threading.Lock()

    def __enter__(self) -> ArchiveSource:
        return self

    def completed_games(self, day: date) -> list[GameRecord]:
        """Completed games of ``day`` in game-id order; ``[]`` for an in-range day without games."""
        self._check_covered(day)
        games = self._games(self._rows("WHERE date = ? ORDER BY game_id", (day.isoformat(),)))
        self._remember(games)
        logger.debug("archive: %d games on %s", len(games), day)
        return [record for record, _ in games]

    def _remember(self, games: Sequence[tuple[GameRecord, ScoreTimeline | None]]) -> None:
        with self._recent_lock:
            for record, timeline in games:
                self._recent[record.game_id] = (record, timeline)
                self._recent.move_to_end(record.game_id)
            while len(self._recent) > _RECENT_GAMES:
                self._recent.popitem(last=False)

    def _recalled(self, game_id: str) -> tuple[GameRecord, ScoreTimeline | None] | None:
        with self._recent_lock:
            return self._recent.get(game_id)

    def score_timeline(self, game: GameRecord | str) -> ScoreTimeline:
        """Score after every change of score.  Raises ``UnrateableGameError`` for a game without a
        usable timeline (no play-by-play, or truncated or inconsistent play-by-play: the archive
        can never rate it), ``GameDataError``, given a
        :class:`GameRecord`, for a game id whose archive game has another date or other teams.

        The games of the last few dates :meth:`completed_games` listed are answered from memory;
        any other game costs one query.
        """
        game_id = game if isinstance(game, str) else game.game_id
        found = self._recalled(game_id)
        if found is None:
            games = self._games(self._rows("WHERE game_id = ?", (game_id,)))
            if not games:
                raise GameDataError(game_id, "not in the offline archive; try --source nba_api")
            found = games[0]
        archived, timeline = found
        if isinstance(game, GameRecord):
            _check_same_game(game, archived)
        if timeline is None:
            raise UnrateableGameError(game_id, self.timeline_problems([game_id])[game_id])
        try:
            check_timeline(archived, timeline)
        except GameDataError as exc:  # recorded as it is in the archive: no run here can rate it
            raise UnrateableGameError(
                game_id, f"the archive's play-by-play is inconsistent ({exc.detail}); try --source nba_api"
            ) from None
        return timeline


def _check_same_game(asked: GameRecord, archived: GameRecord) -> None:
    """Raise ``GameDataError`` unless ``archived`` (the archive's game of that id) has ``asked``'s
    date and teams: a wrong or made-up game id must not bring another game's timeline."""
    same_teams = (asked.home_team_id, asked.away_team_id) == (archived.home_team_id, archived.away_team_id)
    if asked.date != archived.date or not same_teams:
        raise GameDataError(
            asked.game_id,
            f"in the offline archive this game id is {archived.home_team_abbreviation} vs "
            f"{archived.away_team_abbreviation} on {archived.date}, not {asked.home_team_abbreviation} vs "
            f"{asked.away_team_abbreviation} on {asked.date}: check the document's game_id, date and teams, "
            "or collect this date with --source nba_api",
        )
