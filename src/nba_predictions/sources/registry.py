"""The explicit registry of data sources, and the ``auto`` choice between them.

Factories import their module lazily so that choosing the archive never imports the HTTP stack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from ..config import Settings
from .base import Source

logger = logging.getLogger(__name__)


def _archive(settings: Settings) -> Source:
    from .archive import ArchiveSource

    return ArchiveSource()


def _nba_api(settings: Settings) -> Source:
    from .nba_api import NbaApiSource

    return NbaApiSource.from_settings(settings.api)


SOURCES: dict[str, Callable[[Settings], Source]] = {"archive": _archive, "nba_api": _nba_api}


def make_source(settings: Settings, day: date) -> Source:
    """The source named by ``settings.source``; ``auto`` = the archive when it covers ``day``,
    otherwise the live API."""
    if settings.source != "auto":
        return SOURCES[settings.source](settings)
    archive = SOURCES["archive"](settings)
    if archive.covers(day):
        logger.info("source auto: the offline archive covers %s", day)
        return archive
    logger.info("source auto: %s is outside the offline archive, using the live NBA API", day)
    return SOURCES["nba_api"](settings)
