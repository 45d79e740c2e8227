"""The three JSON documents of the pipeline, one pydantic model each.

Field names follow the spec (``../shared/seed/step-based-execution-plan.md``).  Extra fields
beyond the spec are allowed only where documented here (and in ``docs/DOCUMENTS.md``):

* ``metadata.schema_version``, ``metadata.source``, ``metadata.skipped_games``, and
  ``metadata.first_date`` / ``metadata.last_date`` on a backfill's document for a range of dates
* ``games[].score_timeline`` and ``games[].context`` in ``collected_games.json``: what the
  features step needs so it runs without network.  Both are optional: a document in exactly the
  spec's format still works, the features step then asks the configured source.
* feature fields after the spec's seven (``times_tied`` … ``winner_margin_60s_left``): the model's
  additional inputs.
* ``predictions[].classification`` and ``predictions[].top_features``.

Every document is validated when written and when read (see :mod:`nba_predictions.documents.io`).
What the models check is the document level of the input rules (a document that breaks one is
refused whole): types and ranges of every field, no NaN or infinity, the counts, each game listed
once, ``skipped_games`` consistent with the games.  The game level (a game that breaks one is
refused on its own) is :mod:`nba_predictions.documents.rules`.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nba_predictions.core.domain import GameContext, GameId, GameRecord, ScoreTimeline

SCHEMA_VERSION = "1.0"
STEPS = ("collection", "features", "prediction", "storage")
Step = Literal["collection", "features", "prediction", "storage"]
SourceName = Literal["archive", "cdn", "nba_api"]

# The file name each step writes by convention, used in messages.
DOCUMENT_NAMES = {
    "collection": "collected_games.json",
    "features": "engineered_features.json",
    "prediction": "predictions.json",
}

SPEC_FEATURES = (
    "diff_ranks",
    "inter_conference",
    "scores_diff",
    "position_score",
    "competitive_seconds",
    "lead_changes",
    "rivalry_score",
)
EXTRA_FEATURES = (
    "times_tied",
    "overtime_periods",
    "clutch_seconds",
    "largest_lead",
    "comeback_points",
    "second_half_close_seconds",
    "decided_seconds",
    "go_ahead_seconds_left",
    "last_lead_change_seconds_left",
    "last_tie_seconds_left",
    "winner_margin_10s_left",
    "winner_margin_30s_left",
    "winner_margin_60s_left",
)
ALL_FEATURES = SPEC_FEATURES + EXTRA_FEATURES
# The extras that see the last seconds (added with the possession-aware label, see docs/MODEL.md).
LAST_SECONDS_FEATURES = EXTRA_FEATURES[EXTRA_FEATURES.index("go_ahead_seconds_left") :]
# Features that may be negative (every other one is >= 0).
SIGNED_FEATURES = ("winner_margin_10s_left", "winner_margin_30s_left", "winner_margin_60s_left")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class SkippedGame(Strict):
    """A game a step could not process, and why; carried forward so later steps report it."""

    game_id: GameId
    step: Step
    reason: str


class Metadata(Strict):
    step: Step
    timestamp: datetime
    target_date: Date | None = None
    first_date: Date | None = Field(default=None, description="a backfill's document: the range's first date")
    last_date: Date | None = Field(default=None, description="a backfill's document: the range's last date")
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


class GameFeatures(Strict):
    # The spec's seven.
    diff_ranks: int = Field(ge=0, le=14)
    inter_conference: Literal[0, 1]
    scores_diff: int = Field(ge=0)
    position_score: float = Field(ge=0, le=2)
    competitive_seconds: float = Field(ge=0)
    lead_changes: int = Field(ge=0)
    rivalry_score: float = Field(ge=0)
    # Documented additions (see docs/MODEL.md for what each adds to the model).
    times_tied: int = Field(ge=0)
    overtime_periods: int = Field(ge=0)
    clutch_seconds: float = Field(
        ge=0, description="seconds within 5 points in the last 5:00 of regulation and in overtime"
    )
    largest_lead: int = Field(ge=0, description="largest margin either side held")
    comeback_points: int = Field(ge=0, description="largest deficit the winner overcame")
    second_half_close_seconds: float = Field(
        ge=0, description="seconds within 5 points from the start of the second half through overtime"
    )
    decided_seconds: float = Field(
        ge=0,
        description="seconds from the last moment the margin was within 3 points to the end (0 if the game ended within 3)",
    )
    go_ahead_seconds_left: float = Field(ge=0, description="seconds left when the winner took the lead for good")
    last_lead_change_seconds_left: float = Field(
        ge=0, description="seconds left at the last lead change (the whole game if the lead never changed hands)"
    )
    last_tie_seconds_left: float = Field(ge=0, description="seconds left when the score was last level (0-0 counts)")
    winner_margin_10s_left: int = Field(
        description="the winner's margin 10 seconds before the end (negative: it trailed)"
    )
    winner_margin_30s_left: int = Field(
        description="the winner's margin 30 seconds before the end (negative: it trailed)"
    )
    winner_margin_60s_left: int = Field(
        description="the winner's margin 60 seconds before the end (negative: it trailed)"
    )

    def vector(self) -> list[float]:
        return [float(getattr(self, name)) for name in ALL_FEATURES]


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
