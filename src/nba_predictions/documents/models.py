"""The three JSON documents of the pipeline, one pydantic model each.

Field names follow the spec (``../shared/seed/step-based-execution-plan.md``).  Extra fields
beyond the spec are allowed only where documented here (and in ``docs/DOCUMENTS.md``):

* ``metadata.schema_version``, ``metadata.source``, ``metadata.skipped_games``, and
  ``metadata.first_date`` / ``metadata.last_date`` on a backfill's document for a range of dates
* ``games[].score_timeline`` and ``games[].context`` in ``collected_games.json``: what the
  features step needs so it runs without network.  Both are optional: a document in exactly the
  spec's format still works, the features step then asks the configured source.
* feature fields after the spec's seven: the shipped model's additional inputs (``times_tied`` …
  ``winner_margin_60s_left``), then the stakes (``playoff_round`` … ``seed_race_teams``) and the
  performances (``top_points``, ``duel_points``, ``all_round``) of issue 23, which a model may or may
  not read (it takes its own columns by name).
* ``games[].context.stakes`` in ``collected_games.json``: the series state and seeding races the
  stakes features need (optional: null in a document from before them).
* ``predictions[].classification`` and ``predictions[].top_features``.

Every document is validated when written and when read (see :mod:`nba_predictions.documents.io`).
What the models check is the document level of the input rules (a document that breaks one is
refused whole): types and ranges of every field, no NaN or infinity, the counts, each game listed
once, ``skipped_games`` consistent with the games.  The game level (a game that breaks one is
refused on its own) is :mod:`nba_predictions.documents.rules`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from nba_predictions.core.domain import GameContext, GameId, GameRecord, ScoreTimeline
from nba_predictions.features.spec import (
    ALL_FEATURES,
    EXTRA_FEATURES,
    FEATURES,
    LAST_SECONDS_FEATURES,
    PERFORMANCE_NAMES,
    SCORE_NAMES,
    STAKES_NAMES,
)

__all__ = [  # the feature names come from features.spec; readers of documents find them here too
    "ALL_FEATURES",
    "DOCUMENT_MODELS",
    "DOCUMENT_NAMES",
    "EXTRA_FEATURES",
    "LAST_SECONDS_FEATURES",
    "PERFORMANCE_NAMES",
    "SCORE_NAMES",
    "STAKES_NAMES",
    "STEPS",
    "CollectedGame",
    "CollectedGames",
    "EngineeredFeatures",
    "FeatureContribution",
    "FeatureValues",
    "FeaturedGame",
    "GameFeatures",
    "Metadata",
    "Prediction",
    "Predictions",
    "SkippedGame",
    "SourceName",
    "Step",
    "Strict",
]

SCHEMA_VERSION: Final = "1.0"
STEPS = ("collection", "features", "prediction", "storage")
Step = Literal["collection", "features", "prediction", "storage"]
SourceName = Literal["archive", "cdn", "nba_api"]

# The file name each step writes by convention, used in messages.
DOCUMENT_NAMES = {
    "collection": "collected_games.json",
    "features": "engineered_features.json",
    "prediction": "predictions.json",
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class SkippedGame(Strict):
    """A game a step could not process, and why; carried forward so later steps report it.

    ``rateable`` False: the source knows from its own data that it can never rate the game (the
    archive's play-in games without play-by-play, a play-by-play it recorded truncated or
    inconsistent); such a game is reported as not rateable and fails no run.
    """

    game_id: GameId
    step: Step
    reason: str
    rateable: bool = Field(
        default=True,
        description="false: the source knows it can never rate this game from its data (reported as not "
        "rateable, not a failure of the run); true: it could have been rated and was not",
    )


class Metadata(Strict):
    step: Step
    timestamp: datetime
    target_date: date | None = None
    first_date: date | None = Field(default=None, description="a backfill's document: the range's first date")
    last_date: date | None = Field(default=None, description="a backfill's document: the range's last date")
    input_source: str | None = Field(default=None, description="the file this step read, if any")
    model_version: str | None = Field(
        default=None, min_length=1, max_length=64, description="set on predictions.json (required there)"
    )
    total_games: int = Field(ge=0)
    schema_version: Literal["1.0"] = SCHEMA_VERSION
    source: SourceName | None = Field(default=None, description="the data source that served the games")
    skipped_games: list[SkippedGame] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_range(self) -> Metadata:
        if (self.first_date is None) != (self.last_date is None):
            raise ValueError("metadata.first_date and metadata.last_date go together: give both or neither")
        if self.first_date is not None and self.last_date is not None and self.first_date > self.last_date:
            raise ValueError(f"metadata.first_date {self.first_date} is after metadata.last_date {self.last_date}")
        return self


class CollectedGame(GameRecord):
    """The spec's collection fields plus the optional, documented ``score_timeline`` and ``context``."""

    score_timeline: ScoreTimeline | None = None
    context: GameContext | None = None

    def record(self) -> GameRecord:
        """The spec's fields only (the ``raw_data`` of later documents)."""
        return GameRecord.model_validate(self.model_dump(include=set(GameRecord.model_fields)))


