"""The step runner: run steps ``start``..``end`` in order, reading and writing the documents.

Each step is a plain function in :mod:`nba_predictions.steps`; this module wires settings,
sources, the model and the database into them, builds the documents' metadata and keeps the
run's counts.  Step modules are imported only when their step runs, so a machine that only
collects never imports numpy, xgboost or SQLAlchemy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from pydantic import BaseModel

from nba_predictions.config import EASTERN, Settings
from nba_predictions.documents import io as artifacts
from nba_predictions.documents import locations, rules
from nba_predictions.documents.models import (
    STEPS,
    CollectedGames,
    EngineeredFeatures,
    Metadata,
    Predictions,
    SkippedGame,
)
from nba_predictions.errors import ArtifactError, PipelineError, UsageError
from nba_predictions.sources.base import Source

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.storage.records import SummaryLike

logger = logging.getLogger(__name__)

SUMMARY_VERSION = "1.0"  # the JSON run summary's shape (RunSummary.to_dict)


@dataclass
class RunSummary:
    """What a run did; printed at the end and recorded in ``pipeline_runs`` when storing."""

    target_date: date | None
    steps: list[str]
    source: str | None = None
    span: tuple[date, date] | None = None  # a backfill's document: its first and last date
    found: int = 0
    processed: int = 0
    saved: int = 0
    skipped: int = 0  # already stored and not re-rated (no --force)
    failed: list[SkippedGame] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    duration_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors

    @property
    def status(self) -> str:
        """``ok`` (every game done), ``partial`` (some games failed) or ``failed`` (the run did)."""
        return "failed" if self.errors else ("partial" if self.failed else "ok")

    def to_dict(self) -> dict:
        """The summary as JSON-ready values (``--summary-json``, the orchestrator's flow result)."""
        return {
            "summary_version": SUMMARY_VERSION,
            "status": self.status,
            "ok": self.ok,
            "exit_code": 0 if self.ok else 1,
            "target_date": self.target_date.isoformat() if self.target_date else None,
            **({"first_date": self.span[0].isoformat(), "last_date": self.span[1].isoformat()} if self.span else {}),
            "source": self.source,
            "steps": list(self.steps),
            "found": self.found,
            "processed": self.processed,
            "saved": self.saved,
            "skipped": self.skipped,
            "failed": [g.model_dump() for g in self.failed],
            "errors": list(self.errors),
            "started_at": self.started_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 3),
        }

    def render(self) -> str:
        problems = [f"{g.game_id} ({g.step}): {g.reason}" for g in self.failed] + self.errors
        lines = [
            "run summary",
            f"  target date : {self.target_date or 'unknown'}",
            f"  source      : {self.source or '-'}",
            f"  steps       : {' -> '.join(self.steps)}",
            f"  games       : found {self.found}, processed {self.processed}, saved {self.saved}, "
            f"skipped {self.skipped}, failed {len(self.failed)}",
            f"  errors      : {len(problems) or 'none'}",
            *(f"    - {p}" for p in problems),
            f"  duration    : {self.duration_seconds:.2f} s",
        ]
        return "\n".join(lines)


def _metadata(
    step: str,
    day: date | None,
    source: str | None,
    input_name: str | None,
    count: int,
    skipped: list[SkippedGame],
    model_version: str | None = None,
    span: tuple[date, date] | None = None,
) -> Metadata:
    return Metadata(
        step=step,
        timestamp=datetime.now(timezone.utc).replace(microsecond=0),
        target_date=day,
        first_date=span[0] if span else None,
        last_date=span[1] if span else None,
        input_source=input_name,
        model_version=model_version,
        total_games=count,
        source=source,
        skipped_games=skipped,
    )


