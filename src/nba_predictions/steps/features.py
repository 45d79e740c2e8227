"""Step 2, features: collected games -> the features of ``engineered_features.json``.

:func:`build_features` is the pipeline step for one date's ``collected_games.json``.  It uses each
game's ``score_timeline`` and ``context`` extras when present; for a document in exactly the spec's
format it fetches the timelines from the source and builds the contexts from one
:func:`~nba_predictions.features.history.load_history` call for the document's dates (never one per
game), and so for a context from before the stakes features (no ``stakes``).  The features
themselves come from the features package's one entry point,
:func:`~nba_predictions.features.matrix.compute_features` (its one-game path: this module, like the
collection step, runs without numpy).  A game with incomplete data is skipped with its reason; the
others go on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from nba_predictions.core.domain import GameContext, GameRecord, ScoreTimeline
from nba_predictions.documents.models import CollectedGame, FeaturedGame, GameFeatures, SkippedGame
from nba_predictions.errors import GameDataError, UnrateableGameError
from nba_predictions.features.game import game_feature_values
from nba_predictions.features.matrix import compute_features, feature_values, reasons
from nba_predictions.sources.base import Source

logger = logging.getLogger(__name__)


def game_features(record: GameRecord, timeline: ScoreTimeline | None, context: GameContext | None) -> GameFeatures:
    """All features of one completed game as the document model
    (:func:`~nba_predictions.features.game.game_feature_values`, validated)."""
    return GameFeatures(**game_feature_values(record, timeline, context))


def _skip(game_id: str, problem: GameDataError) -> SkippedGame:
    """A game the features step could not take; not rateable when its source knows it never can."""
    rateable = not isinstance(problem, UnrateableGameError)
    return SkippedGame(game_id=game_id, step="features", reason=str(problem), rateable=rateable)


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
    history = None
    # A context from before the stakes features (no ``stakes``) is rebuilt like a missing one.
    lacking_context = [g for g in games if g.context is None or g.context.stakes is None]
    if lacking_context and source is not None:
        from nba_predictions.features.history import load_history

        days = [g.date for g in lacking_context]
        history = load_history(source, min(days), max(days))  # once for the document, never per game
    problems: dict[int, GameDataError] = {}
    ready: list[int] = []
    records: list[GameRecord] = []
    contexts: list[GameContext] = []
    timelines: list[ScoreTimeline] = []
    for i, game in enumerate(games):
        record = game.record()
        try:
            timeline = game.score_timeline
            if timeline is None:
                if source is None:
                    raise GameDataError(record.game_id, "no score_timeline in the input and no source to fetch it from")
                timeline = source.score_timeline(record)
            context: GameContext | None = game.context
            if context is None or (context.stakes is None and history is not None):
                if history is None:
                    raise GameDataError(record.game_id, "no context in the input and no source to build it from")
                context = history.context(record)
        except GameDataError as exc:
            problems[i] = exc
            continue
        ready.append(i)
        records.append(record)
        contexts.append(context)
        timelines.append(timeline)
    computed = compute_features(records, contexts, timelines, vectorised=False)
    problems.update({ready[j]: exc for j, exc in computed.problems.items()})
    featured = [
        FeaturedGame(game_id=records[j].game_id, raw_data=records[j], features=GameFeatures(**feature_values(row)))
        for j, row in zip(computed.kept, computed.rows)
    ]
    skipped: list[SkippedGame] = []
    for i in sorted(problems):
        logger.warning("features: skipping %s", problems[i])
        skipped.append(_skip(games[i].game_id, problems[i]))
    logger.info(
        "features: %d in, %d out, %d skipped (%s), %.3f s",
        len(games),
        len(featured),
        len(skipped),
        reasons([problems[i] for i in sorted(problems)]),
        time.perf_counter() - started,
    )
    return featured, skipped
