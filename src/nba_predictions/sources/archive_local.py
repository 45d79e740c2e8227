"""The local archive's writer: what the live sources collected, in the bundled archive's format.

``NBA_ARCHIVE_DIR/archive.sqlite`` (default ``data/archive/``) has the bundled archive's tables
(:data:`~nba_predictions.sources.archive_rows.SCHEMA`: ``games``, ``timelines``, ``meta``) and its
encoding, so :class:`~nba_predictions.sources.archive.ArchiveSource` reads both files the same way.
It is written by the runs, never by a source: the one-date run and the backfill after a live
source (cdn, nba_api) has collected a date, and ``nba-predictions archive update``
(:mod:`nba_predictions.runs.archive_update`).  Each :meth:`LocalArchive.write` is one SQLite
transaction: a crash (SIGKILL, power) leaves every game it wrote whole or absent, never half a
game, and a date marked whole (``meta`` key ``day:YYYY-MM-DD``) only with all of its games.  The
file itself is created all or nothing (a temporary file with the schema, then linked into place).

What a row holds: the game as the source listed it (teams, final score, attendance; the box
score's lead changes and times tied as ``official_*``), ``neutral_site`` 0 (the live sources do
not say), ``timeline_status`` ``ok`` and the score timeline in tenths of a second (the CDN's
clock has tenths; the bundled 2013-2025 play-by-play whole seconds), with the timeline's
``player_lines`` when the source gave them (NULL otherwise).  A file of another format version
(:data:`~nba_predictions.sources.archive_rows.FORMAT_VERSION`) is never written to: the write
fails with :class:`ArchiveWriteError` saying to move it away.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from nba_predictions.core.domain import GameRecord, ScoreTimeline
from nba_predictions.core.season import Season, season_type_of_game_id
from nba_predictions.errors import ArchiveWriteError
from nba_predictions.sources.archive_db import DAY_KEY, GAME_COLUMNS, local_archive_path
from nba_predictions.sources.archive_rows import FORMAT_VERSION, SCHEMA, encode_events, encode_lines

logger = logging.getLogger(__name__)

BUSY_SECONDS = 30.0
"""How long a write waits for another process's transaction on the same file."""

_SUMMARY = (
    "SELECT min(date), max(date), count(*), "
    "(SELECT min(date) FROM games WHERE timeline_status = 'ok'), "
    "(SELECT max(date) FROM games WHERE timeline_status = 'ok'), "
    "(SELECT count(*) FROM timelines) FROM games"
)


def game_row(record: GameRecord) -> tuple[object, ...]:
    """The ``games`` row of a game with a usable timeline, in :data:`GAME_COLUMNS` order."""
    values = {
        "game_id": record.game_id,
        "date": record.date.isoformat(),
        "season": Season.of_game_id(record.game_id).start_year,
        "season_type": season_type_of_game_id(record.game_id),
        "home_team_id": record.home_team_id,
        "away_team_id": record.away_team_id,
        "home_abbr": record.home_team_abbreviation,
        "away_abbr": record.away_team_abbreviation,
        "home_score": record.home_team_score,
        "away_score": record.away_team_score,
        "neutral_site": 0,
        "attendance": record.attendance,
        "official_lead_changes": record.lead_changes,
        "official_times_tied": record.times_tied,
        "timeline_status": "ok",
    }
    return tuple(values[column] for column in GAME_COLUMNS)


class LocalArchive:
    """The local archive in ``directory`` (``NBA_ARCHIVE_DIR``); see the module doc."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.path = local_archive_path(directory)

    def _create(self) -> None:
        """Make the file whole or not at all: the schema in a temporary file, linked into place
        (another process that made it first wins; its file is kept)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".archive.", suffix=".tmp", dir=self.directory)
        os.close(fd)
        try:
            con = sqlite3.connect(tmp)
            try:
                con.executescript(SCHEMA)
                meta = {"format_version": FORMAT_VERSION, "known_gaps": "[]", "written_by": "nba-predictions (local)"}
                con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
                con.commit()
            finally:
                con.close()
            with contextlib.suppress(FileExistsError):  # made by another process meanwhile: its file stays
                os.link(tmp, self.path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        logger.info("created the local archive %s", self.path)

    def _connect(self) -> sqlite3.Connection:
        if not self.path.is_file():
            self._create()
        con = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone()
            if (row[0] if row else None) != FORMAT_VERSION:
                raise ArchiveWriteError(
                    f"local archive {self.path} has format version {row[0] if row else None}, this package "
                    f"writes version {FORMAT_VERSION}: nothing was written; move it away and fill it again"
                )
            con.execute("PRAGMA synchronous = FULL")
        except BaseException:
            con.close()
            raise
        return con

    def write(
        self, games: Sequence[tuple[GameRecord, ScoreTimeline]], *, whole_day: date | None = None, source: str = ""
    ) -> None:
        """Store ``games`` (each with its usable timeline) in one transaction; ``whole_day``: they
        are every game ``source`` listed on that date (it is then covered: ``archive`` serves it).
        A game already stored is replaced.  Raises :class:`ArchiveWriteError` (nothing written)."""
        if not games and whole_day is None:
            return
        columns = ", ".join(GAME_COLUMNS)
        marks = ", ".join("?" * len(GAME_COLUMNS))
        try:
            rows = [game_row(record) for record, _ in games]
            timelines = [
                (r.game_id, t.periods, len(t.events), encode_events(t.events), encode_lines(t.player_lines))
                for r, t in games
            ]
            con = self._connect()
        except (OSError, sqlite3.Error, ValueError) as exc:
            raise ArchiveWriteError(
                f"local archive {self.path}: cannot store games ({exc}); nothing was written, check NBA_ARCHIVE_DIR"
            ) from exc
        try:
            con.execute("BEGIN IMMEDIATE")
            con.executemany(f"INSERT OR REPLACE INTO games ({columns}) VALUES ({marks})", rows)
            con.executemany("INSERT OR REPLACE INTO timelines VALUES (?, ?, ?, ?, ?)", timelines)
            meta = {}
            if whole_day is not None:
                meta[f"{DAY_KEY}{whole_day.isoformat()}"] = json.dumps({"games": len(games), "source": source})
            first, last, count, first_tl, last_tl, n_timelines = con.execute(_SUMMARY).fetchone()
            if count:
                meta.update(first_result_date=first, last_result_date=last, games=str(count))
                meta.update(first_timeline_date=first_tl, last_timeline_date=last_tl, timelines=str(n_timelines))
            con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", sorted(meta.items()))
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise ArchiveWriteError(
                f"local archive {self.path}: cannot store games ({exc}); nothing was written, check NBA_ARCHIVE_DIR"
            ) from exc
        finally:
            con.close()
        logger.debug("local archive: stored %d games%s", len(games), f" ({whole_day}, whole)" if whole_day else "")
