"""Step 2, features: collected games -> the features of ``engineered_features.json``.

Two entry points:

* :func:`build_features` - the pipeline step for one date's ``collected_games.json``.  It uses each
  game's ``score_timeline`` and ``context`` extras when present; for a document in exactly the spec's
  format it fetches the timelines from the source and builds the contexts from one
  :func:`~nba_predictions.history.load_history` call for the document's dates (never one per game).
  A game with incomplete data is skipped with its reason; the others go on.
* :func:`season_feature_table` - every game of a date range (a whole season, for backfills and model
  training) in one vectorised pass: all timelines are concatenated into flat numpy arrays and the
  timeline features are computed with array operations; standings are computed once per date and
  head-to-head from one pass over the results, both by :class:`~nba_predictions.history.History`.
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
from functools import cache
from datetime import date, timedelta
from itertools import chain
from typing import TYPE_CHECKING, Literal, Protocol, get_origin, runtime_checkable

from .. import features as ft
from .. import timeline as tl
from ..domain import GameContext, GameRecord, ScoreTimeline
from ..errors import GameDataError
from ..schemas import ALL_FEATURES, SIGNED_FEATURES, CollectedGame, FeaturedGame, GameFeatures, SkippedGame
from ..sources.base import Source

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from ..history import History

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
        from ..history import load_history

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
        len(games), len(featured), len(skipped), _reasons(skipped), time.perf_counter() - started,
    )
    return featured, skipped


# --- The whole-range pass --------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureTable:
    """Features of many games: row ``i`` of ``matrix`` belongs to ``game_ids[i]`` / ``records[i]`` /
    ``timelines[i]``; columns are :data:`~nba_predictions.schemas.ALL_FEATURES` in that order."""

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


@dataclass(frozen=True)
class EventArrays:
    """The score timelines of many games as flat arrays, one row per event and one extra 0-0 row
    at each game's tip-off: game ``i`` owns ``sizes[i]`` consecutive rows (its events + 1)."""

    times: np.ndarray  # float64 game-clock seconds
    home: np.ndarray  # int64 points
    away: np.ndarray
    sizes: np.ndarray  # int64 rows per game
    periods: np.ndarray  # int64 periods per game

    @classmethod
    def from_timelines(cls, timelines: Sequence[ScoreTimeline]) -> EventArrays:
        import numpy as np

        n = len(timelines)
        sizes = np.fromiter((len(t.events) + 1 for t in timelines), dtype=np.int64, count=n)
        periods = np.fromiter((t.periods for t in timelines), dtype=np.int64, count=n)
        tip_off = ((0.0, 0, 0),)
        values = chain.from_iterable(chain.from_iterable(chain(tip_off, t.events) for t in timelines))
        events = np.fromiter(values, dtype=np.float64, count=3 * int(sizes.sum())).reshape(-1, 3)
        return cls(events[:, 0], events[:, 1].astype(np.int64), events[:, 2].astype(np.int64), sizes, periods)

    @classmethod
    def from_events(cls, times: np.ndarray, home: np.ndarray, away: np.ndarray, counts: np.ndarray,
                    periods: np.ndarray) -> EventArrays:
        """From flat events without tip-off rows (``counts[i]`` events of game ``i``), as
        :func:`~nba_predictions.sources.archive_rows.decode_event_arrays` returns them."""
        import numpy as np

        counts = np.asarray(counts, dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])) if len(counts) else np.zeros(0, dtype=np.int64)
        return cls(np.insert(np.asarray(times, dtype=np.float64), starts, 0.0),
                   np.insert(np.asarray(home, dtype=np.int64), starts, 0),
                   np.insert(np.asarray(away, dtype=np.int64), starts, 0),
                   counts + 1, np.asarray(periods, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.sizes)

    def final_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """(home, away) at each game's last row (0-0 for a game without events)."""
        import numpy as np

        last = np.cumsum(self.sizes) - 1
        return self.home[last], self.away[last]


def timeline_feature_arrays(timelines: Sequence[ScoreTimeline]) -> dict[str, np.ndarray]:
    """The timeline features of many games at once (one array per feature, one row per game); see
    :func:`event_feature_arrays`."""
    return event_feature_arrays(EventArrays.from_timelines(timelines))


def event_feature_arrays(events: EventArrays) -> dict[str, np.ndarray]:
    """The timeline features of the games of ``events`` (one array per feature, one row per game).

    Each row's margin holds from its time to the next row's (or to the end of the game), so the
    time features are weighted sums per game (``bincount``) and the counts are comparisons of
    neighbouring rows.  Equal, value for value, to the pure functions in :mod:`nba_predictions.timeline`.
    """
    import numpy as np

    n = len(events)
    sizes, periods, times = events.sizes, events.periods, events.times
    lengths = (tl.REGULATION_SECONDS + tl.OVERTIME_SECONDS * (periods - 4)).astype(np.float64)
    margin = events.home - events.away
    game = np.repeat(np.arange(n), sizes)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])) if n else np.zeros(0, dtype=np.int64)
    is_first = np.zeros(len(times), dtype=bool)
    is_first[starts] = True

    ends = np.empty_like(times)
    ends[:-1] = times[1:]
    last_rows = starts + sizes - 1
    ends[last_rows] = lengths
    close = np.abs(margin) <= tl.CLOSE_MARGIN
    competitive = np.bincount(game, weights=np.where(close, ends - times, 0.0), minlength=n)
    clutch_from = float(tl.CLUTCH_START_SECONDS)
    clutch_span = np.maximum(ends, clutch_from) - np.maximum(times, clutch_from)
    clutch = np.bincount(game, weights=np.where(close, clutch_span, 0.0), minlength=n)
    half_from = float(tl.SECOND_HALF_START_SECONDS)
    half_span = np.maximum(ends, half_from) - np.maximum(times, half_from)
    second_half = np.bincount(game, weights=np.where(close, half_span, 0.0), minlength=n)
    # Same summation order and the same clamp to the window as timeline.seconds_within.
    competitive = np.minimum(competitive, lengths)
    clutch = np.minimum(clutch, lengths - clutch_from)
    second_half = np.minimum(second_half, lengths - half_from)
    # decided_seconds: the end of the game's last one-score stretch of positive length (0 if none).
    one_score = (np.abs(margin) <= tl.ONE_SCORE_MARGIN) & (ends > times)
    last_close_end = np.zeros(n)
    np.maximum.at(last_close_end, game[one_score], ends[one_score])
    decided = lengths - last_close_end

    largest = np.maximum.reduceat(np.abs(margin), starts) if n else np.zeros(0, dtype=np.int64)
    winner = np.sign(margin[last_rows])
    deficit = np.maximum(0, -winner[game] * margin)
    comeback = np.maximum.reduceat(deficit, starts) if n else np.zeros(0, dtype=np.int64)

    previous = np.empty_like(margin)
    previous[1:] = margin[:-1]
    previous[is_first] = 0
    tied_rows = (margin == 0) & (previous != 0) & ~is_first
    times_tied = np.bincount(game, weights=tied_rows, minlength=n).astype(np.int64)
    leading = np.flatnonzero(margin != 0)
    side = np.sign(margin[leading])
    switch = np.zeros(len(leading), dtype=bool)
    if len(leading) > 1:
        switch[1:] = (side[1:] != side[:-1]) & (game[leading][1:] == game[leading][:-1])
    lead_changes = np.bincount(game[leading], weights=switch, minlength=n).astype(np.int64)

    # The last seconds.  The winner is the side ahead at the last row (home when level, as in
    # timeline._winner); ``previous`` is 0 on each tip-off row, like the 0-0 start.
    winner = np.where(margin[last_rows] < 0, -1, 1)
    lead = winner[game] * margin
    go_rows = (lead > 0) & (winner[game] * previous <= 0) & ~is_first
    go_ahead = np.zeros(n)
    np.maximum.at(go_ahead, game[go_rows], times[go_rows])  # times never decrease: the last such row
    broken_rows = (previous == 0) & (margin != 0) & ~is_first
    tie_broken = np.zeros(n)
    np.maximum.at(tie_broken, game[broken_rows], times[broken_rows])
    last_change = np.zeros(n)
    np.maximum.at(last_change, game[leading][switch], times[leading][switch])
    # Margin in force at a moment: the game's last row at or before it.  A game's times never
    # decrease, so those rows are a prefix of the game's rows (its tip-off row at least).
    late_margins = {}
    for seconds in tl.LATE_MARGIN_SECONDS:
        upto = np.bincount(game, weights=times <= (lengths - seconds)[game], minlength=n).astype(np.int64)
        late_margins[f"winner_margin_{seconds}s_left"] = (winner * margin[starts + upto - 1]).astype(np.int64)

    return {
        "competitive_seconds": competitive,
        "lead_changes": lead_changes,
        "times_tied": times_tied,
        "overtime_periods": periods - 4,
        "clutch_seconds": clutch,
        "largest_lead": largest.astype(np.int64),
        "comeback_points": comeback.astype(np.int64),
        "second_half_close_seconds": second_half,
        "decided_seconds": decided,
        "go_ahead_seconds_left": lengths - go_ahead,
        "last_lead_change_seconds_left": lengths - last_change,
        "last_tie_seconds_left": lengths - tie_broken,
        **late_margins,
    }


