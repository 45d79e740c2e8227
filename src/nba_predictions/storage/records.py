"""Plain values the storage step takes and returns (standard library only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

RUN_STATUSES = ("ok", "partial", "failed")


@dataclass(frozen=True)
class StoreResult:
    """What one storage run did with a predictions document."""

    saved: int  # new games inserted
    updated: int  # already stored, re-rated because of force
    skipped: int  # already stored, left alone (no force)
    backup: Path | None = None  # the SQLite backup taken before writing, if any
    written_ids: tuple[str, ...] = ()  # the games this run wrote (saved or updated), by id

    @property
    def total(self) -> int:
        return self.saved + self.updated + self.skipped


@dataclass(frozen=True)
class RunRecord:
    """One row of ``pipeline_runs`` (a run summary's :meth:`~nba_predictions.runs.summary.RunSummary.record`)."""

    target_date: date | None
    steps: tuple[str, ...]
    source: str | None
    found: int
    processed: int
    saved: int
    skipped: int
    failed: int
    status: str  # one of RUN_STATUSES
    errors: tuple[str, ...]
    started_at: datetime
    finished_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.status not in RUN_STATUSES:
            raise ValueError(f"run status {self.status!r} is not one of {', '.join(RUN_STATUSES)}")
        for name in ("found", "processed", "saved", "skipped", "failed"):
            if getattr(self, name) < 0:
                raise ValueError(f"run count {name}={getattr(self, name)} is negative")


@dataclass(frozen=True)
class TeamRef:
    """A team as the web app serves it: id as text, e.g. ``'1610612747'``."""

    id: str
    abbreviation: str | None  # None only for a row the web app wrote for a team it never stored
    name: str | None = None
    conference: str | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "abbreviation": self.abbreviation, "name": self.name, "conference": self.conference}


@dataclass(frozen=True)
class Spoilers:
    """A game's ``game_details``: how it went.  Printed only when asked for (``show --spoilers``)."""

    features: dict[str, float]
    explanation: tuple[tuple[str, float], ...]  # (feature, contribution), largest effect first

    def to_json(self) -> dict:
        return {
            "features": dict(self.features),
            "explanation": [{"feature": f, "contribution": c} for f, c in self.explanation],
        }


@dataclass(frozen=True)
class RatedGame:
    """A stored game as ``show`` lists it: teams, rating, class; never a score.

    Rows the web app (or its original job) wrote have no season, class, model version or
    prediction time, and may have no rating yet; those fields are then None.  ``spoilers`` is
    read only when asked for.
    """

    game_id: str
    date: date
    home: TeamRef
    away: TeamRef
    rating: float | None
    classification: str | None
    season: str | None = None
    model_version: str | None = None
    predicted_at: datetime | None = None
    spoilers: Spoilers | None = None

    def to_json(self) -> dict:
        shown = {
            "game_id": self.game_id,
            "date": self.date.isoformat(),
            "season": self.season,
            "home_team": self.home.to_json(),
            "away_team": self.away.to_json(),
            "rating": self.rating,
            "classification": self.classification,
            "model_version": self.model_version,
            "predicted_at": self.predicted_at.isoformat() if self.predicted_at else None,
        }
        if self.spoilers is not None:
            shown["spoilers"] = self.spoilers.to_json()
        return shown
