"""The one entry point from games to features: records + contexts + timelines -> the feature matrix.

:func:`compute_features` is what the date run (:func:`nba_predictions.steps.features.build_features`),
the backfill (:func:`nba_predictions.runs.backfill.columnar.archive_features`) and training
(:func:`range_features`, read by :mod:`nba_predictions.model.training.data`) call.  Its columns are
:data:`~nba_predictions.features.spec.ALL_FEATURES`; a game whose timeline does not fit its record,
or whose values fall outside their specified ranges, gets no row and its reason instead.

Two computations stand behind it, tested equal value for value: the one-game functions
(``vectorised=False``, pure Python: the per-date step needs no numpy) and the vectorised ones
(numpy, imported when called), each feature group's side by side in
:mod:`nba_predictions.features.context` (with :mod:`nba_predictions.features.stakes`),
:mod:`nba_predictions.features.timeline` and :mod:`nba_predictions.features.performance`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Protocol

from nba_predictions.core.domain import GameContext, GameRecord, LeaderLine, ScoreTimeline
from nba_predictions.errors import GameDataError
from nba_predictions.features.context import context_columns
from nba_predictions.features.events import EventArrays
from nba_predictions.features.game import check_timeline, game_feature_values
from nba_predictions.features.history import ResultsSource
from nba_predictions.features.performance import player_lines_columns
from nba_predictions.features.spec import ALL_FEATURES, FEATURES, valid_feature_rows
from nba_predictions.features.timeline import TimelineColumns, timeline_columns

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from nba_predictions.features.history import History

logger = logging.getLogger(__name__)

Timelines = Sequence[ScoreTimeline] | EventArrays | TimelineColumns
"""Games' timelines as objects, as flat event arrays, or as their already computed timeline columns."""
PlayerLines = Sequence[Sequence[LeaderLine] | None]
"""Each game's timeline's ``player_lines`` (``None``: unknown; the performance features are then 0)."""


@dataclass(frozen=True)
class ComputedFeatures:
    """What :func:`compute_features` found: row ``j`` of ``rows`` belongs to input game ``kept[j]``."""

    kept: list[int]
    rows: list[list[float]] | np.ndarray  # lists from the one-game path, an array from the vectorised one
    problems: dict[int, GameDataError] = field(default_factory=dict)  # input index -> why it has no row


def compute_features(
    records: Sequence[GameRecord],
    contexts: Sequence[GameContext],
    timelines: Timelines,
    *,
    vectorised: bool = True,
    player_lines: PlayerLines | None = None,
) -> ComputedFeatures:
    """The features of game ``i`` = ``(records[i], contexts[i], timelines[i])``, for every ``i``.

    One-game (``vectorised=False``): each timeline is checked (:func:`check_timeline`) and the
    values computed and range-checked game by game; problems carry their exact reasons.
    Vectorised: timelines given as :class:`ScoreTimeline` objects are checked one by one as well;
    timelines given as arrays or columns must have been checked by the caller (the backfill checks
    them on whole columns), and then need ``player_lines`` (game ``i``'s timeline's, ``None`` where
    unknown), which :class:`ScoreTimeline` objects carry themselves.  Rows out of range are
    reported either way.
    """
    if not vectorised:
        return _one_game(records, contexts, timelines)
    import numpy as np

    problems: dict[int, GameDataError] = {}
    kept = list(range(len(records)))
    if not isinstance(timelines, (EventArrays, TimelineColumns)):
        for i, (record, timeline) in enumerate(zip(records, timelines)):
            try:
                check_timeline(record, timeline)
            except GameDataError as exc:
                problems[i] = exc
        kept = [i for i in kept if i not in problems]
        player_lines = [timelines[i].player_lines for i in kept]
        timelines = EventArrays.from_timelines([timelines[i] for i in kept])
    elif player_lines is None:
        raise TypeError("timelines given as arrays or columns need player_lines (None for a game where unknown)")
    columns = timeline_columns(timelines) if isinstance(timelines, EventArrays) else timelines
    matrix = feature_matrix([records[i] for i in kept], [contexts[i] for i in kept], columns, player_lines)
    good = valid_feature_rows(matrix)
    for j in np.flatnonzero(~good):
        record = records[kept[j]]
        values = dict(zip(ALL_FEATURES, matrix[j].tolist()))
        problems[kept[j]] = GameDataError(record.game_id, f"features out of range: {values}")
    return ComputedFeatures([i for i, ok in zip(kept, good) if ok], matrix[good], problems)


def _one_game(records: Sequence[GameRecord], contexts: Sequence[GameContext], timelines: Timelines) -> ComputedFeatures:
    if isinstance(timelines, (EventArrays, TimelineColumns)):
        raise TypeError("the one-game path takes ScoreTimeline objects")
    kept: list[int] = []
    rows: list[list[float]] = []
    problems: dict[int, GameDataError] = {}
    for i, (record, context, timeline) in enumerate(zip(records, contexts, timelines)):
        try:
            values = game_feature_values(record, timeline, context)
        except GameDataError as exc:
            problems[i] = exc
            continue
        kept.append(i)
        rows.append([float(v) for v in values.values()])
    return ComputedFeatures(kept, rows, problems)


