"""``--validate [--step STEP]``: the report of :mod:`nba_predictions.runs.validate`, and its exit code."""

from __future__ import annotations

from nba_predictions.cli.exits import EXIT_FAILED, EXIT_OK
from nba_predictions.config import Settings


def validate_command(settings: Settings, step: str | None) -> int:
    """Print the report: exit 0 when every check passed, 1 otherwise."""
    from nba_predictions.runs.validate import validate

    report, ok = validate(settings, step)
    print(report)
    return EXIT_OK if ok else EXIT_FAILED
