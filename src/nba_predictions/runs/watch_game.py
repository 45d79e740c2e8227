"""One game of a watched date, collection -> storage, alone (see :mod:`.watch`).

The watch hands each game the scoreboard shows final to :meth:`GameRater.rate`: the date's source
lists its games (:class:`OneGame` keeps only this one), the collection step takes it (a feed that
is not final yet fails it: it is tried again on the next poll, never rated from a partial feed),
then features, the rating, the date's documents (``--documents``) and the database, where the
game's run is one row of ``pipeline_runs``.  The model, the database and the date's history
(standings and head-to-head, computed once per date) are opened once for the whole watch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from nba_predictions.core.domain import GameRecord, GameResult, ScoreTimeline
from nba_predictions.core.season import Season
from nba_predictions.documents.models import (
    STEPS,
    EngineeredFeatures,
    FeaturedGame,
    Prediction,
    Predictions,
)
from nba_predictions.runs.metadata import document_metadata
from nba_predictions.runs.recording import record_run
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.summary import RunSummary
from nba_predictions.sources.base import Source, games_and_timelines_by_date

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.features.history import History
    from nba_predictions.runs.watch_documents import DateDocuments

logger = logging.getLogger(__name__)


class OneGame:
    """A source that lists one game of a date only: the watched game's own run."""

    def __init__(self, source: Source, game_id: str) -> None:
        self.inner = source
        self.game_id = game_id
        self.name = source.name  # the chain's changes when it lists a date: read again then

    def covers(self, day: date) -> bool:
        return self.inner.covers(day)

    def completed_games(self, day: date) -> list[GameRecord]:
        games = [r for r in self.inner.completed_games(day) if r.game_id == self.game_id]
        self.name = self.inner.name
        return games

    def score_timeline(self, game: GameRecord) -> ScoreTimeline:
        return self.inner.score_timeline(game)

    def season_results(self, season: Season) -> Sequence[GameResult]:
        return self.inner.season_results(season)

    def games_and_timelines(self, first: date, last: date) -> tuple[list[GameRecord], dict[str, ScoreTimeline]]:
        return games_and_timelines_by_date(self, first, last)


@dataclass(frozen=True)
class RatedGame:
    """A game the watch stored: its teams and rating (never its score) and its run's time."""

    game_id: str
    teams: str  # "AWAY at HOME"
    rating: float
    classification: str
    seconds: float  # its run, collection to storage
    stored: bool  # False: it was already rated in the database (another run stored it), left alone


def teams_of(record: GameRecord) -> str:
    return f"{record.away_team_abbreviation} at {record.home_team_abbreviation}"


class GameRater:
    """Rates the games of ``day`` one at a time on the watch's ``resources`` (see the module doc)."""

    def __init__(self, resources: Resources, day: date, documents: DateDocuments | None = None) -> None:
        self.resources = resources
        self.day = day
        self.documents = documents
        self._history: History | None = None

    def _history_for(self, source: Source) -> History:
        if self._history is None:
            from nba_predictions.features.history import load_history

            self._history = load_history(source, self.day, self.day)
        return self._history

    def rate(self, source: Source, game_id: str) -> RatedGame | str:
        """Collect, rate and store ``game_id``: the :class:`RatedGame`, or why it could not be yet.

        A failure of the source as a whole (:class:`~nba_predictions.errors.SourceError`) and of
        the database (:class:`~nba_predictions.errors.StorageError`) are raised."""
        from nba_predictions.steps.collection import collect_games
        from nba_predictions.steps.features import build_features

        started = time.perf_counter()
        games, skipped, _found = collect_games(OneGame(source, game_id), self.day, history=self._history_for(source))
        if not games:
            return skipped[0].reason if skipped else f"{source.name} does not list it as a completed game yet"
        featured, refused = build_features(games, None)
        if not featured:
            return refused[0].reason if refused else "no features"
        prediction = self._predict(featured, source.name)
        if self.documents is not None:
            self.documents.add(games[0], featured[0], prediction, source.name, self.resources.model().version)
        stored = self._store(prediction, source.name, started)
        return RatedGame(
            game_id=game_id,
            teams=teams_of(games[0]),
            rating=prediction.rating,
            classification=prediction.classification,
            seconds=time.perf_counter() - started,
            stored=stored,
        )

    def _predict(self, featured: list[FeaturedGame], source: str) -> Prediction:
        from nba_predictions.steps.prediction import predict_games

        settings, model = self.resources.settings, self.resources.model()
        meta = document_metadata("features", len(featured), [], target_date=self.day, source=source)
        doc = EngineeredFeatures(metadata=meta, games=featured)
        return predict_games(doc, model, settings.good_threshold, settings.mediocre_threshold)[0]

    def _store(self, prediction: Prediction, source: str, started: float) -> bool:
        """The game's storage run and its ``pipeline_runs`` row; whether it was written."""
        from nba_predictions.errors import PipelineError
        from nba_predictions.steps.storage import store_predictions

        resources = self.resources
        meta = document_metadata(
            "prediction", 1, [], target_date=self.day, source=source, model_version=resources.model().version
        )
        summary = RunSummary(steps=list(STEPS), target_date=self.day, source=source, found=1, processed=1)
        try:
            result = store_predictions(
                Predictions(metadata=meta, predictions=[prediction]),
                resources.database(),
                force=resources.settings.force,
                backup=resources.backup_settings(),
            )
        except PipelineError as exc:
            summary.stop(exc)
            summary.duration_seconds = time.perf_counter() - started
            record_run(resources, summary)
            raise
        summary.saved, summary.skipped = result.saved + result.updated, result.skipped
        summary.duration_seconds = time.perf_counter() - started
        record_run(resources, summary)
        from nba_predictions.runs.notify import notify_stored  # its outcome is logged (a warning if it failed)

        notify_stored(resources.settings, [prediction], set(result.written_ids))
        return bool(summary.saved)
