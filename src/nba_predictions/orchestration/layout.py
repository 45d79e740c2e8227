"""Where a date's documents live under a documents root (a folder path or a URL).

``{root}/{YYYY-MM-DD}/collected_games.json``, ``engineered_features.json``, ``predictions.json``
and ``{root}/{YYYY-MM-DD}/summaries/{step}.json`` (each step's JSON run summary).  One folder
per date, the same names every run: a run that failed at a step is resumed from the document
of the step before it.  Pure functions, no I/O.
"""

from __future__ import annotations

from datetime import date

from nba_predictions.documents.models import DOCUMENT_NAMES, STEPS


def _join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *parts])


def document_url(root: str, day: date, step: str) -> str:
    """The document ``step`` writes for ``day``: ``{root}/2024-01-15/predictions.json``."""
    return _join(root, day.isoformat(), DOCUMENT_NAMES[step])


def summary_url(root: str, day: date, step: str) -> str:
    """Where ``step``'s JSON run summary for ``day`` goes."""
    return _join(root, day.isoformat(), "summaries", f"{step}.json")


def step_locations(root: str, day: date, step: str) -> tuple[str | None, str | None]:
    """``(input, output)`` document locations of ``step`` for ``day`` (None where it has none)."""
    index = STEPS.index(step)
    source = document_url(root, day, STEPS[index - 1]) if index > 0 else None
    target = document_url(root, day, step) if step != "storage" else None
    return source, target
