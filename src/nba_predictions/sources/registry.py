"""The explicit registry of data sources, and the ``auto`` chain of them.

Factories import their module lazily so that choosing the archive never imports the HTTP stack.
``in_chain``: the source serves in ``--source auto``'s chain (:mod:`.chain`), where a live source
that does not answer within its timeout is passed over for the rest of the run.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from nba_predictions.config import ApiSettings, Settings
from nba_predictions.sources.base import Source

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.sources.archive import ArchiveSource

logger = logging.getLogger(__name__)

DEFAULT_CDN_URL = "https://cdn.nba.com/static/json"
LIVE_SOURCES = ("cdn", "nba_api")


@functools.cache
def _warn_deprecated(old: str, new: str) -> None:
    logger.warning("NBA_API_CDN_URL is deprecated: set NBA_CDN_URL=%s instead (read as that for now)", new)


def cdn_base_url(api: ApiSettings) -> str:
    """``NBA_CDN_URL``; else the deprecated ``NBA_API_CDN_URL`` (the liveData URL) without its
    ``/liveData`` (with a warning); else the NBA's CDN."""
    if api.cdn_base_url:
        return api.cdn_base_url.rstrip("/")
    if api.cdn_url:
        base = api.cdn_url.rstrip("/").removesuffix("/liveData")
        _warn_deprecated(api.cdn_url, base)
        return base
    return DEFAULT_CDN_URL


def _archive(settings: Settings, in_chain: bool = False) -> Source:
    from nba_predictions.sources.archive import ArchiveSource

    return ArchiveSource(settings.bundled_archive, settings.archive_dir)  # the bundled file and the local archive


def _cdn(settings: Settings, in_chain: bool = False) -> Source:
    from nba_predictions.sources.cdn import CdnSource
    from nba_predictions.sources.cdn.results import archive_results

    past = archive_results(settings.bundled_archive, settings.archive_dir)  # earlier seasons: both archives
    return CdnSource(settings.api, base_url=cdn_base_url(settings.api), give_up_on_timeout=in_chain, past_results=past)


def _nba_api(settings: Settings, in_chain: bool = False) -> Source:
    from nba_predictions.sources.nba_api import NbaApiSource

    api = settings.api
    live_data = api.cdn_url or f"{cdn_base_url(api)}/liveData"
    return NbaApiSource.from_settings(api, cdn_url=live_data, give_up_on_timeout=in_chain)


SOURCES: dict[str, Callable[..., Source]] = {"archive": _archive, "cdn": _cdn, "nba_api": _nba_api}


def make_source(settings: Settings, day: date) -> Source:
    """The source named by ``settings.source``; ``auto`` = the chain of ``settings.sources``
    (``NBA_SOURCES``), which serves each date from the first of them that can (``day`` is the
    run's first date; the chain decides date by date)."""
    if settings.source != "auto":
        return SOURCES[settings.source](settings)
    from nba_predictions.sources.chain import SourceChain

    logger.debug("source auto for %s: %s", day, ", ".join(settings.sources))
    return SourceChain(settings.sources, lambda name: SOURCES[name](settings, in_chain=True))


@dataclass(frozen=True)
class Route:
    """Which source answers for one date of a range; ``source`` None: none does (``reason`` says why)."""

    day: date
    source: str | None
    reason: str | None = None


def routes(settings: Settings, first: date, last: date, archive: ArchiveSource | None) -> list[Route]:
    """A source for every date from ``first`` to ``last`` (a backfill plans its range once):

    * under ``cdn`` or ``nba_api``: that source for every date;
    * under ``archive``: the archive where it covers the date, else no source (``reason`` says why
      and what would rate it);
    * under ``auto``: the archive where it covers the date (when ``NBA_SOURCES`` lists it), else the
      first live source ``NBA_SOURCES`` lists (``reason``: why not the archive).  A backfill does not
      fall back from one live source to the next date by date: a one-date run does (:mod:`.chain`).
    """
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if settings.source in LIVE_SOURCES:
        return [Route(day, settings.source) for day in days]
    uses_archive = settings.source == "archive" or "archive" in settings.sources
    live = next((name for name in settings.sources if name in LIVE_SOURCES), None)
    out = []
    for day in days:
        reason = (
            archive.uncovered_reason(day) if uses_archive and archive is not None else "is not asked of the archive"
        )
        if reason is None:
            out.append(Route(day, "archive"))
        elif settings.source == "auto" and live is not None:
            out.append(Route(day, live, reason))
        elif settings.source == "auto":
            out.append(Route(day, None, f"the date {reason}, and NBA_SOURCES names no live source (cdn, nba_api)"))
        else:
            out.append(Route(day, None, f"the date {reason}; --source auto or nba_api asks the live API for it"))
    return out
