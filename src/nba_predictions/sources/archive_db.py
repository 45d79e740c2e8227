"""The archives' files, read together: the bundled one and the local one, one connection, one view.

The bundled archive (``nba_predictions/data/archive.sqlite``, or ``NBA_BUNDLED_ARCHIVE``) is opened
read-only on the first query; the local archive (``NBA_ARCHIVE_DIR/archive.sqlite``, written by
:mod:`.archive_local`), when there is one, is attached to the same connection, read-only.  Every
query of the readers goes through one temporary view, ``archive_games``: each game of either file
with its timeline, once, and which file it comes from (``origin``: ``bundled`` or ``local``).  A
game in both files is the bundled one's (the build's inputs are checked against independent
results, see ``data/README.md``), unless the bundled one has no usable timeline and the local one
has: then the local one's, which can be rated.

Coverage (:class:`ArchiveDatabase`'s ``covers``): a date the bundled archive covers (its
play-by-play range minus its known gaps) or one the local archive holds whole (every game its live
source listed that day was stored: ``meta`` keys ``day:YYYY-MM-DD``; a date only partly stored is
not covered, so it is never rated from part of its games).  The local archive's meta is read once
per connection: games written later in the same run are seen by the next run.

Both files must be of this package's format (``meta.format_version``,
:data:`~nba_predictions.sources.archive_rows.FORMAT_VERSION`): the first query refuses a file of
another version with one line saying what to do (rebuild or reinstall the bundled file; move the
local one away and fill it again).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from datetime import date
from importlib import resources
from pathlib import Path

from nba_predictions.errors import DateNotCoveredError, SourceError
from nba_predictions.sources.archive_rows import FORMAT_VERSION, ArchiveRow

logger = logging.getLogger(__name__)

ARCHIVE_FILE = "archive.sqlite"
DAY_KEY = "day:"
"""Prefix of the local archive's meta keys that mark a date stored whole (``day:2026-11-03``)."""

_COLUMNS = (*ArchiveRow._fields, "neutral_site")
_TIMELINE_COLUMNS = ("periods", "events", "player_lines")
_GAME_COLUMNS = [c for c in _COLUMNS if c not in _TIMELINE_COLUMNS]


def default_archive_path() -> Path:
    """Where the packaged archive lives (inside the installed package)."""
    return Path(str(resources.files("nba_predictions").joinpath("data").joinpath(ARCHIVE_FILE)))


def local_archive_path(directory: str | Path) -> Path:
    """The local archive's file in ``directory`` (``NBA_ARCHIVE_DIR``)."""
    return Path(directory) / ARCHIVE_FILE


def _arm(db: str, other: str | None) -> str:
    """One file's games for the ``archive_games`` view: those the other file does not win."""
    columns = ", ".join(f"t.{c}" if c in _TIMELINE_COLUMNS else f"g.{c}" for c in _COLUMNS)
    origin = "bundled" if db == "main" else "local"
    arm = (
        f"SELECT {columns}, '{origin}' AS origin FROM {db}.games g LEFT JOIN {db}.timelines t ON t.game_id = g.game_id"
    )
    if other is None:
        return arm
    if db == "main":  # the bundled game, unless only the local one has a usable timeline
        beaten = "g.timeline_status != 'ok' AND o.timeline_status = 'ok'"
    else:  # the local game, where the bundled one has none or has no usable timeline and it has
        beaten = "NOT (o.timeline_status != 'ok' AND g.timeline_status = 'ok')"
    return f"{arm} WHERE NOT EXISTS (SELECT 1 FROM {other}.games o WHERE o.game_id = g.game_id AND {beaten})"


