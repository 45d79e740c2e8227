"""The whole-range pass over the archive's rows: collection and features without a Python object per event.

:func:`archive_features` takes the archive's rows of some dates (one bulk read, see
:meth:`~nba_predictions.sources.archive.ArchiveSource.range_rows`), decodes every timeline into
flat numpy arrays at once, computes the timeline features with
:func:`~nba_predictions.features.columns.event_feature_arrays`, the standings and head-to-head from
one :class:`~nba_predictions.features.history.History`, and the matrix with
:func:`~nba_predictions.features.columns.feature_matrix`: the values of the one-date steps, game for
game (``tests/integration/test_backfill.py`` compares them).

It applies the one-date steps' checks: the input rules (:mod:`nba_predictions.documents.rules`) game by
game, the timeline and feature checks on whole columns.  A game that breaks a rule or has no
usable timeline is reported as the collection step reports it; a date with anything else the
checks catch (an unreadable or inconsistent timeline, a feature out of range, a team the history
cannot place) is handed back in ``recheck``, for the caller to run through the one-date step
functions, so its outcome (games, failures, reasons) is exactly a one-date run's.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from nba_predictions.core.domain import GameContext, GameRecord, ScoreTimeline
from nba_predictions.documents.models import ALL_FEATURES, SkippedGame
from nba_predictions.documents.rules import screen_records
from nba_predictions.errors import GameDataError, PipelineError
from nba_predictions.features import game as ft
from nba_predictions.features import timeline as tl
from nba_predictions.features.columns import EventArrays, event_feature_arrays, feature_matrix, valid_feature_rows
from nba_predictions.sources.archive_rows import decode_event_arrays, problem_for, record_of

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from nba_predictions.features.history import History
    from nba_predictions.sources.archive import ArchiveSource

_GAME_ID, _DATE, _SEASON_TYPE, _HOME_SCORE, _AWAY_SCORE, _STATUS, _PERIODS, _EVENTS = 0, 1, 3, 8, 9, 13, 14, 15


@dataclass
class ArchiveFeatures:
    """The outcome of :func:`archive_features`: rated-ready games, reported ones, dates to recheck."""

    records: list[GameRecord]
    matrix: np.ndarray  # row i: the features of records[i] (columns ALL_FEATURES)
    failed: list[tuple[date, SkippedGame]] = field(default_factory=list)  # games without a usable timeline
    recheck: set[date] = field(default_factory=set)  # dates to run through the one-date steps


def archive_features(rows: Sequence[tuple], history: History, archive: ArchiveSource) -> ArchiveFeatures:
    """Features of the games of ``rows`` (archive rows in date, game id order); see the module doc."""
    import numpy as np

    failed: list[tuple[date, SkippedGame]] = []
    recheck: set[date] = set()
    usable: list[tuple] = []
    for row in rows:
        day = date.fromisoformat(row[_DATE])
        if row[_STATUS] == "ok" and row[_EVENTS] is not None:
            usable.append(row)
        elif row[_STATUS] in ("truncated", "missing"):  # the few without a timeline: as collection reports them
            ((record, _),) = archive.decode_rows([row])
            _, refused = screen_records([record], "collection", target_date=day)
            reason = (
                refused[0].reason
                if refused
                else str(GameDataError(row[_GAME_ID], problem_for(row[_STATUS], row[_SEASON_TYPE])))
            )
            failed.append((day, SkippedGame(game_id=row[_GAME_ID], step="collection", reason=reason)))
        else:
            recheck.add(day)
    try:
        times, home, away, counts = decode_event_arrays([row[_EVENTS] for row in usable])
    except zlib.error:  # which game's blob is unreadable: the one-date steps say
        recheck.update(date.fromisoformat(row[_DATE]) for row in usable)
        return ArchiveFeatures([], np.zeros((0, len(ALL_FEATURES))), failed, recheck)
    periods = np.fromiter((row[_PERIODS] for row in usable), dtype=np.int64, count=len(usable))
    events = EventArrays.from_events(times, home, away, counts, periods)
    good = _consistent(events, usable)
    columns = event_feature_arrays(events)

    records: list[GameRecord] = []
    contexts: list[GameContext] = []
    kept: list[int] = []
    for i, row in enumerate(usable):
        day = date.fromisoformat(row[_DATE])
        if day in recheck:
            continue
        try:
            record = record_of(row, int(columns["lead_changes"][i]), int(columns["times_tied"][i]))
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
    matrix = feature_matrix(records, contexts, {name: values[kept] for name, values in columns.items()})
    valid = valid_feature_rows(matrix)
    recheck.update(record.date for record, ok in zip(records, valid) if not ok)
    keep = [i for i, record in enumerate(records) if record.date not in recheck]
    return ArchiveFeatures(
        [records[i] for i in keep], matrix[keep], [(day, game) for day, game in failed if day not in recheck], recheck
    )


def _consistent(events: EventArrays, rows: Sequence[tuple]) -> np.ndarray:
    """Per game: a valid :class:`ScoreTimeline` that passes :func:`nba_predictions.features.game.check_timeline`
    for its row (whole columns; the per-period check of overtime games one by one, they are few)."""
    import numpy as np

    n = len(events)
    if not n:
        return np.zeros(0, dtype=bool)
    starts = np.concatenate(([0], np.cumsum(events.sizes)[:-1]))
    lengths = tl.REGULATION_SECONDS + tl.OVERTIME_SECONDS * (events.periods - 4)
    latest = np.maximum.reduceat(events.times, starts)
    home, away = events.final_scores()
    scores = np.array([(row[_HOME_SCORE], row[_AWAY_SCORE]) for row in rows], dtype=np.int64).reshape(-1, 2)
    good = (
        (events.periods >= 4)
        & (events.periods <= 10)
        & (latest <= lengths)
        & (events.sizes > 1)
        & (home == scores[:, 0])
        & (away == scores[:, 1])
        & (scores[:, 0] != scores[:, 1])
    )
    for i in np.flatnonzero(good & (events.periods > 4)):
        lo, hi = starts[i] + 1, starts[i] + events.sizes[i]  # without the tip-off row
        timeline = ScoreTimeline.model_construct(
            periods=int(events.periods[i]),
            events=list(zip(events.times[lo:hi].tolist(), events.home[lo:hi].tolist(), events.away[lo:hi].tolist())),
        )
        record = GameRecord.model_construct(
            game_id=rows[i][_GAME_ID], home_team_score=int(scores[i, 0]), away_team_score=int(scores[i, 1])
        )
        try:
            ft.check_timeline(record, timeline)
        except GameDataError:
            good[i] = False
    return good
