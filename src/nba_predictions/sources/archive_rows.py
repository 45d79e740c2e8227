"""The offline archive's row format: the games query, event blobs, records and missing-timeline reasons.

Shared by :class:`~nba_predictions.sources.archive.ArchiveSource` (one date, one game) and the
backfill's bulk read (:func:`decode_event_arrays`, a whole range at once).  Standard library only,
except :func:`decode_event_arrays`, which imports numpy when called.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from nba_predictions.core.domain import GameRecord
from nba_predictions.core.season import Season

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

EVENT = struct.Struct("<HBB")
"""One event of a timeline blob: seconds since the previous event (in tenths), home and away points scored."""

_GAME_COLUMNS = (
    "game_id, date, season, season_type, home_team_id, away_team_id, home_abbr, away_abbr, "
    "home_score, away_score, attendance, official_lead_changes, official_times_tied, timeline_status"
)
SELECT_GAMES = f"SELECT {_GAME_COLUMNS}, periods, events FROM games LEFT JOIN timelines USING (game_id)"
"""Every game column and the game's timeline (NULL, NULL without one): one query per date or range."""

ROW_FIELDS = (
    "game_id",
    "date",
    "season",
    "season_type",
    "home_team_id",
    "away_team_id",
    "home_abbr",
    "away_abbr",
    "home_score",
    "away_score",
    "attendance",
    "official_lead_changes",
    "official_times_tied",
    "timeline_status",
    "periods",
    "events",
)
"""The columns of a :data:`SELECT_GAMES` row, in order."""

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


def record_of(row: Sequence, lead_changes: int, times_tied: int) -> GameRecord:
    """The :class:`GameRecord` of a :data:`SELECT_GAMES` row with these lead-change counts."""
    gid, day, season, season_type, hid, aid, habbr, aabbr, hs, as_, att = row[:11]
    return GameRecord(
        game_id=gid,
        date=date.fromisoformat(day),
        home_team_id=hid,
        away_team_id=aid,
        home_team_abbreviation=habbr,
        away_team_abbreviation=aabbr,
        season_id=Season(season).season_id(season_type),
        home_team_score=hs,
        away_team_score=as_,
        lead_changes=lead_changes,
        times_tied=times_tied,
        game_status="Final",
        attendance=att,
    )


def problem_for(timeline_status: str, season_type: str) -> str:
    """Why a game of this ``timeline_status`` (``truncated`` or ``missing``) has no usable timeline."""
    if timeline_status == "truncated":
        return "the archive's play-by-play is truncated (it does not reach the final score); try --source nba_api"
    return f"{_MISSING_REASONS[season_type]}; try --source nba_api"
