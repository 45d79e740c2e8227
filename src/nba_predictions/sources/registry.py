"""The explicit registry of data sources, and the ``auto`` choice between them.

Factories import their module lazily so that choosing the archive never imports the HTTP stack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from nba_predictions.config import Settings
from nba_predictions.sources.base import Source

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.sources.archive import ArchiveSource

logger = logging.getLogger(__name__)


def _archive(settings: Settings) -> Source:
    from nba_predictions.sources.archive import ArchiveSource

    return ArchiveSource()


def _nba_api(settings: Settings) -> Source:
    from nba_predictions.sources.nba_api import NbaApiSource

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


@dataclass(frozen=True)
class Route:
    """Which source answers for one date of a range; ``source`` None: none does (``reason`` says why)."""

    day: date
    source: str | None
    reason: str | None = None


def routes(settings: Settings, first: date, last: date, archive: ArchiveSource) -> list[Route]:
    """A source for every date from ``first`` to ``last``, as ``make_source`` would choose it date by
    date: ``archive`` where it covers the date, otherwise the live API under ``auto`` (``reason``:
    why, e.g. "falls in a known gap of the offline archive (...)"), or no source under ``archive``
    (``reason`` says why and what would rate it); ``nba_api`` for every date under ``nba_api``."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if settings.source == "nba_api":
        return [Route(day, "nba_api") for day in days]
    out = []
    for day in days:
        reason = archive.uncovered_reason(day)
        if reason is None:
            out.append(Route(day, "archive"))
        elif settings.source == "auto":
            out.append(Route(day, "nba_api", reason))
        else:
            out.append(Route(day, None, f"the date {reason}; --source auto or nba_api asks the live API for it"))
    return out
