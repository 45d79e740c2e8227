"""The date runner: run steps ``start``..``end`` in order for one date or one input document.

Each step is a plain function in :mod:`nba_predictions.steps`; :data:`STEP_FUNCTIONS` wires the
run's resources (:class:`~nba_predictions.runs.resources.Resources`: source, model, database)
into them and builds each document.  Step modules are imported only when their step runs, so a
machine that only collects never imports numpy, xgboost or SQLAlchemy.  A run returns its
:class:`~nba_predictions.runs.summary.RunSummary` whatever the outcome: what stopped it is in
the summary (``errors``, ``error``), and a run meant to end in storage is recorded in
``pipeline_runs`` either way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from nba_predictions.config import EASTERN
from nba_predictions.documents import io as artifacts
from nba_predictions.documents import locations, rules
from nba_predictions.documents.models import STEPS, CollectedGames, EngineeredFeatures, Predictions, Step
from nba_predictions.errors import ArtifactError, PipelineError, UsageError
from nba_predictions.runs.archiving import archive_collected
from nba_predictions.runs.metadata import document_metadata
from nba_predictions.runs.recording import record_failure_before_storage, record_run
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.summary import RunSummary

logger = logging.getLogger(__name__)

Document = CollectedGames | EngineeredFeatures | Predictions


@dataclass
class _Step:
    """What a step function is handed: the run's resources, its summary (the step updates its
    counts) and the name of the file the run read, for the document's ``input_source``."""

    resources: Resources
    summary: RunSummary
    input_name: str | None
    notify: bool = False


class StepRunner:
    """Runs a contiguous range of steps for one date or one input document on ``resources``.

    ``explicit_date``: ``--date`` was given (a resumed run's date is otherwise its input
    document's); ``today``: the input rules' clock (default: today, US Eastern); ``notify``: post
    the games storage wrote to the webhook (:mod:`nba_predictions.runs.notify`; the date run does,
    a backfill does not).
    """

    def __init__(
        self,
        resources: Resources,
        *,
        explicit_date: bool = False,
        today: Callable[[], date] | None = None,
        notify: bool = False,
    ) -> None:
        self.resources = resources
        self.notify = notify
        self.settings = resources.settings
        self.explicit_date = explicit_date
        self._today = today or (lambda: datetime.now(tz=EASTERN).date())

    def run(
        self,
        start: str,
        end: str,
        input_path: str | None = None,
        output_path: str | None = None,
        day: date | None = None,
        document: Document | None = None,
    ) -> RunSummary:
        """Run steps ``start``..``end``; collection collects ``day`` (default: the settings' date).

        A run that starts after collection reads its input from ``input_path``, or takes
        ``document`` (the previous step's document, already in memory: a backfill's range).
        ``output_path`` receives the last document the run makes (the predictions document when
        the run goes on to storage), written once it is final and before storage starts.
        Returns the summary; a failure that stops the run is its ``error``.
        """
        first, last = STEPS.index(start), STEPS.index(end)
        assert first <= last, f"step range {start}..{end} is empty"  # the CLI refuses it as a usage error
        steps = list(STEPS[first : last + 1])
        clock = time.perf_counter()
        # A resumed run's date is its input document's (read in _run), unless --date was given.
        resumed = start != "collection" and day is None and not self.explicit_date
        summary = RunSummary(steps=steps, target_date=None if resumed else day or self.settings.target_date)
        storing = False
        try:
            doc = self._input(summary, input_path, output_path, document)
            step = _Step(self.resources, summary, doc[1], self.notify)
            current: Document | None = doc[0]
            last_document_step = next((s for s in reversed(steps) if s != "storage"), None)
            for name in steps:
                if name == "storage":
                    storing = True
                    _store(step, cast(Predictions, current))
                    break
                current = STEP_FUNCTIONS[name](step, current)
                step.input_name = None  # later steps of this run read in memory
                if name == last_document_step and output_path is not None:
                    artifacts.write_document(current, output_path)
        except PipelineError as exc:
            summary.stop(exc)
            summary.duration_seconds = time.perf_counter() - clock
            if "storage" in steps and not storing and not isinstance(exc, UsageError):
                record_failure_before_storage(self.resources, summary)
        summary.duration_seconds = time.perf_counter() - clock
        return summary

    def _input(
        self, summary: RunSummary, input_path: str | None, output_path: str | None, document: Document | None
    ) -> tuple[Document | None, str | None]:
        """The input document (read, screened by the input rules) and its file's name; the
        summary's date, source and counts from it.  None for a run that starts at collection."""
        if output_path is not None:
            artifacts.check_writable(output_path)  # before any work, not after it
        first = summary.steps[0]
        if first == "collection":
            return None, None
        doc, input_name = document, None
        if doc is None:
            assert input_path is not None, "--from-step needs --input (checked by the CLI)"
            doc = cast(Document, artifacts.read_document(input_path, artifacts.input_step_for(first)))
            input_name = "stdin" if input_path == artifacts.STDIO else locations.base_name(input_path)
        meta = doc.metadata
        if meta.first_date is not None and meta.last_date is not None:
            summary.span = (meta.first_date, meta.last_date)
        if self.explicit_date and meta.target_date is not None and meta.target_date != self.settings.target_date:
            raise UsageError(
                f"--date {self.settings.target_date} does not match {input_path}'s target_date "
                f"{meta.target_date}: drop --date when resuming from a file"
            )
        try:  # the game-level input rules: a game that breaks one is refused, the others go on
            doc, refused = rules.screen_document(doc, cast(Step, first), self._today())
        except ArtifactError as exc:
            raise ArtifactError(f"{'standard input' if input_path == artifacts.STDIO else input_path}: {exc}") from None
        for game in refused:
            logger.warning("%s: refusing %s", first, game.reason)
        summary.target_date = meta.target_date or (self.settings.target_date if self.explicit_date else None)
        summary.source = meta.source
        summary.failed = [*meta.skipped_games, *refused]
        summary.found = meta.total_games + len(meta.skipped_games)
        summary.processed = meta.total_games - len(refused)
        return doc, input_name