def season_feature_table(
    source: Source, first_day: date, last_day: date, history: History | None = None
) -> FeatureTable:
    """Features of every completed game from ``first_day`` to ``last_day`` in one vectorised pass.

    Standings are computed once per date and head-to-head from one pass over the results (both by
    :class:`~nba_predictions.history.History`, loaded once for the range unless ``history`` is given);
    timelines come from the source's bulk accessor when it has one.  Games with incomplete data are
    left out and listed in ``skipped``; values equal :func:`build_features`'s for every game.
    """
    import numpy as np

    from ..history import load_history

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
        len(records), len(table), len(skipped), _reasons(skipped), time.perf_counter() - started,
        first_day, last_day,
    )
    return table


def feature_matrix(records: Sequence[GameRecord], contexts: Sequence[GameContext],
                   timeline_columns: dict[str, np.ndarray]) -> np.ndarray:
    """The feature matrix (columns :data:`~nba_predictions.schemas.ALL_FEATURES`) of games whose
    timeline features are ``timeline_columns`` (:func:`event_feature_arrays`), with the record and
    context features added; the values of :func:`nba_predictions.features.game_features`."""
    import numpy as np

    if not records:
        return np.zeros((0, len(ALL_FEATURES)))
    columns = dict(timeline_columns)
    home_rank = np.array([c.home_conference_rank for c in contexts], dtype=np.int64)
    away_rank = np.array([c.away_conference_rank for c in contexts], dtype=np.int64)
    columns["diff_ranks"] = np.abs(home_rank - away_rank)
    columns["inter_conference"] = np.array([c.home_conference != c.away_conference for c in contexts], dtype=np.int64)
    columns["scores_diff"] = np.abs(np.array([r.home_team_score - r.away_team_score for r in records], dtype=np.int64))
    # Rounded with Python's round() so values equal the per-game functions to the last bit; there
    # are only 29 distinct rank sums.
    position_of_sum = {s: ft.position_score(min(s - 1, 15), s - min(s - 1, 15)) for s in range(2, 31)}
    columns["position_score"] = np.array([position_of_sum[int(s)] for s in home_rank + away_rank], dtype=np.float64)
    playoff = np.array([c.head_to_head.playoff_games for c in contexts], dtype=np.float64)
    regular = np.array([c.head_to_head.regular_season_games for c in contexts], dtype=np.float64)
    close = np.array([c.head_to_head.close_regular_season_games for c in contexts], dtype=np.float64)
    share = np.divide(close, regular, out=np.zeros_like(close), where=regular > 0)
    rivalry = ft.PLAYOFF_WEIGHT * playoff + ft.CLOSE_GAME_WEIGHT * share
    columns["rivalry_score"] = np.array([round(float(x), ft.DECIMALS) for x in rivalry], dtype=np.float64)

    return np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in ALL_FEATURES])


