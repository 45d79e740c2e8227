"""A backfill through prediction (and storage) as one run, in three stages.

1. **features**: the dates are routed to sources once (:func:`~nba_predictions.sources.registry.routes`);
   the range's archive rows come from one query, read as the stage goes, chunk by chunk of about
   ``chunk_games`` games (:mod:`.chunks`) through the columnar pass (:mod:`.columnar`); the dates it
   hands back and the live API's go through the one-date step functions (:mod:`.collect`).
2. **rating**: one batch prediction of every game of the range.
3. **storage**: one transaction per chunk of ``chunk_games`` games, in date order (:mod:`.stages`).

A kill loses at most the chunk being stored (its transaction never commits) and the unstored
ratings; the rerun leaves alone every game already stored with a rating (one query at the start)
and does the rest.  To ``collection`` or ``features`` the range goes date by date into one
document instead (:mod:`.documents`).
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import TYPE_CHECKING, cast

from nba_predictions.config import DEFAULT_CHUNK_GAMES
from nba_predictions.documents import io as artifacts
from nba_predictions.documents.models import STEPS
from nba_predictions.errors import PipelineError, UsageError
from nba_predictions.runs.backfill import documents, stages
from nba_predictions.runs.backfill.collect import DateCollector
from nba_predictions.runs.backfill.progress import Progress, Silent
from nba_predictions.runs.backfill.state import RangeState
from nba_predictions.runs.recording import record_run
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.summary import RunSummary
from nba_predictions.sources.registry import LIVE_SOURCES, Route, routes

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.sources.archive import ArchiveSource

logger = logging.getLogger("nba_predictions.runs.backfill")

CHUNK_GAMES = DEFAULT_CHUNK_GAMES
"""Games per storage transaction (the most a kill can lose) and per chunk of the features stage."""


class RangeRun:
    """One backfill from ``first`` to ``last`` through ``until`` on ``resources``."""

    def __init__(
        self,
        resources: Resources,
        first: date,
        last: date,
        until: str,
        *,
        output_path: str | None = None,
        progress: Progress | None = None,
        chunk_games: int = CHUNK_GAMES,
    ) -> None:
        steps = list(STEPS[: STEPS.index(until) + 1])
        self.state = RangeState(
            resources,
            first,
            last,
            until,
            summary=RunSummary.for_range(first, last, steps),
            progress=progress or Silent(),
            chunk_games=max(1, chunk_games),
            output_path=output_path,
        )
        self.collector = DateCollector(self.state)

    def run(self) -> RunSummary:
        """Run it; a failure that stops the run (the database, the model) ends up in the summary
        (``errors``, ``error``), and a storing run is recorded in ``pipeline_runs`` whatever its
        outcome.  Raises only :class:`UsageError`."""
        state, summary = self.state, self.state.summary
        clock = time.perf_counter()
        try:
            self._run()
        except UsageError:
            raise
        except PipelineError as exc:
            summary.stop(exc)
            logger.error("backfill stopped: %s", exc)
        finally:
            state.progress.close()
            for day in state.days:
                summary.add(day.report)
            summary.duration_seconds = time.perf_counter() - clock
        if state.until == "storage":
            record_run(state.resources, summary)
        return summary

    def _plan(self) -> tuple[list[Route], ArchiveSource | None]:
        state = self.state
        if state.output_path is not None:
            artifacts.check_writable(state.output_path)  # before any work
        archive = None
        if state.settings.source not in LIVE_SOURCES:
            archive = cast("ArchiveSource", state.resources.source_named("archive"))
        return routes(state.settings, state.first, state.last, archive), archive

    def _run(self) -> None:
        state = self.state
        plan, archive = self._plan()
        if state.until in ("collection", "features"):
            documents.write_to_document(state, self.collector, plan)
            return
        model = state.resources.model()  # a broken model stops the run before any work
        if state.until == "storage":
            self._open_database()
        featured = stages.features(state, self.collector, plan, archive)
        ratings = stages.rate(state, featured, model)
        if state.until == "storage":
            stages.store(state, featured, ratings, model.version)
        if state.output_path is not None:
            documents.write_predictions(state, featured, ratings, model.version)

    def _open_database(self) -> None:
        """The database opened (its schema prepared, backed up when asked) and the games of the
        range already rated read, to be left alone (unless ``--force``)."""
        from nba_predictions.steps.storage import backup_before_writing, rated_game_ids

        state = self.state
        db = state.resources.database()
        db.prepare()
        backup = state.resources.backup_settings()
        if backup is not None:
            backup_before_writing(db, backup)
        if not state.settings.force:
            state.stored = rated_game_ids(db, state.first, state.last)
            if state.stored:
                logger.info(
                    "backfill: %d games of %s to %s are already rated; leaving them alone (--force re-rates them)",
                    len(state.stored),
                    state.first,
                    state.last,
                )