# -- the steps ----------------------------------------------------------------------------------


def _collection(step: _Step, _doc: Document | None) -> CollectedGames:
    from nba_predictions.steps.collection import collect_games

    summary = step.summary
    day = summary.target_date
    assert day is not None, "a collection run has a date"
    source = step.resources.source_for(day)
    games, skipped, found = collect_games(source, day)
    summary.source = source.name  # after the listing: under auto, the source that served the date
    archive_collected(step.resources.settings, source.name, day, games, listed=found)  # a live source's: kept
    summary.found = found
    summary.processed = len(games)
    summary.failed.extend(skipped)
    meta = document_metadata("collection", len(games), summary.failed, target_date=day, source=source.name)
    return CollectedGames(metadata=meta, games=games)


def _features(step: _Step, doc: Document | None) -> EngineeredFeatures:
    from nba_predictions.steps.features import build_features

    assert isinstance(doc, CollectedGames)
    summary = step.summary
    needs_source = any(g.score_timeline is None or g.context is None for g in doc.games)
    source = None
    if needs_source:
        # The source must answer for the games' own dates (a spec-format document may carry
        # no metadata.target_date; each game has its date).
        source = step.resources.source_for(min(g.date for g in doc.games), doc.metadata.source)
        logger.info("features: the input lacks timelines or contexts; fetching them from %s", source.name)
    featured, skipped = build_features(doc.games, source)
    summary.failed.extend(skipped)
    summary.processed = len(featured)
    served_by = doc.metadata.source or (source.name if source is not None else None)
    summary.source = served_by
    meta = document_metadata(
        "features",
        len(featured),
        summary.failed,
        target_date=summary.target_date,
        span=summary.span,
        source=served_by,
        input_name=step.input_name,
    )
    return EngineeredFeatures(metadata=meta, games=featured)


def _prediction(step: _Step, doc: Document | None) -> Predictions:
    from nba_predictions.steps.prediction import predict_games

    assert isinstance(doc, EngineeredFeatures)
    summary, settings = step.summary, step.resources.settings
    model = step.resources.model()
    predictions = predict_games(doc, model, settings.good_threshold, settings.mediocre_threshold)
    summary.processed = len(predictions)
    meta = document_metadata(
        "prediction",
        len(predictions),
        summary.failed,
        target_date=doc.metadata.target_date,
        span=summary.span,
        source=doc.metadata.source,
        input_name=step.input_name,
        model_version=model.version,
    )
    return Predictions(metadata=meta, predictions=predictions)


STEP_FUNCTIONS: dict[str, Callable[[_Step, Document | None], Document]] = {
    "collection": _collection,
    "features": _features,
    "prediction": _prediction,
}
"""The steps that make a document, by name (storage writes the database: :func:`_store`)."""


def _store(step: _Step, doc: Predictions) -> None:
    """The storage step, and the run's row in ``pipeline_runs`` whatever its outcome."""
    from nba_predictions.steps.storage import store_predictions

    resources, summary = step.resources, step.summary
    try:
        result = store_predictions(
            doc, resources.database(), force=resources.settings.force, backup=resources.backup_settings()
        )
    except PipelineError as exc:
        summary.stop(exc)
        record_run(resources, summary)
        raise
    except Exception as exc:  # a bug in storage: recorded as the run's failure, then reported as one
        summary.errors.append(str(exc))
        record_run(resources, summary)
        raise
    summary.saved = result.saved + result.updated  # re-rated with --force count as saved
    summary.skipped = result.skipped
    record_run(resources, summary)
    if step.notify:  # after the ratings are stored and recorded: a failing webhook cannot undo them
        from nba_predictions.runs.notify import notify_stored

        summary.notification = notify_stored(resources.settings, doc.predictions, set(result.written_ids))