class Pipeline:
    """Runs a contiguous range of steps for one date or one input document."""

    def __init__(
        self,
        settings: Settings,
        source: Source | None = None,
        *,
        explicit_date: bool = False,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.settings = settings
        self._source = source
        self._today = today or (lambda: datetime.now(tz=EASTERN).date())  # for the input rules
        self.explicit_date = explicit_date  # --date was given (not the default yesterday)
        self._sources: dict[str, Source] = {} if source is None else {source.name: source}
        self._model = None  # loaded once per Pipeline, on first prediction
        self._database = None  # opened once per Pipeline, on first storage; see database()
        self._storage_started = False  # whether the current run reached the storage step
        self.last_summary: RunSummary | None = None

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release what the runs opened (the database engine)."""
        if self._database is not None:
            self._database.close()
            self._database = None

    def database(self):
        """The database, opened on first use and handed to every storage call of this Pipeline."""
        if self._database is None:
            from nba_predictions.storage.database import connect

            self._database = connect(self.settings.database_url)
        return self._database

    def source_named(self, name: str) -> Source:
        """The source registered as ``name`` (``archive``, ``nba_api``), created once on first use."""
        if name not in self._sources:
            from nba_predictions.sources.registry import SOURCES

            self._sources[name] = SOURCES[name](self.settings)
        return self._sources[name]

    def source_for(self, day: date, name: str | None = None) -> Source:
        """The data source, created once on first use (``name`` overrides ``auto``)."""
        if self._source is None:
            from dataclasses import replace

            from nba_predictions.sources.registry import make_source

            settings = self.settings
            if name is not None and settings.source == "auto":
                settings = replace(settings, source=name)
            self._source = make_source(settings, day)
        return self._source

    def run(
        self,
        start: str,
        end: str,
        input_path: str | None = None,
        output_path: str | None = None,
        day: date | None = None,
        document: BaseModel | None = None,
    ) -> RunSummary:
        """Run steps ``start``..``end``; collection collects ``day`` (default: the settings' date).

        A run that starts after collection reads its input from ``input_path``, or takes
        ``document`` (the previous step's document, already in memory: a backfill's range).
        ``output_path`` receives the last document the run makes (the predictions document when
        the run goes on to storage), written once it is final and before storage starts.
        """
        first, last = STEPS.index(start), STEPS.index(end)
        assert first <= last, f"step range {start}..{end} is empty"  # the CLI refuses it as a usage error
        steps = list(STEPS[first : last + 1])
        clock = time.perf_counter()
        # A resumed run's date is its input document's (read in _run), unless --date was given.
        resumed = start != "collection" and day is None and not self.explicit_date
        summary = RunSummary(target_date=None if resumed else day or self.settings.target_date, steps=steps)
        self.last_summary = summary  # what a run that raised had done (for --summary-json)
        self._storage_started = False
        try:
            self._run(steps, summary, input_path, output_path, document)
        except PipelineError as exc:
            if str(exc) not in summary.errors:
                summary.errors.append(str(exc))
            summary.duration_seconds = time.perf_counter() - clock
            if "storage" in steps and not self._storage_started and not isinstance(exc, UsageError):
                self._record_failure_before_storage(summary)
            raise
        finally:
            summary.duration_seconds = time.perf_counter() - clock
        return summary

    def _run(
        self,
        steps: list[str],
        summary: RunSummary,
        input_path: str | None,
        output_path: str | None,
        document: BaseModel | None,
    ) -> None:
        if output_path is not None:
            artifacts.check_writable(output_path)  # before any work, not after it
        doc: BaseModel | None = document
        input_name: str | None = None
        if steps[0] != "collection":
            if doc is None:
                assert input_path is not None, "--from-step needs --input (checked by the CLI)"
                doc = artifacts.read_document(input_path, artifacts.input_step_for(steps[0]))
                input_name = "stdin" if input_path == artifacts.STDIO else locations.base_name(input_path)
            meta = doc.metadata  # type: ignore[attr-defined]
            if meta.first_date is not None and meta.last_date is not None:
                summary.span = (meta.first_date, meta.last_date)
            if self._date_conflicts(meta.target_date):
                raise UsageError(
                    f"--date {self.settings.target_date} does not match {input_path}'s target_date "
                    f"{meta.target_date}: drop --date when resuming from a file"
                )
            try:  # the game-level input rules: a game that breaks one is refused, the others go on
                doc, refused = rules.screen_document(doc, steps[0], self._today())  # type: ignore[arg-type]
            except ArtifactError as exc:
                raise ArtifactError(
                    f"{'standard input' if input_path == artifacts.STDIO else input_path}: {exc}"
                ) from None
            for game in refused:
                logger.warning("%s: refusing %s", steps[0], game.reason)
            summary.target_date = meta.target_date or (self.settings.target_date if self.explicit_date else None)
            summary.source = meta.source
            summary.failed = [*meta.skipped_games, *refused]
            summary.found = meta.total_games + len(meta.skipped_games)
            summary.processed = meta.total_games - len(refused)
        last_document_step = next((s for s in reversed(steps) if s != "storage"), None)
        step_functions = {
            "collection": self._step_collection,
            "features": self._step_features,
            "prediction": self._step_prediction,
        }
        for step in steps:
            if step == "storage":
                self._run_storage(doc, summary)  # type: ignore[arg-type]
                break
            doc = step_functions[step](doc, summary, input_name)  # type: ignore[arg-type]
            input_name = None  # later steps of this run read in memory
            if step == last_document_step and output_path is not None:
                artifacts.write_document(doc, output_path)

    def _run_storage(self, doc: Predictions, summary: RunSummary) -> None:
        """The storage step, and the run's row in ``pipeline_runs`` whatever its outcome."""
        self._storage_started = True
        try:
            self._step_storage(doc, summary)
        except Exception as exc:
            summary.errors.append(str(exc))
            self.record_run(summary, status="failed")
            raise
        self.record_run(summary, status="ok" if summary.ok else "partial")

    def _date_conflicts(self, doc_day: date | None) -> bool:
        """--date was given and differs from the input document's target_date."""
        return self.explicit_date and doc_day is not None and doc_day != self.settings.target_date

    # -- the four steps ----------------------------------------------------------------------

    def _step_collection(self, _doc: None, summary: RunSummary, _input: str | None) -> CollectedGames:
        from nba_predictions.steps.collection import collect_games

        day = summary.target_date
        source = self.source_for(day)
        games, skipped, found = collect_games(source, day)
        summary.source = source.name  # after the listing: under auto, the source that served the date
        summary.found = found
        summary.processed = len(games)
        summary.failed.extend(skipped)
        return CollectedGames(
            metadata=_metadata("collection", day, source.name, None, len(games), list(summary.failed)),
            games=games,
        )

    def _step_features(self, doc: CollectedGames, summary: RunSummary, input_name: str | None) -> EngineeredFeatures:
        from nba_predictions.steps.features import build_features

        day = summary.target_date
        needs_source = any(g.score_timeline is None or g.context is None for g in doc.games)
        source = None
        if needs_source:
            # The source must answer for the games' own dates (a spec-format document may carry
            # no metadata.target_date; each game has its date).
            source = self.source_for(min(g.date for g in doc.games), doc.metadata.source)
            logger.info("features: the input lacks timelines or contexts; fetching them from %s", source.name)
        featured, skipped = build_features(doc.games, source)
        summary.failed.extend(skipped)
        summary.processed = len(featured)
        served_by = doc.metadata.source or (source.name if source is not None else None)
        summary.source = served_by
        return EngineeredFeatures(
            metadata=_metadata(
                "features", day, served_by, input_name, len(featured), list(summary.failed), span=summary.span
            ),
            games=featured,
        )

    def _step_prediction(self, doc: EngineeredFeatures, summary: RunSummary, input_name: str | None) -> Predictions:
        from nba_predictions.steps.prediction import predict_games

        model = self.model()
        predictions = predict_games(doc, model, self.settings.good_threshold, self.settings.mediocre_threshold)
        summary.processed = len(predictions)
        return Predictions(
            metadata=_metadata(
                "prediction",
                doc.metadata.target_date,
                doc.metadata.source,
                input_name,
                len(predictions),
                list(summary.failed),
                model_version=model.version,
                span=summary.span,
            ),
            predictions=predictions,
        )

    def _step_storage(self, doc: Predictions, summary: RunSummary) -> None:
        from nba_predictions.steps.storage import store_predictions

        result = store_predictions(doc, self.database(), force=self.settings.force, backup=self.backup_settings())
        summary.saved = result.saved + result.updated  # re-rated with --force count as saved
        summary.skipped = result.skipped

    def model(self):
        """The model, loaded once on first use."""
        if self._model is None:
            from nba_predictions.model.loader import load_model

            self._model = load_model(self.settings.model_path, self.settings.model_cache_dir)
        return self._model

    def backup_settings(self):
        """What BACKUP_ENABLED and friends ask for, or None."""
        if not self.settings.backup_enabled:
            return None
        from nba_predictions.storage.backup import BackupSettings

        return BackupSettings(directory=self.settings.backup_dir, keep=self.settings.backup_keep)

    def _record_failure_before_storage(self, summary: RunSummary) -> None:
        """A run meant to end in storage failed before it (the API down, a refused document):
        its ``pipeline_runs`` row, status ``failed``, when the database exists and answers.  A
        failed run never creates a database (a missing SQLite file stays missing)."""
        try:
            from nba_predictions.storage.engine import parse_url, sqlite_path

            path = sqlite_path(parse_url(self.settings.database_url))
            if path is not None and not path.is_file():
                logger.debug("run not recorded in pipeline_runs: no database at %s yet", path)
                return
            self.record_run(summary, status="failed")
        except Exception as exc:  # no storage packages, a bad URL: the run's own error is what to report
            logger.debug("run not recorded in pipeline_runs: %s", exc)

    def record_run(self, summary: SummaryLike, status: str) -> None:
        """Add the run's row to ``pipeline_runs``; a failure to do so is logged, not raised."""
        from nba_predictions.steps.storage import RunRecord, record_run

        try:
            record_run(self.database(), RunRecord.from_summary(summary, status))
        except Exception as exc:  # the run's own outcome matters more than its log row
            # After a failed storage step the error already says what is wrong with the database.
            log = logger.debug if status == "failed" else logger.warning
            log("could not record the run in pipeline_runs: %s", exc)
