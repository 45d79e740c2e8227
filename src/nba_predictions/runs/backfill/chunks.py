"""A range's dates in chunks of about ``chunk_games`` games, with the archive's rows of each date.

The archive's rows for the whole range come from one query, read as the chunks are; the games
already stored with a rating are left out (counted as skipped).  A live date weighs a guess of
8 games: its games are listed only when its chunk runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from nba_predictions.runs.backfill.state import Day, RangeState
from nba_predictions.sources.registry import Route

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.sources.archive import ArchiveSource

LIVE_DATE_WEIGHT = 8  # games a live date is taken to have, for the chunk sizes


def chunks(state: RangeState, plan: Sequence[Route], archive: ArchiveSource | None) -> Iterator[list[Day]]:
    """The dates of ``plan`` in chunks, each date added to ``state.days`` as it is reached."""
    archive_days = [r.day for r in plan if r.source == "archive"]
    rows = archive.rows_by_day(archive_days[0], archive_days[-1]) if archive and archive_days else iter(())
    pending = next(rows, None)
    chunk: list[Day] = []
    weight = 0
    for route in plan:
        day = Day.of(route)
        state.days.append(day)
        if route.source == "archive":
            while pending is not None and pending[0] < route.day:
                pending = next(rows, None)
            if pending is not None and pending[0] == route.day:
                day.report.found = len(pending[1])
                day.rows = [row for row in pending[1] if row.game_id not in state.stored]
                day.report.skipped = day.report.found - len(day.rows)
                pending = next(rows, None)
            weight += len(day.rows)
        elif route.source is not None:
            weight += LIVE_DATE_WEIGHT
        chunk.append(day)
        if weight >= state.chunk_games:
            yield chunk
            chunk, weight = [], 0
    if chunk:
        yield chunk