class FeatureValues(Strict):
    """The base of :data:`GameFeatures`: what a document's ``features`` object can do beyond its fields."""

    if TYPE_CHECKING:  # the fields are generated from the specification; each holds an int or a float

        def __getattr__(self, name: str) -> Any: ...

    def vector(self) -> list[float]:
        return [float(self.__dict__[name]) for name in ALL_FEATURES]


if TYPE_CHECKING:
    GameFeatures = FeatureValues
else:
    GameFeatures = create_model(
        "GameFeatures",
        __base__=FeatureValues,
        __module__=__name__,
        **{spec.name: spec.field_definition() for spec in FEATURES},
    )
    """A document's ``features``: one field per :data:`~nba_predictions.features.spec.FEATURES` entry,
    in that order, with its type, range and description (the spec's seven, then the documented additions)."""


class FeaturedGame(Strict):
    game_id: GameId
    raw_data: GameRecord
    features: GameFeatures


class FeatureContribution(Strict):
    feature: str
    contribution: float


class Prediction(Strict):
    game_id: GameId
    rating: float = Field(ge=0, le=100)
    classification: Literal["good", "mediocre", "bad"]
    top_features: list[FeatureContribution] = Field(default_factory=list)
    features: GameFeatures
    raw_data: GameRecord


def _check_games(meta: Metadata, ids: list[str], step: str, key: str) -> None:
    """The document-level bookkeeping: step, count, each game once, skipped games consistent.

    Messages start with the field they concern (the reader prints them after the file name).
    """
    if meta.step != step:
        raise ValueError(f"metadata.step: is {meta.step!r}, expected {step!r}")
    if meta.total_games != len(ids):
        raise ValueError(f"metadata.total_games: is {meta.total_games} but the document lists {len(ids)} games")
    first_at: dict[str, int] = {}
    for i, game_id in enumerate(ids):
        if game_id in first_at:
            raise ValueError(
                f"{key}[{i}].game_id: game {game_id} is listed twice (also {key}[{first_at[game_id]}]); "
                "which of the two is right cannot be known"
            )
        first_at[game_id] = i
    order = STEPS.index(step)
    seen: set[str] = set()
    for i, skipped in enumerate(meta.skipped_games):
        where = f"metadata.skipped_games[{i}]"
        if skipped.game_id in first_at:
            raise ValueError(
                f"{where}.game_id: game {skipped.game_id} is reported as skipped but is also "
                f"listed in {key}[{first_at[skipped.game_id]}]"
            )
        if skipped.game_id in seen:
            raise ValueError(f"{where}.game_id: game {skipped.game_id} is reported as skipped twice")
        if STEPS.index(skipped.step) > order:
            raise ValueError(
                f"{where}.step: a {step} document cannot report a game skipped by the later {skipped.step} step"
            )
        seen.add(skipped.game_id)


class CollectedGames(Strict):
    """``collected_games.json``."""

    metadata: Metadata
    games: list[CollectedGame]

    @model_validator(mode="after")
    def _check(self) -> CollectedGames:
        _check_games(self.metadata, [g.game_id for g in self.games], "collection", "games")
        return self


class EngineeredFeatures(Strict):
    """``engineered_features.json``."""

    metadata: Metadata
    games: list[FeaturedGame]

    @model_validator(mode="after")
    def _check(self) -> EngineeredFeatures:
        _check_games(self.metadata, [g.game_id for g in self.games], "features", "games")
        return self


class Predictions(Strict):
    """``predictions.json``."""

    metadata: Metadata
    predictions: list[Prediction]

    @model_validator(mode="after")
    def _check(self) -> Predictions:
        if self.metadata.model_version is None:
            raise ValueError("metadata.model_version: missing; a predictions document names the model that rated it")
        _check_games(self.metadata, [p.game_id for p in self.predictions], "prediction", "predictions")
        return self


DOCUMENT_MODELS: dict[str, type[BaseModel]] = {
    "collection": CollectedGames,
    "features": EngineeredFeatures,
    "prediction": Predictions,
}
