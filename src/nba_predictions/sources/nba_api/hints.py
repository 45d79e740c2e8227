"""What to tell the user when the live API fails: one line, and never a way that cannot work."""

from __future__ import annotations

import logging
from datetime import date

from nba_predictions.errors import SourceError

logger = logging.getLogger(__name__)

NETWORK_HINT = "check the network, NBA_API_PROXY and NBA_API_STATS_URL"


def failure_hint(day: date | None) -> str:
    """What to try when the live API fails for ``day`` (one line).

    The offline archive is suggested only when it covers ``day``: suggesting it for a date it
    cannot answer (yesterday, most of the time) only sends the user to an error that points back
    here.  Otherwise the hint names what to check and the archive's range.
    """
    from nba_predictions.sources.archive import ArchiveSource  # stdlib sqlite3 only: cheap, and only on a failure

    archive = ArchiveSource()
    try:
        first, last = archive.coverage()
        covered = day is not None and archive.covers(day)
    except SourceError as exc:  # a missing or unreadable archive must not hide the API's error
        logger.debug("no archive range for the hint: %s", exc)
        return NETWORK_HINT
    finally:
        archive.close()
    if covered:
        return f"run with --source archive to use the offline archive, which covers {day}"
    if day is None:
        return f"{NETWORK_HINT}; the offline archive (--source archive) covers {first} to {last}"
    return f"{NETWORK_HINT} (the offline archive does not cover {day}: it covers {first} to {last})"
