"""A backfill through prediction (and storage) as one run, in three stages.

1. **features**: the dates are routed to sources once (:func:`~nba_predictions.sources.registry.routes`);
   the range's archive rows come from one query, read as the stage goes, chunk by chunk of about
   ``chunk_games`` games through the columnar pass (:mod:`.columnar`); the dates it hands back and
   the live API's go through the one-date step functions.
2. **rating**: one batch prediction of every game of the range.
3. **storage**: one transaction per chunk of ``chunk_games`` games, in date order.

A kill loses at most the chunk being stored (its transaction never commits) and the unstored
ratings; the rerun leaves alone every game already stored with a rating (one query at the start)
and does the rest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from nba_predictions.core.teams import team_ids
from nba_predictions.documents import io as artifacts
from nba_predictions.documents.models import (
    ALL_FEATURES,
    STEPS,
    CollectedGame,
    CollectedGames,
    FeatureContribution,
    GameFeatures,
    Metadata,
    Prediction,
    Predictions,
)
from nba_predictions.errors import DateNotCoveredError, PipelineError, SourceError, UsageError
from nba_predictions.features.history import History, load_history
from nba_predictions.runs.backfill.progress import Progress, Silent
from nba_predictions.runs.backfill.summary import BackfillSummary, DateReport
from nba_predictions.sources.registry import LIVE_SOURCES, Route, routes

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from nba_predictions.core.domain import GameRecord
    from nba_predictions.runs.pipeline import Pipeline
    from nba_predictions.sources.base import Source
    from nba_predictions.steps.prediction import Ratings

logger = logging.getLogger("nba_predictions.runs.backfill")

CHUNK_GAMES = 1024
"""Games per storage transaction (the most a kill can lose) and per chunk of the features stage."""
LIVE_FAILURES_BEFORE_GIVING_UP = 3
"""After this many consecutive live-API dates fail, the remaining ones are not tried in this run."""


@dataclass
class _Day:
    """One date of the range, and what the run has found for it so far."""

    route: Route
    report: DateReport
    rows: list[tuple] = field(default_factory=list)  # the archive's rows still to rate


@dataclass
class _Featured:
    """The range's games ready to rate, in (date, game id) order: ``rows[i]`` are the features of
    ``records[i]`` (columns :data:`~nba_predictions.documents.models.ALL_FEATURES`)."""

    records: list[GameRecord]
    rows: np.ndarray


class RangeRun:
    """One backfill from ``first`` to ``last`` through ``until``."""

    def __init__(
        self,
        pipeline: Pipeline,
        first: date,
        last: date,
        until: str,
        *,
        output_path: str | None,
        progress: Progress | None,
        chunk_games: int,
    ) -> None:
        self.pipeline, self.settings = pipeline, pipeline.settings
        self.first, self.last, self.until = first, last, until
        self.output_path = output_path
        self.progress = progress or Silent()
        self.chunk_games = max(1, chunk_games)
        self.summary = BackfillSummary(first, last, steps=list(STEPS[: STEPS.index(until) + 1]))
        self.storing = until == "storage"
        self.days: list[_Day] = []
        self.histories: dict[str, History] = {}
        self.stored: set[str] = set()
        self.live_failures = 0
        self.live_down: str | None = None
        self.predicted_at = datetime.now(timezone.utc).replace(microsecond=0)

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> BackfillSummary:
        """Run it; a failure that stops the run (the database, the model) ends up in the summary's
        errors, and a storing run is recorded in ``pipeline_runs`` whatever its outcome."""
        clock = time.perf_counter()
        try:
            self._run()
        except UsageError:
            raise
        except PipelineError as exc:
            self.summary.errors.append(str(exc))
            logger.error("backfill stopped: %s", exc)
        finally:
            self.progress.close()
            for day in self.days:
                self.summary.add(day.report)
            self.summary.duration_seconds = time.perf_counter() - clock
        if self.storing:
            self.pipeline.record_run(self.summary.run_record(), self.summary.status)
        return self.summary

    def _plan(self) -> tuple[list[Route], Source | None]:
        if self.output_path is not None:
            artifacts.check_writable(self.output_path)  # before any work
        archive = self.pipeline.source_named("archive") if self.settings.source not in LIVE_SOURCES else None
        return routes(self.settings, self.first, self.last, archive), archive  # type: ignore[arg-type]

    def _run(self) -> None:
        if self.until in ("collection", "features"):
            self._run_to_document()
            return
        plan, archive = self._plan()
        model = self.pipeline.model()  # a broken model stops the run before any work
        if self.storing:
            self._open_database()
        featured = self._features(plan, archive)
        ratings = self._rate(featured, model)
        if self.storing:
            self._store(featured, ratings, model.version)
        if self.output_path is not None:
            self._write_predictions(featured, ratings, model.version)

    def _open_database(self) -> None:
        from nba_predictions.steps.storage import backup_before_writing, rated_game_ids

        db = self.pipeline.database()
        db.prepare()
        backup = self.pipeline.backup_settings()
        if backup is not None:
            backup_before_writing(db, backup)
        if not self.settings.force:
            self.stored = rated_game_ids(db, self.first, self.last)
            if self.stored:
                logger.info(
                    "backfill: %d games of %s to %s are already rated; leaving them alone (--force re-rates them)",
                    len(self.stored),
                    self.first,
                    self.last,
                )

    # -- stage 1: collection and features --------------------------------------------------------

    def _features(self, plan: Sequence[Route], archive: Source | None) -> _Featured:
        import numpy as np

        from nba_predictions.runs.backfill.columnar import archive_features

        self.progress.stage("features", len(plan))
        entries: list[tuple[date, str, GameRecord, Sequence[float]]] = []
        for chunk in self._chunks(plan, archive):
            before = len(entries)
            with_rows = [d for d in chunk if d.route.source == "archive" and d.rows]
            found = None
            if with_rows:
                history = self._history("archive", with_rows[0].route.day)
                found = archive_features([row for d in with_rows for row in d.rows], history, archive)  # type: ignore[arg-type]
                by_day = {d.route.day: d for d in chunk}
                for day, game in found.failed:
                    by_day[day].report.failed.append(game)
                entries.extend((r.date, r.game_id, r, found.matrix[i]) for i, r in enumerate(found.records))
            rechecked = found.recheck if found is not None else set()
            for d in chunk:
                if d.route.source in LIVE_SOURCES or d.route.day in rechecked:
                    entries.extend(
                        (d.route.day, record.game_id, record, vector) for record, vector in self._one_date(d)
                    )
            self._warn_failed(chunk)
            self.progress.advance(
                len(chunk),
                up_to=chunk[-1].route.day,
                games=len(entries) - before,
                failed=sum(len(d.report.failed) for d in chunk),
            )
        entries.sort(key=lambda e: (e[0], e[1]))
        for day, _, _, _ in entries:
            self._report(day).processed += 1
        matrix = np.array([e[3] for e in entries], dtype=np.float64).reshape(len(entries), len(ALL_FEATURES))
        return _Featured([e[2] for e in entries], matrix)  # type: ignore[arg-type]

    def _chunks(self, plan: Sequence[Route], archive: Source | None) -> Iterator[list[_Day]]:
        archive_days = [r.day for r in plan if r.source == "archive"]
        rows = archive.rows_by_day(archive_days[0], archive_days[-1]) if archive_days else iter(())  # type: ignore[union-attr]
        pending = next(rows, None)
        chunk: list[_Day] = []
        weight = 0
        for route in plan:
            day = _Day(route, DateReport(route.day, source=route.source))
            self.days.append(day)
            if route.source is None:
                day.report.status, day.report.reason = "skipped", route.reason
            elif route.source == "archive":
                while pending is not None and pending[0] < route.day:
                    pending = next(rows, None)
                if pending is not None and pending[0] == route.day:
                    day.report.found = len(pending[1])
                    day.rows = [row for row in pending[1] if row[0] not in self.stored]
                    day.report.skipped = day.report.found - len(day.rows)
                    pending = next(rows, None)
                weight += len(day.rows)
            else:
                weight += 8  # a live date: its games are listed when the chunk runs
            chunk.append(day)
            if weight >= self.chunk_games:
                yield chunk
                chunk, weight = [], 0
        if chunk:
            yield chunk

    def _one_date(self, d: _Day) -> list[tuple[GameRecord, list[float]]]:
        """One date through the one-date collection and features steps; a failure fails the date."""
        from nba_predictions.steps.features import build_features

        games = self._collect(d)
        if not games:
            return []
        featured, not_featured = build_features(games, None)
        d.report.failed.extend(not_featured)
        return [(g.raw_data, g.features.vector()) for g in featured]

    def _collect(self, d: _Day) -> list[CollectedGame]:
        """One date through the one-date collection step (its report filled in): a failure of its
        source fails the date, a date the source does not cover is skipped."""
        from nba_predictions.steps.collection import collect_games

        name = d.route.source
        assert name is not None
        if name in LIVE_SOURCES and self.live_down is not None:
            d.report.status, d.report.reason = "failed", self.live_down
            return []
        try:
            source = self.pipeline.source_named(name)
            games, skipped, found = collect_games(
                source, d.route.day, self._history(name, d.route.day), skip_ids=self.stored
            )
        except DateNotCoveredError as exc:
            d.report.status, d.report.reason = "skipped", str(exc)
            return []
        except PipelineError as exc:
            d.report.status, d.report.reason = "failed", _live_reason(str(exc), d.route)
            if name in LIVE_SOURCES and isinstance(exc, SourceError):
                self._live_failed(d.route.day, exc)
            return []
        if name in LIVE_SOURCES:
            self.live_failures = 0
        d.report.found = found
        d.report.skipped = found - len(games) - len(skipped)
        d.report.failed = list(skipped)
        return games

    def _live_failed(self, day: date, exc: SourceError) -> None:
        self.live_failures += 1
        if self.live_failures >= LIVE_FAILURES_BEFORE_GIVING_UP and self.live_down is None:
            self.live_down = (
                f"not tried: the live API failed for the {self.live_failures} live dates before it "
                f"(the last, {day}: {exc})"
            )
            logger.warning(
                "backfill: the live API failed for %d dates in a row; the remaining dates it would "
                "serve are reported as failed",
                self.live_failures,
            )

    def _history(self, name: str, day: date) -> History:
        """The standings/head-to-head history of a source for the rest of the range, loaded once."""
        if name not in self.histories:
            source = self.pipeline.source_named(name)
            try:
                self.histories[name] = load_history(source, day, self.last)
            except SourceError as exc:
                if name in LIVE_SOURCES:
                    self.live_down = f"not tried: the live API's results for the standings failed ({exc})"
                raise
        return self.histories[name]

    def _report(self, day: date) -> DateReport:
        return self.days[(day - self.first).days].report

    def _warn_failed(self, chunk: list[_Day]) -> None:
        failed = [g for d in chunk for g in d.report.failed]
        if failed:
            logger.warning(
                "backfill %s to %s: %d game(s) could not be rated (listed in the summary), e.g. %s",
                chunk[0].route.day,
                chunk[-1].route.day,
                len(failed),
                failed[0].reason,
            )

    # -- stage 2: rating -----------------------------------------------------------------------

    def _rate(self, featured: _Featured, model) -> Ratings:
        from nba_predictions.steps.prediction import rate_matrix

        self.progress.stage("rating", len(featured.records))
        ratings = rate_matrix(featured.rows, model, self.settings.good_threshold, self.settings.mediocre_threshold)
        self.progress.advance(len(featured.records))
        return ratings

    # -- stage 3: storage ----------------------------------------------------------------------

    def _store(self, featured: _Featured, ratings: Ratings, version: str) -> None:
        from nba_predictions.features.columns import feature_values
        from nba_predictions.steps.storage import store_rows
        from nba_predictions.storage.rows import rated_detail_row, rated_game_row

        known = set(team_ids())
        refused = {r.date for r in featured.records if r.home_team_id not in known or r.away_team_id not in known}
        for day in refused:  # as a one-date run: storage refuses the whole date's document
            report = self._report(day)
            report.status, report.processed = "failed", 0
            report.reason = f"a game names a team id that is not one of the 30 NBA teams; nothing of {day} was saved"
        todo = [i for i, r in enumerate(featured.records) if r.date not in refused]
        self.progress.stage("storage", len(todo))
        db = self.pipeline.database()
        for lo in range(0, len(todo), self.chunk_games):
            part = todo[lo : lo + self.chunk_games]
            now = datetime.now(timezone.utc)
            rows = [
                rated_game_row(
                    featured.records[i].game_id,
                    featured.records[i].date,
                    featured.records[i].home_team_id,
                    featured.records[i].away_team_id,
                    ratings.ratings[i],
                    ratings.classifications[i],
                    version,
                    self.predicted_at,
                    now,
                )
                for i in part
            ]
            details = [
                rated_detail_row(featured.records[i].game_id, feature_values(featured.rows[i]), ratings.top_features[i])
                for i in part
            ]
            written = store_rows(db, rows, details, force=self.settings.force)
            day_of = {featured.records[i].game_id: featured.records[i].date for i in part}
            for game_id in written.inserted | written.filled | written.updated:
                self._report(day_of[game_id]).saved += 1
            for game_id in written.kept:
                self._report(day_of[game_id]).skipped += 1
            self.progress.advance(len(part), up_to=featured.records[part[-1]].date)

    # -- documents -----------------------------------------------------------------------------

    def _write_predictions(self, featured: _Featured, ratings: Ratings, version: str) -> None:
        from nba_predictions.features.columns import feature_values

        assert self.output_path is not None
        predictions = [
            Prediction(
                game_id=record.game_id,
                rating=ratings.ratings[i],
                classification=ratings.classifications[i],
                top_features=[FeatureContribution(feature=f, contribution=c) for f, c in ratings.top_features[i]],
                features=GameFeatures(**feature_values(featured.rows[i])),
                raw_data=record,
            )
            for i, record in enumerate(featured.records)
        ]
        doc = Predictions(
            metadata=self._metadata("prediction", len(predictions), model_version=version), predictions=predictions
        )
        artifacts.write_document(doc, self.output_path)

    def _metadata(self, step: str, count: int, model_version: str | None = None) -> Metadata:
        sources = sorted({d.route.source for d in self.days if d.route.source and d.report.found})
        return Metadata(
            step=step,
            timestamp=datetime.now(timezone.utc).replace(microsecond=0),
            first_date=self.first,
            last_date=self.last,
            model_version=model_version,
            total_games=count,
            source=sources[0] if len(sources) == 1 else None,
            skipped_games=[g for d in self.days for g in d.report.failed],
        )

    def _run_to_document(self) -> None:
        """Collection for the range date by date (the one-date step, one history per source), one
        ``collected_games.json`` for the range; then, to ``features``, the features step on it."""
        assert self.output_path is not None, "--until-step collection/features needs --output (checked by the CLI)"
        plan, _ = self._plan()
        self.progress.stage("collection", len(plan))
        games: list[CollectedGame] = []
        dates = collected = failed = 0
        for route in plan:
            d = _Day(route, DateReport(route.day, source=route.source))
            self.days.append(d)
            if route.source is None:
                d.report.status, d.report.reason = "skipped", route.reason
            else:
                found = self._collect(d)
                d.report.processed = len(found)
                games.extend(found)
            dates, collected, failed = dates + 1, collected + d.report.processed, failed + len(d.report.failed)
            if collected >= self.chunk_games or route is plan[-1]:
                self.progress.advance(dates, up_to=route.day, games=collected, failed=failed)
                dates = collected = failed = 0
        doc = CollectedGames(metadata=self._metadata("collection", len(games)), games=games)
        if self.until == "collection":
            artifacts.write_document(doc, self.output_path)
            return
        run = self.pipeline.run("features", self.until, output_path=self.output_path, document=doc)
        date_of = {g.game_id: g.date for g in games}
        for game in run.failed:  # what the features step (and its input rules) refused, by date
            if game.step == "features" and game.game_id in date_of:
                report = self._report(date_of[game.game_id])
                report.failed.append(game)
                report.processed -= 1


def _live_reason(reason: str, route: Route) -> str:
    """A live-API date's failure, with why the live API was asked (the archive's gap, its end)."""
    return f"{reason} (the live API was asked: the date {route.reason})" if route.reason else reason
