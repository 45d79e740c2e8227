"""The training data: every archive game with a complete timeline and valid features, split by season."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np

from nba_predictions.core.domain import ScoreTimeline
from nba_predictions.core.season import Season
from nba_predictions.errors import PipelineError
from nba_predictions.sources.base import Source

TEST_SEASONS = 2
VALIDATION_SEASONS = 2


class TrainingSource(Source, Protocol):
    """What training reads (the offline archive has it all): the :class:`Source` protocol (its bulk
    read feeds the whole-range features pass) and the archive's coverage, build metadata and
    neutral-site flags."""

    def coverage(self) -> tuple[date, date]:
        """First and last date with score timelines."""
        ...

    def results_coverage(self) -> tuple[date, date]:
        """First and last date with results."""
        ...

    def meta(self) -> dict[str, str]:
        """Build metadata recorded in the model's metadata (format version, coverage)."""
        ...

    def neutral_sites(self, game_ids: Iterable[str]) -> set[str]:
        """Those of ``game_ids`` played at a neutral site, in one call."""
        ...


@dataclass
class TrainingData:
    """One row per game with a complete timeline and valid features."""

    game_ids: list[str]
    seasons: list[Season]
    features: np.ndarray  # ALL_FEATURES order
    timelines: list[ScoreTimeline]
    neutral: np.ndarray
    skipped: int
    archive: dict[str, str]

    def rows(self, seasons: Sequence[Season]) -> np.ndarray:
        wanted = set(seasons)
        return np.array([s in wanted for s in self.seasons], dtype=bool)

    @property
    def season_text(self) -> np.ndarray:
        return np.array([str(s) for s in self.seasons])

    @property
    def total_points(self) -> np.ndarray:
        return np.array([sum(t.final_score) for t in self.timelines], dtype=np.float64)


def load_training_data(source: TrainingSource, seasons: Sequence[Season] | None = None) -> TrainingData:
    """Features and timelines of every game of ``seasons`` (default: all with timelines)."""
    from nba_predictions.features.matrix import range_features

    first, last = source.coverage()
    if seasons is not None:
        # Calendar bounds wide enough for any season (the 2019-20 playoffs ran into October 2020);
        # rows are then kept by the season in their game id.
        first = max(first, date(min(seasons).start_year, 9, 1))
        last = min(last, date(max(seasons).start_year + 1, 10, 31))
    table = range_features(source, first, last)
    keep = [i for i, g in enumerate(table.game_ids) if seasons is None or Season.of_game_id(g) in set(seasons)]
    game_ids = [table.game_ids[i] for i in keep]
    if not game_ids:
        raise PipelineError(
            f"the {source.name} source has no games with features for the seasons {seasons}: "
            "rebuild the archive with scripts/build_archive.py"
        )
    neutral_sites = source.neutral_sites(game_ids)  # one query, not one per game
    meta = source.meta()
    return TrainingData(
        game_ids=game_ids,
        seasons=[Season.of_game_id(g) for g in game_ids],
        features=np.asarray(table.matrix[keep], dtype=np.float64),
        timelines=[table.timelines[i] for i in keep],  # decoded once, by the features pass
        neutral=np.array([g in neutral_sites for g in game_ids], dtype=bool),
        skipped=len(table.skipped),
        archive={
            k: meta[k]
            for k in sorted(meta)
            if k in ("format_version", "first_timeline_date", "last_timeline_date", "last_result_date")
        },
    )


def split_seasons(
    seasons: Sequence[Season], last_result_season: Season, test_seasons: int = TEST_SEASONS
) -> tuple[list[Season], list[Season]]:
    """(train, test): test = the ``test_seasons`` latest complete seasons (before ``last_result_season``
    when that season is still running), train = every earlier season."""
    complete = sorted({s for s in seasons if s < last_result_season})
    if len(complete) < test_seasons + 1:
        raise PipelineError(
            f"need at least {test_seasons + 1} complete seasons to train and test, the archive has {len(complete)}"
        )
    return complete[:-test_seasons], complete[-test_seasons:]


def split_validation(
    train_seasons: Sequence[Season], validation_seasons: int = VALIDATION_SEASONS
) -> tuple[list[Season], list[Season]]:
    """(fit, validation) inside the training seasons: the latest ``validation_seasons`` validate."""
    seasons = sorted(train_seasons)
    if len(seasons) < validation_seasons + 1:
        raise PipelineError(
            f"need at least {validation_seasons + 1} training seasons to choose the label and the model on "
            f"validation seasons, got {len(seasons)}"
        )
    return seasons[:-validation_seasons], seasons[-validation_seasons:]
