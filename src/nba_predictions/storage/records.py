"""Plain values the storage step takes and returns (standard library only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Protocol

RUN_STATUSES = ("ok", "partial", "failed")


@dataclass(frozen=True)
class StoreResult:
    """What one storage run did with a predictions document."""

    saved: int  # new games inserted
    updated: int  # already stored, re-rated because of force
    skipped: int  # already stored, left alone (no force)
    backup: Path | None = None  # the SQLite backup taken before writing, if any

    @property
    def total(self) -> int:
        return self.saved + self.updated + self.skipped


class _SkippedLike(Protocol):
    game_id: str
    step: str
    reason: str


class SummaryLike(Protocol):
    """The fields of the pipeline's run summary that a run record needs."""

    target_date: date | None
    steps: Sequence[str]
    source: str | None
    found: int
    processed: int
    saved: int
    skipped: int
    failed: Sequence[_SkippedLike]
    errors: Sequence[str]
    started_at: datetime


@dataclass(frozen=True)
class RunRecord:
    """One row of ``pipeline_runs``."""

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

    @classmethod
    def from_summary(cls, summary: SummaryLike, status: str, finished_at: datetime | None = None) -> RunRecord:
        problems = [f"{g.game_id} ({g.step}): {g.reason}" for g in summary.failed] + list(summary.errors)
        return cls(
            target_date=summary.target_date,
            steps=tuple(summary.steps),
            source=summary.source,
            found=summary.found,
            processed=summary.processed,
            saved=summary.saved,
            skipped=summary.skipped,
            failed=len(summary.failed),
            status=status,
            errors=tuple(problems),
            started_at=summary.started_at,
            finished_at=finished_at or datetime.now(timezone.utc),
        )


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
