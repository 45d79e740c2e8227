"""The stages of a range run through prediction: features (chunk by chunk), rating, storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from nba_predictions.documents.models import ALL_FEATURES
from nba_predictions.runs.backfill.chunks import chunks
from nba_predictions.runs.backfill.collect import DateCollector
from nba_predictions.runs.backfill.state import Featured, RangeState
from nba_predictions.sources.registry import LIVE_SOURCES, Route

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.core.domain import GameRecord
    from nba_predictions.model.loader import LoadedModel
    from nba_predictions.sources.archive import ArchiveSource
    from nba_predictions.steps.prediction import Ratings


def features(
    state: RangeState, collector: DateCollector, plan: Sequence[Route], archive: ArchiveSource | None
) -> Featured:
    """Stage 1: every routed date's games with their features.  The archive's dates go through
    the columnar pass chunk by chunk; the live API's, and those the pass hands back, through the
    one-date steps."""
    import numpy as np

    from nba_predictions.runs.backfill.columnar import archive_features

    state.progress.stage("features", len(plan))
    entries: list[tuple[date, str, GameRecord, Sequence[float]]] = []
    for chunk in chunks(state, plan, archive):
        before = len(entries)
        with_rows = [d for d in chunk if d.route.source == "archive" and d.rows]
        found = None
        if with_rows and archive is not None:
            history = collector.history("archive", with_rows[0].route.day)
            found = archive_features([row for d in with_rows for row in d.rows], history)
            by_day = {d.route.day: d for d in chunk}
            for day, game in found.failed:
                by_day[day].report.failed.append(game)
            entries.extend((r.date, r.game_id, r, found.matrix[i]) for i, r in enumerate(found.records))
        rechecked = found.recheck if found is not None else set()
        for d in chunk:
            if d.route.source in LIVE_SOURCES or d.route.day in rechecked:
                entries.extend(
                    (d.route.day, record.game_id, record, vector) for record, vector in collector.featured(d)
                )
        state.warn_failed(chunk)
        state.progress.advance(
            len(chunk),
            up_to=chunk[-1].route.day,
            games=len(entries) - before,
            failed=sum(1 for d in chunk for g in d.report.failed if g.rateable),
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    for day, _, _, _ in entries:
        state.report(day).processed += 1
    matrix = np.array([e[3] for e in entries], dtype=np.float64).reshape(len(entries), len(ALL_FEATURES))
    return Featured([e[2] for e in entries], matrix)


def rate(state: RangeState, featured: Featured, model: LoadedModel) -> Ratings:
    """Stage 2: one batch prediction of every game of the range."""
    from nba_predictions.steps.prediction import rate_matrix

    state.progress.stage("rating", len(featured.records))
    settings = state.settings
    ratings = rate_matrix(featured.rows, model, settings.good_threshold, settings.mediocre_threshold)
    state.progress.advance(len(featured.records))
    return ratings


def store(state: RangeState, featured: Featured, ratings: Ratings, version: str) -> None:
    """Stage 3: one transaction per chunk of ``chunk_games`` games, in date order.  A date with a
    game that names an unknown team is refused as a whole, as a one-date run's document is."""
    from nba_predictions.features.matrix import feature_values
    from nba_predictions.steps.storage import store_rows
    from nba_predictions.storage.rows import detail_row, game_row, unknown_team

    refused = {r.date for r in featured.records if unknown_team(r) is not None}
    for day in refused:
        report = state.report(day)
        report.status, report.processed = "failed", 0
        report.reason = f"a game names a team id that is not one of the 30 NBA teams; nothing of {day} was saved"
    todo = [i for i, r in enumerate(featured.records) if r.date not in refused]
    state.progress.stage("storage", len(todo))
    db = state.resources.database()
    records = featured.records
    for lo in range(0, len(todo), state.chunk_games):
        part = todo[lo : lo + state.chunk_games]
        now = datetime.now(timezone.utc)
        rows = [
            game_row(
                records[i].game_id,
                records[i],
                ratings.ratings[i],
                ratings.classifications[i],
                version,
                state.predicted_at,
                now,
            )
            for i in part
        ]
        details = [
            detail_row(records[i].game_id, feature_values(featured.rows[i]), ratings.top_features[i]) for i in part
        ]
        written = store_rows(db, rows, details, force=state.settings.force)
        day_of = {records[i].game_id: records[i].date for i in part}
        for game_id in written.inserted | written.filled | written.updated:
            state.report(day_of[game_id]).saved += 1
        for game_id in written.kept:
            state.report(day_of[game_id]).skipped += 1
        state.progress.advance(len(part), up_to=records[part[-1]].date)