def feature_matrix(
    records: Sequence[GameRecord],
    contexts: Sequence[GameContext],
    timelines: TimelineColumns,
    player_lines: PlayerLines,
) -> np.ndarray:
    """The feature matrix (columns :data:`ALL_FEATURES`) of games whose timeline features are
    ``timelines`` and whose timelines' player lines are ``player_lines``, with the record, context
    and performance features added; no checks."""
    import numpy as np

    if not records:
        return np.zeros((0, len(ALL_FEATURES)))
    if len(player_lines) != len(records):
        raise ValueError(f"{len(player_lines)} games' player_lines for {len(records)} games")
    columns = {**timelines.values, **context_columns(records, contexts), **player_lines_columns(player_lines)}
    return np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in ALL_FEATURES])


@cache
def _dump_order() -> tuple[tuple[str, bool], ...]:
    """(feature, is an integer) in column order: read once, not per row of a backfill."""
    return tuple((spec.name, spec.is_integer) for spec in FEATURES)


def feature_values(row: Sequence[float]) -> dict[str, float | int]:
    """One row of a feature matrix as ``GameFeatures.model_dump(mode="json")`` gives it: the same
    keys in the same order, the integer features as ints, the others as floats."""
    # A numpy row becomes Python floats at once (indexing it would make a numpy scalar per feature).
    values = row.tolist() if hasattr(row, "tolist") else list(row)
    return {name: int(v) if integer else float(v) for (name, integer), v in zip(_dump_order(), values)}


# --- A range of dates, from a source ----------------------------------------------------------


class RangeSource(ResultsSource, Protocol):
    """What :func:`range_features` reads (every :class:`~nba_predictions.sources.base.Source` has it):
    the bulk read of a range's games and timelines, one game's timeline, past results."""

    def games_and_timelines(self, first: date, last: date) -> tuple[list[GameRecord], dict[str, ScoreTimeline]]: ...

    def score_timeline(self, game: GameRecord) -> ScoreTimeline: ...


@dataclass(frozen=True)
class FeatureTable:
    """Features of many games: row ``i`` of ``matrix`` belongs to ``game_ids[i]`` / ``records[i]`` /
    ``timelines[i]``; columns are :data:`ALL_FEATURES` in that order."""

    game_ids: list[str]
    records: list[GameRecord]
    timelines: list[ScoreTimeline]
    matrix: np.ndarray
    skipped: list[GameDataError]

    columns = ALL_FEATURES

    def __len__(self) -> int:
        return len(self.game_ids)


def range_features(
    source: RangeSource, first_day: date, last_day: date, history: History | None = None
) -> FeatureTable:
    """Features of every completed game from ``first_day`` to ``last_day`` in one vectorised pass.

    The games and timelines come from the source's bulk read (one query for the archive), the
    standings and head-to-head from one :class:`~nba_predictions.features.history.History` (loaded
    for the range unless ``history`` is given).  A game without a usable timeline is asked for again
    one by one, for the reason it is skipped; the values equal the date run's for every game.
    """
    import numpy as np

    from nba_predictions.features.history import load_history

    started = time.perf_counter()
    records, found = source.games_and_timelines(first_day, last_day)
    skipped: list[GameDataError] = []
    for record in records:
        if record.game_id not in found:
            try:  # one by one: every game without a bulk timeline, asked again for the reason
                found[record.game_id] = source.score_timeline(record)
            except GameDataError as exc:
                skipped.append(exc)
    if history is None:
        history = load_history(source, first_day, last_day)
    kept: list[GameRecord] = []
    contexts: list[GameContext] = []
    for record in records:
        timeline = found.get(record.game_id)
        if timeline is None:
            continue
        try:
            check_timeline(record, timeline)
            contexts.append(history.context(record))
        except GameDataError as exc:
            skipped.append(exc)
            continue
        kept.append(record)
    timelines = [found[r.game_id] for r in kept]
    computed = compute_features(  # checked above
        kept, contexts, EventArrays.from_timelines(timelines), player_lines=[t.player_lines for t in timelines]
    )
    skipped.extend(computed.problems[i] for i in sorted(computed.problems))
    table = FeatureTable(
        game_ids=[kept[i].game_id for i in computed.kept],
        records=[kept[i] for i in computed.kept],
        timelines=[timelines[i] for i in computed.kept],
        matrix=np.asarray(computed.rows, dtype=np.float64).reshape(len(computed.kept), len(ALL_FEATURES)),
        skipped=skipped,
    )
    logger.info(
        "features: %d in, %d out, %d skipped (%s), %.3f s (%s to %s, vectorised)",
        len(records),
        len(table),
        len(skipped),
        reasons(skipped),
        time.perf_counter() - started,
        first_day,
        last_day,
    )
    return table


def reasons(problems: Sequence[Exception], shown: int = 3) -> str:
    """``"none"`` or the first few reasons, for a features pass's one summary line."""
    if not problems:
        return "none"
    more = f"; and {len(problems) - shown} more" if len(problems) > shown else ""
    return "; ".join(str(p) for p in problems[:shown]) + more
