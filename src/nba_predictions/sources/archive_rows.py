"""The offline archive's format: schema, games query, event and player-line blobs, records, missing-timeline reasons.

Shared by :class:`~nba_predictions.sources.archive.ArchiveSource` (one date, one game), the
backfill's bulk read (:class:`ArchiveRow`, typed rows; :func:`decode_event_arrays` and
:func:`decode_line_arrays`, a whole range's timelines and player lines at once) and the local
archive's writer (:data:`SCHEMA`, :data:`FORMAT_VERSION`, :func:`encode_events`,
:func:`encode_lines`, the same format as ``scripts/build_archive.py`` writes: a test keeps the two
schemas equal).  Standard library only, except :func:`decode_event_arrays` and
:func:`decode_line_arrays`, which import numpy when called.
"""

from __future__ import annotations

import datetime
import struct
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

from nba_predictions.core.domain import GameRecord, LeaderLine, ScoreTimeline
from nba_predictions.core.scoring import lead_changes_and_times_tied
from nba_predictions.core.season import Season

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

FORMAT_VERSION = "2"
"""The archive files' format (``meta.format_version``), bundled and local: the readers refuse a file
of another version.  2 added ``timelines.player_lines``; 1 had none."""

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE games (
    game_id TEXT PRIMARY KEY,
    date TEXT NOT NULL,                -- YYYY-MM-DD, US Eastern
    season INTEGER NOT NULL,           -- start year: 2023 = 2023-24
    season_type TEXT NOT NULL,         -- Regular Season | Playoffs | Play-In | NBA Cup Final
    home_team_id INTEGER NOT NULL,
    away_team_id INTEGER NOT NULL,
    home_abbr TEXT NOT NULL,           -- abbreviation in use at the time (NJN, SEA, ...)
    away_abbr TEXT NOT NULL,
    home_score INTEGER NOT NULL,
    away_score INTEGER NOT NULL,
    neutral_site INTEGER NOT NULL,     -- 1 = known neutral site, 0 = not flagged
    attendance INTEGER,                -- NULL where unknown
    official_lead_changes INTEGER,     -- the box score's, NULL where absent
    official_times_tied INTEGER,
    timeline_status TEXT NOT NULL      -- ok | truncated | missing
) WITHOUT ROWID;
CREATE INDEX games_date ON games (date);
CREATE INDEX games_season ON games (season, date);
CREATE TABLE timelines (
    game_id TEXT PRIMARY KEY,
    periods INTEGER NOT NULL,
    n_events INTEGER NOT NULL,
    events BLOB NOT NULL,              -- zlib(<HBB per event: dt deciseconds, home pts, away pts>)
    player_lines BLOB                  -- <BBBB per leading line: side (0 home, 1 away), pts, reb, ast>; NULL unknown
) WITHOUT ROWID;
"""
"""The tables of an archive file, bundled or local (``scripts/build_archive.py`` has the same)."""

EVENT = struct.Struct("<HBB")
"""One event of a timeline blob: seconds since the previous event (in tenths), home and away points scored."""

LINE = struct.Struct("<BBBB")
"""One leading player line of a ``player_lines`` blob: side (0 home, 1 away), points, rebounds, assists."""
SIDES: tuple[Literal["home"], Literal["away"]] = ("home", "away")


class ArchiveRow(NamedTuple):
    """One game of the archive and its timeline blob (``periods``, ``events``: NULL without one), by
    name: the readers select these columns in this order
    (:func:`~nba_predictions.sources.archive_db.select_games`); everything else reads them by name.
    """

    game_id: str
    date: str  # ISO date (US Eastern)
    season: int  # the season's start year
    season_type: str
    home_team_id: int
    away_team_id: int
    home_abbr: str
    away_abbr: str
    home_score: int
    away_score: int
    attendance: int | None
    official_lead_changes: int | None
    official_times_tied: int | None
    timeline_status: str  # ok, truncated or missing
    periods: int | None  # NULL without a timeline
    events: bytes | None
    player_lines: bytes | None  # NULL without a timeline or where the play-by-play's lines are unknown

    @property
    def day(self) -> datetime.date:
        return datetime.date.fromisoformat(self.date)

    @property
    def has_timeline(self) -> bool:
        """A usable timeline (it reaches the final score)."""
        return self.timeline_status == "ok" and self.events is not None

    def record(self, lead_changes: int, times_tied: int) -> GameRecord:
        """The :class:`GameRecord` of this row with these lead-change counts."""
        return GameRecord(
            game_id=self.game_id,
            date=self.day,
            home_team_id=self.home_team_id,
            away_team_id=self.away_team_id,
            home_team_abbreviation=self.home_abbr,
            away_team_abbreviation=self.away_abbr,
            season_id=Season(self.season).season_id(self.season_type),
            home_team_score=self.home_score,
            away_team_score=self.away_score,
            lead_changes=lead_changes,
            times_tied=times_tied,
            game_status="Final",
            attendance=self.attendance,
        )

    def counts_without_timeline(self) -> tuple[int, int]:
        """(lead changes, times tied) of a game without a usable timeline: the official box-score
        values where the archive has them, otherwise the counts of the partial timeline, otherwise 0."""
        if self.official_lead_changes is not None and self.official_times_tied is not None:
            return self.official_lead_changes, self.official_times_tied
        if self.periods is not None and self.events is not None:
            partial = ScoreTimeline.model_construct(periods=self.periods, events=decode_events(self.events))
            return lead_changes_and_times_tied(partial)
        return 0, 0

    def problem(self) -> str:
        """Why this row's game has no usable timeline (for a ``truncated`` or ``missing`` one)."""
        return problem_for(self.timeline_status, self.season_type)


