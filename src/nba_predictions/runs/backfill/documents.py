"""A range run's documents: one per range (``--until-step collection|features|prediction --output``)."""

from __future__ import annotations

from collections.abc import Sequence

from nba_predictions.documents import io as artifacts
from nba_predictions.documents.models import CollectedGame, CollectedGames, GameFeatures, Predictions
from nba_predictions.runs.backfill.collect import DateCollector
from nba_predictions.runs.backfill.state import Day, Featured, RangeState
from nba_predictions.runs.pipeline import StepRunner
from nba_predictions.sources.registry import Route
from nba_predictions.steps.prediction import Ratings, prediction_list


def write_predictions(state: RangeState, featured: Featured, ratings: Ratings, version: str) -> None:
    """The range's predictions document, to ``state.output_path``."""
    from nba_predictions.features.matrix import feature_values

    assert state.output_path is not None
    predictions = prediction_list(
        ratings,
        [
            (record.game_id, GameFeatures.model_validate(feature_values(featured.rows[i])), record)
            for i, record in enumerate(featured.records)
        ],
    )
    doc = Predictions(
        metadata=state.metadata("prediction", len(predictions), model_version=version), predictions=predictions
    )
    artifacts.write_document(doc, state.output_path)


def collected_document(state: RangeState, collector: DateCollector, plan: Sequence[Route]) -> CollectedGames:
    """Collection for the range date by date (the one-date step, one history per source): one
    ``collected_games.json`` for the range."""
    state.progress.stage("collection", len(plan))
    games: list[CollectedGame] = []
    dates = collected = failed = 0
    for route in plan:
        d = Day.of(route)
        state.days.append(d)
        if route.source is not None:
            found = collector.collect(d)
            d.report.processed = len(found)
            games.extend(found)
        dates, collected, failed = dates + 1, collected + d.report.processed, failed + len(d.report.failed)
        if collected >= state.chunk_games or route is plan[-1]:
            state.progress.advance(dates, up_to=route.day, games=collected, failed=failed)
            dates = collected = failed = 0
    return CollectedGames(metadata=state.metadata("collection", len(games)), games=games)


def write_to_document(state: RangeState, collector: DateCollector, plan: Sequence[Route]) -> None:
    """``--until-step collection|features``: the range's collected games, then, to ``features``,
    the features step on them (one date-runner run of the range document)."""
    assert state.output_path is not None, "--until-step collection/features needs --output (checked by the CLI)"
    doc = collected_document(state, collector, plan)
    if state.until == "collection":
        artifacts.write_document(doc, state.output_path)
        return
    run = StepRunner(state.resources).run("features", state.until, output_path=state.output_path, document=doc)
    if run.error is not None:
        raise run.error
    date_of = {g.game_id: g.date for g in doc.games}
    for game in run.failed:  # what the features step (and its input rules) refused, by date
        if game.step == "features" and game.game_id in date_of:
            report = state.report(date_of[game.game_id])
            report.failed.append(game)
            report.processed -= 1
