"""The whole-range pass over the archive's rows: collection and features without a Python object per event.

:func:`archive_features` takes the archive's typed rows of some dates (one bulk read, see
:meth:`~nba_predictions.sources.archive.ArchiveSource.rows_by_day`), decodes every timeline into
flat numpy arrays at once, checks them on whole columns, and hands records, contexts (one
:class:`~nba_predictions.features.history.History`) and timelines to the features package's one
entry point, :func:`~nba_predictions.features.matrix.compute_features`: the values of the one-date
steps, game for game (``tests/integration/test_backfill.py`` compares them).

It applies the one-date steps' checks: the input rules (:mod:`nba_predictions.documents.rules`) game by
game, the timeline and feature checks on whole columns.  A game that breaks a rule or has no
usable timeline is reported as the collection step reports it; a date with anything else the
checks catch (an unreadable or inconsistent timeline, a feature out of range, a team the history
cannot place) is handed back in ``recheck``, for the caller to run through the one-date step
functions, so its outcome (games, failures, reasons) is exactly a one-date run's.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from nba_predictions.core.domain import GameContext, GameRecord
from nba_predictions.documents.models import ALL_FEATURES, SkippedGame
from nba_predictions.documents.rules import screen_records
from nba_predictions.errors import GameDataError, PipelineError, UnrateableGameError
from nba_predictions.features.events import EventArrays
from nba_predictions.features.game import check_timeline
from nba_predictions.features.matrix import compute_features
from nba_predictions.features.timeline import timeline_columns
from nba_predictions.sources.archive_rows import ArchiveRow, decode_event_arrays, decode_lines

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from nba_predictions.features.history import History


@dataclass
class ArchiveFeatures:
    """The outcome of :func:`archive_features`: rated-ready games, reported ones, dates to recheck."""

    records: list[GameRecord]
    matrix: np.ndarray  # row i: the features of records[i] (columns ALL_FEATURES)
    failed: list[tuple[date, SkippedGame]] = field(default_factory=list)  # games without a usable timeline
    recheck: set[date] = field(default_factory=set)  # dates to run through the one-date steps


def archive_features(rows: Sequence[ArchiveRow], history: History) -> ArchiveFeatures:
    """Features of the games of ``rows`` (archive rows in date, game id order); see the module doc."""
    import numpy as np

    failed: list[tuple[date, SkippedGame]] = []
    recheck: set[date] = set()
    usable: list[ArchiveRow] = []
    for row in rows:
        if row.has_timeline:
            usable.append(row)
        elif row.timeline_status in ("truncated", "missing"):  # the few without a timeline: as collection reports them
            _, refused = screen_records([row.record(*row.counts_without_timeline())], "collection", target_date=row.day)
            # An input rule broken is a failure; otherwise the archive knows it cannot rate the game.
            game = refused[0] if refused else _unrateable(row)
            failed.append((row.day, game))
        else:
            recheck.add(row.day)
    try:
        times, home, away, counts = decode_event_arrays([row.events for row in usable if row.events is not None])
    except zlib.error:  # which game's blob is unreadable: the one-date steps say
        recheck.update(row.day for row in usable)
        return ArchiveFeatures([], np.zeros((0, len(ALL_FEATURES))), failed, recheck)
    periods = np.fromiter((row.periods or 0 for row in usable), dtype=np.int64, count=len(usable))
    events = EventArrays.from_events(times, home, away, counts, periods)
    good = _consistent(events, usable)
    columns = timeline_columns(events)  # once: the records' lead-change counts, then the features

    records: list[GameRecord] = []
    contexts: list[GameContext] = []
    kept: list[int] = []
    for i, row in enumerate(usable):
        day = row.day
        if day in recheck:
            continue
        try:
            record = row.record(int(columns["lead_changes"][i]), int(columns["times_tied"][i]))
        except ValueError:  # an archive row the record model refuses: the one-date steps say what
            recheck.add(day)
            continue
        _, refused = screen_records([record], "collection", target_date=day)
        if refused:  # the input rules, as the collection step applies them
            failed.append((day, refused[0]))
            continue
        if not good[i]:
            recheck.add(day)
            continue
        try:
            contexts.append(history.context(record))
        except (PipelineError, ValueError, KeyError):  # the one-date steps give the exact outcome
            recheck.add(day)
            continue
        records.append(record)
        kept.append(i)
    # Each row's players' lines (format 2), as the one-date steps read them with its timeline.
    lines = []
    for i in kept:
        try:
            lines.append(decode_lines(usable[i].player_lines))
        except (ValueError, struct.error):  # a bad side, a cut blob: the one-date steps say which game
            recheck.add(usable[i].day)
            lines.append(None)
    computed = compute_features(records, contexts, columns.take(kept), player_lines=lines)
    recheck.update(records[i].date for i in computed.problems)  # a feature out of range
    keep = [j for j, i in enumerate(computed.kept) if records[i].date not in recheck]
    return ArchiveFeatures(
        [records[computed.kept[j]] for j in keep],
        np.asarray(computed.rows)[keep],
        [(day, game) for day, game in failed if day not in recheck],
        recheck,
    )


def _unrateable(row: ArchiveRow) -> SkippedGame:
    """A game without a usable timeline, as the collection step reports it: not rateable."""
    reason = str(UnrateableGameError(row.game_id, row.problem()))
    return SkippedGame(game_id=row.game_id, step="collection", reason=reason, rateable=False)


def _consistent(events: EventArrays, rows: Sequence[ArchiveRow]) -> np.ndarray:
    """Per game: a valid timeline that passes :func:`nba_predictions.features.game.check_timeline`
    for its row (whole columns; the per-period check of overtime games one by one, they are few)."""
    import numpy as np

    n = len(events)
    if not n:
        return np.zeros(0, dtype=bool)
    latest = np.maximum.reduceat(events.times, events.starts)
    home, away = events.final_scores()
    scores = np.array([(row.home_score, row.away_score) for row in rows], dtype=np.int64).reshape(-1, 2)
    good = (
        (events.periods >= 4)
        & (events.periods <= 10)
        & (latest <= events.lengths)
        & (events.sizes > 1)
        & (home == scores[:, 0])
        & (away == scores[:, 1])
        & (scores[:, 0] != scores[:, 1])
    )
    for i in map(int, np.flatnonzero(good & (events.periods > 4))):
        record = GameRecord.model_construct(
            game_id=rows[i].game_id, home_team_score=int(scores[i, 0]), away_team_score=int(scores[i, 1])
        )
        try:
            check_timeline(record, events.timeline(i))
        except GameDataError:
            good[i] = False
    return good
