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
    """A transient failure: timeout, HTTP 429 or 5xx.  Only these are retried.

    ``retry_after``: the seconds the server asked to wait (its ``Retry-After``), if it said;
    ``timeout``: the source did not answer in time (a chain of sources passes such a source over).
    """

    def __init__(self, message: str, *, retry_after: float | None = None, timeout: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.timeout = timeout


class UnresponsiveSourceError(RetryableSourceError):
    """A source did not answer within its timeout while serving in a chain of sources: it is passed
    over for the rest of the run (one timeout, never one per game and retry)."""


class FatalSourceError(SourceError):
    """A permanent failure: other 4xx, malformed payload, missing field.

    ``status``: the HTTP status of a refused request (403, 404, ...), None for other failures.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class DateNotCoveredError(SourceError):
    """The source cannot answer for this date (e.g. outside the offline archive's range)."""


class GameDataError(PipelineError):
    """One game's data is incomplete or inconsistent; that game is skipped and reported."""

    def __init__(self, game_id: str, message: str) -> None:
        super().__init__(f"game {game_id}: {message}")
        self.game_id = game_id
        self.detail = message


class UnrateableGameError(GameDataError):
    """The source knows from its own data that it can never rate this game (the offline archive: no
    play-by-play for play-in games, a play-by-play recorded truncated or inconsistent).  The game is
    skipped and reported as *not rateable*, with the reason, like a date the source does not
    cover: it does not fail the run."""


class ArtifactError(PipelineError):
    """A JSON document is missing, unreadable, of the wrong step or violates its schema."""


class StdoutClosedError(ArtifactError):
    """Standard output was closed by its reader (``... --output - | head``) while a document was
    written to it: one error line (exit code 1), and nothing more is written to standard output."""


class ModelError(PipelineError):
    """The model file is missing, corrupt, or does not match the features it is given."""


class StorageError(PipelineError):
    """The database could not be reached or written."""


class ArchiveWriteError(PipelineError):
    """The local archive (``NBA_ARCHIVE_DIR``) could not be written; nothing of the batch was."""


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


class UnknownTeamError(PipelineError, LookupError):
    """A team id or abbreviation that no NBA franchise has used (in that season)."""


class ServeError(PipelineError):
    """The web server cannot start: the address is taken or cannot be bound, the web extra is missing."""


# --- raised and caught inside the package -------------------------------------------------------
# These never reach the command line as they are: the module that catches them turns them into
# one of the errors above, or into a fallback.


class LocationError(OSError):
    """A location cannot be read or written; ``reason`` is one line, free of credentials.

    ``missing`` is set when nothing is stored there (reading); ``hint`` is the fix when the
    location itself says what it is (a folder given for a file).
    """

    def __init__(self, location: str, reason: str, missing: bool = False, hint: str | None = None) -> None:
        super().__init__(reason)
        self.location = location
        self.reason = reason
        self.missing = missing
        self.hint = hint


class DuplicateKeyError(ValueError):
    """A JSON object names ``key`` twice (documents.io refuses the document with an ArtifactError)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class NativeError(Exception):
    """libxgboost refused a call; the message is the library's own (XGBGetLastError).  The model
    loader then rates through the xgboost package instead."""


class NotDecomposableError(Exception):
    """A model :mod:`nba_predictions.model.contributions` does not decompose; XGBoost computes its
    contributions whole."""
