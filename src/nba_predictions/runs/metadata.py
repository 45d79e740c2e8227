"""The ``metadata`` block of the documents a run writes, for a date's run and a range's alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone
from typing import cast

from nba_predictions.documents.models import Metadata, SkippedGame, SourceName, Step


def document_metadata(
    step: Step,
    count: int,
    skipped: Sequence[SkippedGame],
    *,
    target_date: date | None = None,
    span: tuple[date | None, date | None] | None = None,
    source: str | None = None,
    input_name: str | None = None,
    model_version: str | None = None,
) -> Metadata:
    """A step's document of ``count`` games, ``skipped`` those it (or an earlier step) could not
    take: a date's (``target_date``) or a range's (``span``: its first and last date), stamped now
    to the second."""
    first, last = span or (None, None)
    return Metadata(
        step=step,
        timestamp=datetime.now(timezone.utc).replace(microsecond=0),
        target_date=target_date,
        first_date=first,
        last_date=last,
        input_source=input_name,
        model_version=model_version,
        total_games=count,
        source=cast("SourceName | None", source),  # a source's name; Metadata checks it is one
        skipped_games=list(skipped),
    )
