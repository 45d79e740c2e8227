"""Step 2, features: collected games -> the features of ``engineered_features.json``.

Two entry points:

* :func:`build_features` - the pipeline step for one date's ``collected_games.json``.  It uses each
  game's ``score_timeline`` and ``context`` extras when present; for a document in exactly the spec's
  format it fetches the timelines from the source and builds the contexts from one
  :func:`~nba_predictions.features.history.load_history` call for the document's dates (never one per game).
  A game with incomplete data is skipped with its reason; the others go on.
* :func:`season_feature_table` - every game of a date range (a whole season, for model training)
  in one vectorised pass: all timelines are concatenated into flat numpy arrays and the timeline
  features are computed with array operations (:mod:`.feature_columns`); standings are computed once per date and
  head-to-head from one pass over the results, both by :class:`~nba_predictions.features.history.History`.
  With a bulk source (the archive) the range's games and timelines come from one query, each
  timeline decoded once.

numpy is imported only inside the whole-range functions, so importing this module (the per-date
step) does not import numpy, and neither does the collection step.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from nba_predictions.core.domain import GameContext, GameRecord, ScoreTimeline
from nba_predictions.documents.models import ALL_FEATURES, CollectedGame, FeaturedGame, SkippedGame
from nba_predictions.errors import GameDataError
from nba_predictions.features import game as ft
from nba_predictions.features.columns import feature_matrix, timeline_feature_arrays, valid_feature_rows
from nba_predictions.sources.base import Source

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from nba_predictions.features.history import History

logger = logging.getLogger(__name__)


@runtime_checkable
class BulkSource(Protocol):
    """The optional bulk accessor of a source (the archive has it) used by the whole-range pass."""

    def games_and_timelines(self, first: date, last: date) -> tuple[list[GameRecord], dict[str, ScoreTimeline]]:
        """Completed games from ``first`` to ``last`` in (date, game id) order, and
        ``{game_id: timeline}`` for those with a usable one."""
        ...


def _skip(game_id: str, reason: str) -> SkippedGame:
    return SkippedGame(game_id=game_id, step="features", reason=reason)


def _reasons(skipped: Sequence[SkippedGame], shown: int = 3) -> str:
    """``"none"`` or the first few reasons, for the step's one summary line."""
    if not skipped:
        return "none"
    more = f"; and {len(skipped) - shown} more" if len(skipped) > shown else ""
    return "; ".join(s.reason for s in skipped[:shown]) + more


def build_features(
    games: Sequence[CollectedGame], source: Source | None
) -> tuple[list[FeaturedGame], list[SkippedGame]]:
    """The features of every game of a ``collected_games.json``.

    ``source`` is needed only for games without ``score_timeline`` or ``context``; pass ``None``
    when the document carries both for every game.  Returns the featured games (input order) and
    the skipped ones with their reasons.  Source failures other than one game's data
    (:class:`~nba_predictions.errors.SourceError`) propagate: they concern every game.
    """
    started = time.perf_counter()
    featured: list[FeaturedGame] = []
    skipped: list[SkippedGame] = []
    history = None
    lacking_context = [g for g in games if g.context is None]
    if lacking_context and source is not None:
        from nba_predictions.features.history import load_history

        days = [g.date for g in lacking_context]
        history = load_history(source, min(days), max(days))  # once for the document, never per game
    for game in games:
        record = game.record()
        try:
            timeline = game.score_timeline
            if timeline is None:
                if source is None:
                    raise GameDataError(record.game_id, "no score_timeline in the input and no source to fetch it from")
                timeline = source.score_timeline(record)
            context: GameContext | None = game.context
            if context is None:
                if history is None:
                    raise GameDataError(record.game_id, "no context in the input and no source to build it from")
                context = history.context(record)
            features = ft.game_features(record, timeline, context)
        except GameDataError as exc:
            logger.warning("features: skipping %s", exc)
            skipped.append(_skip(record.game_id, str(exc)))
            continue
        featured.append(FeaturedGame(game_id=record.game_id, raw_data=record, features=features))
    logger.info(
        "features: %d in, %d out, %d skipped (%s), %.3f s",
        len(games),
        len(featured),
        len(skipped),
        _reasons(skipped),
        time.perf_counter() - started,
    )
    return featured, skipped


