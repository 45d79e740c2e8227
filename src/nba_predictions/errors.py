"""Every exception the project raises on purpose.

Only :mod:`nba_predictions.cli` maps these to exit codes and user-facing text.  Messages name the
thing that went wrong and the fix, on one line.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: a run failed for a reason the user can act on (exit code 1)."""


class UsageError(PipelineError):
    """The command line or settings are inconsistent (exit code 2)."""


class SourceError(PipelineError):
    """A data source could not deliver what was asked."""


class RetryableSourceError(SourceError):
    """A transient failure: timeout, HTTP 429 or 5xx.  Only these are retried."""


class UnresponsiveSourceError(RetryableSourceError):
    """A source did not answer within its timeout while serving in a chain of sources: it is passed
    over for the rest of the run (one timeout, never one per game and retry)."""


class FatalSourceError(SourceError):
    """A permanent failure: other 4xx, malformed payload, missing field."""


class DateNotCoveredError(SourceError):
    """The source cannot answer for this date (e.g. outside the offline archive's range)."""


class GameDataError(PipelineError):
    """One game's data is incomplete or inconsistent; that game is skipped and reported."""

    def __init__(self, game_id: str, message: str) -> None:
        super().__init__(f"game {game_id}: {message}")
        self.game_id = game_id


class ArtifactError(PipelineError):
    """A JSON document is missing, unreadable, of the wrong step or violates its schema."""


class ModelError(PipelineError):
    """The model file is missing, corrupt, or does not match the features it is given."""


class StorageError(PipelineError):
    """The database could not be reached or written."""


class InvalidRequestError(PipelineError):
    """A web request's parameter is malformed or names nothing we know (HTTP 400).

    ``field`` is the parameter, ``provided`` what the request gave, ``expected`` an example or the
    allowed range; the web layer renders these as the API's ``INVALID_REQUEST`` error or a 400 page.
    """

    def __init__(self, field: str, provided: str, message: str, expected: str) -> None:
        super().__init__(message)
        self.field = field
        self.provided = provided
        self.expected = expected


class ServeError(PipelineError):
    """The web server cannot start: the address is taken or cannot be bound, the web extra is missing."""