class ArchiveDatabase:
    """The connection to the bundled archive (``path``; None = the packaged one) and the local one
    (``local_dir``; None = none), their meta and their coverage.  Thread-safe to share."""

    def __init__(self, path: str | Path | None = None, local_dir: str | Path | None = None) -> None:
        self._path = Path(path) if path is not None else None
        self.local_path = local_archive_path(local_dir) if local_dir is not None else None
        self._con: sqlite3.Connection | None = None
        self._meta: dict[str, str] | None = None
        self._local_meta: dict[str, str] = {}
        self._local_attached = False  # the local archive existed when the connection was opened
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else default_archive_path()

    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            with self._lock:
                if self._con is None:
                    self._con = self._open()
        return self._con

    def _open(self) -> sqlite3.Connection:
        path = self.path
        if not path.is_file():
            raise SourceError(
                f"offline archive {path} is missing: reinstall the package or rebuild it with scripts/build_archive.py"
            )
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        local = self.local_path if self.local_path is not None and self.local_path.is_file() else None
        try:
            remedy = "reinstall the package or rebuild it with scripts/build_archive.py"
            _check_version(con, "main", f"offline archive {path}", remedy)
        except sqlite3.Error as exc:
            con.close()
            raise SourceError(f"offline archive {path} could not be read ({exc}): rebuild it") from exc
        except SourceError:
            con.close()
            raise
        try:
            self._local_meta = _attach_local(con, local)
        except SourceError:
            con.close()
            raise
        except sqlite3.Error as exc:
            con.close()
            which = f"local archive {local}" if local is not None else f"offline archive {path}"
            raise SourceError(f"{which} could not be read ({exc}): move it away and fill it again") from exc
        self._local_attached = local is not None
        logger.debug("opened offline archive %s%s", path, f" with the local archive {local}" if local else "")
        return con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
            self._meta = None

    def __enter__(self) -> ArchiveDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise SourceError(f"offline archive {self.path} could not be read ({exc}): rebuild it") from exc

    def _cursor_batches(self, sql: str, params: Sequence[object], batch: int) -> Iterator[list[tuple]]:
        try:
            cursor = self._connection().execute(sql, params)
            while rows := cursor.fetchmany(batch):
                yield rows
        except sqlite3.Error as exc:
            raise SourceError(f"offline archive {self.path} could not be read ({exc}): rebuild it") from exc

    def meta(self) -> dict[str, str]:
        """The bundled archive's build metadata (coverage, known gaps, input commits, counts)."""
        if self._meta is None:
            self._meta = dict(self._query("SELECT key, value FROM main.meta"))
        return self._meta

    def local_days(self) -> dict[date, dict[str, object]]:
        """The dates the local archive holds whole: ``{date: {"games": n, "source": name}}``."""
        self._connection()
        return {
            date.fromisoformat(key.removeprefix(DAY_KEY)): json.loads(value)
            for key, value in self._local_meta.items()
            if key.startswith(DAY_KEY)
        }

    # --- coverage -------------------------------------------------------------------------

    def bundled_coverage(self) -> tuple[date, date]:
        """First and last date of the bundled archive's play-by-play."""
        m = self.meta()
        return date.fromisoformat(m["first_timeline_date"]), date.fromisoformat(m["last_timeline_date"])

    def coverage(self) -> tuple[date, date]:
        """First and last date whose games can be collected: the bundled archive's play-by-play
        range, widened to the dates the local archive holds (not every date between is covered)."""
        first, last = self.bundled_coverage()
        days = self.local_days()
        return (min(first, *days), max(last, *days)) if days else (first, last)

    def results_coverage(self) -> tuple[date, date]:
        """First and last date of the results used for standings and head-to-head (both files)."""
        m = self.meta()
        first, last = date.fromisoformat(m["first_result_date"]), date.fromisoformat(m["last_result_date"])
        if "last_result_date" in self._local_meta:
            last = max(last, date.fromisoformat(self._local_meta["last_result_date"]))
        return first, last

    def _gap(self, day: date) -> str | None:
        for gap in json.loads(self.meta()["known_gaps"]):
            if date.fromisoformat(gap["first"]) <= day <= date.fromisoformat(gap["last"]):
                return str(gap["reason"])
        return None

    def covers(self, day: date) -> bool:
        return self.uncovered_reason(day) is None

    def uncovered_reason(self, day: date) -> str | None:
        """Why :meth:`completed_games` cannot answer for ``day`` (without the date: "is outside the
        offline archive, which covers ..." or "falls in a known gap of the offline archive (...)"),
        or None when it can."""
        first, last = self.bundled_coverage()
        if not first <= day <= last:
            reason = f"is outside the offline archive, which covers {first} to {last}"
        elif (gap := self._gap(day)) is not None:
            reason = f"falls in a known gap of the offline archive ({gap})"
        else:
            return None
        self._connection()
        if not self._local_attached:  # no local archive (yet): the bundled archive's reason alone
            return reason
        if day in self.local_days():
            return None
        return f"{reason} (nor does the local archive {self.local_path} hold it)"

    def _check_covered(self, day: date) -> None:
        reason = self.uncovered_reason(day)
        if reason is not None:
            which = "this date" if reason.startswith("falls") else "other dates"
            raise DateNotCoveredError(f"{day} {reason}; use --source nba_api for {which}")


def _attach_local(con: sqlite3.Connection, local: Path | None) -> dict[str, str]:
    """Attach the local archive (when there is one) and create the ``archive_games`` view over
    both files; the local archive's meta ({} without one)."""
    meta: dict[str, str] = {}
    if local is not None:
        con.execute("ATTACH DATABASE ? AS local", (f"{local.resolve().as_uri()}?mode=ro",))
        meta = dict(con.execute("SELECT key, value FROM local.meta").fetchall())
        _check_version(con, "local", f"local archive {local}", "move it away and fill it again")
        view = f"{_arm('main', 'local')} UNION ALL {_arm('local', 'main')}"
    else:
        view = _arm("main", None)
    con.execute(f"CREATE TEMP VIEW archive_games AS {view}")
    return meta


def _check_version(con: sqlite3.Connection, db: str, which: str, remedy: str) -> None:
    """Raise :class:`SourceError` (one line) unless ``db``'s ``meta.format_version`` is this package's."""
    row = con.execute(f"SELECT value FROM {db}.meta WHERE key = 'format_version'").fetchone()
    version = row[0] if row else None
    if version != FORMAT_VERSION:
        raise SourceError(
            f"{which} has format version {version}, this package reads version {FORMAT_VERSION}: {remedy}"
        )


def select_games(where: str) -> str:
    """The ``archive_games`` view's rows in :class:`ArchiveRow`'s column order, ``where`` appended."""
    return f"SELECT {', '.join(ArchiveRow._fields)} FROM archive_games {where}"


GAME_COLUMNS = tuple(_GAME_COLUMNS)
"""The ``games`` table's columns, in its order (the local archive's writer inserts them)."""