# --- The whole-range pass --------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureTable:
    """Features of many games: row ``i`` of ``matrix`` belongs to ``game_ids[i]`` / ``records[i]`` /
    ``timelines[i]``; columns are :data:`~nba_predictions.documents.models.ALL_FEATURES` in that order."""

    game_ids: list[str]
    records: list[GameRecord]
    timelines: list[ScoreTimeline]
    matrix: np.ndarray
    skipped: list[SkippedGame]

    columns = ALL_FEATURES

    def __len__(self) -> int:
        return len(self.game_ids)


def _games_and_timelines(
    source: Source, first: date, last: date
) -> tuple[list[GameRecord], dict[str, ScoreTimeline], list[SkippedGame]]:
    """The range's games, the timelines of those that have one, and the others with the reason."""
    found: dict[str, ScoreTimeline] = {}
    if isinstance(source, BulkSource):
        records, bulk = source.games_and_timelines(first, last)
        found.update(bulk)
    else:
        records = []
        day = first
        while day <= last:
            records.extend(source.completed_games(day))
            day += timedelta(days=1)
    missing: list[SkippedGame] = []
    for record in records:
        if record.game_id in found:
            continue
        try:  # one by one: every game without a bulk timeline, asked again for the reason
            found[record.game_id] = source.score_timeline(record)
        except GameDataError as exc:
            missing.append(_skip(record.game_id, str(exc)))
    return records, found, missing


def season_feature_table(
    source: Source, first_day: date, last_day: date, history: History | None = None
) -> FeatureTable:
    """Features of every completed game from ``first_day`` to ``last_day`` in one vectorised pass.

    Standings are computed once per date and head-to-head from one pass over the results (both by
    :class:`~nba_predictions.features.history.History`, loaded once for the range unless ``history`` is given);
    timelines come from the source's bulk accessor when it has one.  Games with incomplete data are
    left out and listed in ``skipped``; values equal :func:`build_features`'s for every game.
    """
    from nba_predictions.features.history import load_history

    started = time.perf_counter()
    records, timelines, skipped = _games_and_timelines(source, first_day, last_day)
    if history is None:
        history = load_history(source, first_day, last_day)
    kept: list[GameRecord] = []
    kept_timelines: list[ScoreTimeline] = []
    contexts: list[GameContext] = []
    for record in records:
        timeline = timelines.get(record.game_id)
        if timeline is None:
            continue
        try:
            ft.check_timeline(record, timeline)
            contexts.append(history.context(record))
        except GameDataError as exc:
            skipped.append(_skip(record.game_id, str(exc)))
            continue
        kept.append(record)
        kept_timelines.append(timeline)

    matrix = feature_matrix(kept, contexts, timeline_feature_arrays(kept_timelines))
    good = _valid_rows(matrix, kept, skipped)
    table = FeatureTable(
        game_ids=[r.game_id for r, ok in zip(kept, good) if ok],
        records=[r for r, ok in zip(kept, good) if ok],
        timelines=[t for t, ok in zip(kept_timelines, good) if ok],
        matrix=matrix[good],
        skipped=skipped,
    )
    logger.info(
        "features: %d in, %d out, %d skipped (%s), %.3f s (%s to %s, vectorised)",
        len(records),
        len(table),
        len(skipped),
        _reasons(skipped),
        time.perf_counter() - started,
        first_day,
        last_day,
    )
    return table


def _valid_rows(matrix: np.ndarray, records: Sequence[GameRecord], skipped: list[SkippedGame]) -> np.ndarray:
    """:func:`valid_feature_rows`, with a skipped entry for each row out of range."""
    import numpy as np

    good = valid_feature_rows(matrix)
    for i in np.flatnonzero(~good):
        values = dict(zip(ALL_FEATURES, matrix[i].tolist()))
        skipped.append(_skip(records[i].game_id, f"game {records[i].game_id}: features out of range: {values}"))
    return good