_MISSING_REASONS = {
    "Play-In": "the archive has no play-by-play for play-in games",
    "Playoffs": "the archive has no play-by-play for this playoff game",
    "Regular Season": "the archive has no play-by-play for this game",
    "NBA Cup Final": "the archive has no play-by-play for this game",
}


def decode_events(blob: bytes) -> list[tuple[float, int, int]]:
    """Inverse of the build script's ``encode_events``: absolute ``(seconds, home, away)``."""
    out: list[tuple[float, int, int]] = []
    t = h = a = 0
    for dt, dh, da in EVENT.iter_unpack(zlib.decompress(blob)):
        t += dt
        h += dh
        a += da
        out.append((t / 10, h, a))
    return out


def encode_events(events: Sequence[tuple[float, int, int]]) -> bytes:
    """Inverse of :func:`decode_events` (the build script's ``encode_events`` for absolute
    ``(seconds, home, away)``): zlib of one ``<HBB`` record per event, the time since the
    previous event in tenths of a second and the points each side scored since it.  Raises
    ``ValueError`` for a timeline that goes back or an event that does not fit a record."""
    buf = bytearray()
    pt = ph = pa = 0
    for seconds, home, away in events:
        t = round(seconds * 10)
        try:
            buf += EVENT.pack(t - pt, home - ph, away - pa)
        except struct.error as exc:
            raise ValueError(f"event at {seconds} s ({home}-{away}) cannot be stored: {exc}") from None
        pt, ph, pa = t, home, away
    return zlib.compress(bytes(buf), 9)


def encode_lines(lines: Sequence[LeaderLine] | None) -> bytes | None:
    """A timeline's ``player_lines`` as stored: one ``<BBBB`` record per line (side 0 home / 1
    away, points, rebounds, assists), in the list's order; ``None`` (unknown) stays NULL, ``[]``
    is an empty blob.  Raises ``ValueError`` for a count that does not fit a byte."""
    if lines is None:
        return None
    buf = bytearray()
    for line in lines:
        try:
            buf += LINE.pack(SIDES.index(line.side), line.points, line.rebounds, line.assists)
        except struct.error as exc:
            raise ValueError(f"player line {line} cannot be stored: {exc}") from None
    return bytes(buf)


def decode_lines(blob: bytes | None) -> list[LeaderLine] | None:
    """Inverse of :func:`encode_lines` (a side other than 0 or 1 raises ``ValueError``)."""
    if blob is None:
        return None
    lines = []
    for side, points, rebounds, assists in LINE.iter_unpack(blob):
        if side > 1:
            raise ValueError(f"player line side {side} is neither 0 (home) nor 1 (away)")
        lines.append(LeaderLine(side=SIDES[side], points=points, rebounds=rebounds, assists=assists))
    return lines


def decode_line_arrays(
    blobs: Sequence[bytes | None],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Many ``player_lines`` blobs at once: ``(game, home, points, rebounds, assists, known)``.

    Line ``j`` is game ``game[j]``'s (the index of its blob in ``blobs``), of the home side when
    ``home[j]`` (the arguments of :func:`nba_predictions.features.performance.performance_columns`);
    ``known[i]``: game ``i``'s lines are known (its blob is not NULL).  The same lines as
    :func:`decode_lines` game by game, without a Python object per line.
    """
    import numpy as np

    known = np.fromiter((blob is not None for blob in blobs), dtype=bool, count=len(blobs))
    sizes = np.fromiter((len(blob or b"") // LINE.size for blob in blobs), dtype=np.int64, count=len(blobs))
    packed = np.frombuffer(b"".join(blob or b"" for blob in blobs), dtype=np.uint8).reshape(-1, LINE.size)
    game = np.repeat(np.arange(len(blobs), dtype=np.int64), sizes)
    columns = packed.astype(np.int64)
    return game, columns[:, 0] == 0, columns[:, 1], columns[:, 2], columns[:, 3], known


def decode_event_arrays(blobs: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Many timeline blobs at once: ``(seconds, home, away, events per game)`` as flat numpy arrays.

    The same values as :func:`decode_events` game by game (times are the running sum of tenths
    divided by 10, as there), without a Python object per event.
    """
    import numpy as np

    raw = [zlib.decompress(blob) for blob in blobs]
    sizes = np.fromiter((len(r) // EVENT.size for r in raw), dtype=np.int64, count=len(raw))
    packed = np.frombuffer(b"".join(raw), dtype=np.dtype([("t", "<u2"), ("h", "u1"), ("a", "u1")]))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])) if raw else np.zeros(0, dtype=np.int64)
    columns = []
    for name in ("t", "h", "a"):
        running = np.cumsum(packed[name], dtype=np.int64)
        # Restart the running sum at every game: subtract the sum of the games before it.
        before = np.concatenate(([0], running))[starts]
        columns.append(running - np.repeat(before, sizes))
    return columns[0] / 10, columns[1], columns[2], sizes


def problem_for(timeline_status: str, season_type: str) -> str:
    """Why a game of this ``timeline_status`` (``truncated`` or ``missing``) has no usable timeline."""
    if timeline_status == "truncated":
        return "the archive's play-by-play is truncated (it does not reach the final score); try --source nba_api"
    return f"{_MISSING_REASONS[season_type]}; try --source nba_api"