def valid_feature_rows(matrix: np.ndarray) -> np.ndarray:
    """Per row: the values :class:`~nba_predictions.schemas.GameFeatures` accepts (finite, in range),
    checked on whole columns."""
    import numpy as np

    col = {name: matrix[:, i] for i, name in enumerate(ALL_FEATURES)}
    unsigned = [i for i, name in enumerate(ALL_FEATURES) if name not in SIGNED_FEATURES]
    good = np.isfinite(matrix).all(axis=1) & (matrix[:, unsigned] >= 0).all(axis=1)
    return good & (col["diff_ranks"] <= 14) & (col["position_score"] <= 2) & np.isin(col["inter_conference"], (0, 1))


def _valid_rows(matrix: np.ndarray, records: Sequence[GameRecord], skipped: list[SkippedGame]) -> np.ndarray:
    """:func:`valid_feature_rows`, with a skipped entry for each row out of range."""
    import numpy as np

    good = valid_feature_rows(matrix)
    for i in np.flatnonzero(~good):
        values = dict(zip(ALL_FEATURES, matrix[i].tolist()))
        skipped.append(_skip(records[i].game_id, f"game {records[i].game_id}: features out of range: {values}"))
    return good


@cache
def _dump_order() -> tuple[tuple[str, int, bool], ...]:
    """(feature, matrix column, is an integer) in ``GameFeatures``' field order."""
    column = {name: i for i, name in enumerate(ALL_FEATURES)}
    return tuple((name, column[name], info.annotation is int or get_origin(info.annotation) is Literal)
                 for name, info in GameFeatures.model_fields.items())


def feature_values(row: Sequence[float]) -> dict[str, float | int]:
    """One row of a feature matrix as ``GameFeatures.model_dump(mode="json")`` gives it: the same
    keys in the same order, the integer features as ints, the others as floats."""
    return {name: int(row[i]) if integer else float(row[i]) for name, i, integer in _dump_order()}
