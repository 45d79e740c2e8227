"""What a live source collected goes into the local archive too (``NBA_ARCHIVE_DIR``).

The hook sits here, in the runs, not in the sources: a source answers questions and never writes
anything but its HTTP cache, and what is worth keeping is known only after the collection step
has checked each game (its timeline reaches the final score, the input rules hold).  The one-date
run (:mod:`.pipeline`) and the backfill (:mod:`.backfill.collect`) call :func:`archive_collected`
after collecting a date from ``cdn`` or ``nba_api``; ``archive update``
(:mod:`.archive_update`) writes through the same :class:`LocalArchive`.

A date is marked whole (the ``archive`` source then serves it) when every game the source listed
was stored and the date is over (before today, US Eastern): a live source lists only the games
that are final, and a date still being played has more to come.  The shipped schedules collect
yesterday at 06:00 US Eastern, when its games are over.  A game is stored with its whole timeline,
its ``player_lines`` included when the source gave them (NULL otherwise).  A failure to write the
local archive is a warning, never the run's failure: the ratings do not depend on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime

from nba_predictions.config import EASTERN, Settings
from nba_predictions.documents.models import CollectedGame
from nba_predictions.errors import ArchiveWriteError
from nba_predictions.sources.registry import LIVE_SOURCES

logger = logging.getLogger(__name__)


def _today() -> date:
    return datetime.now(tz=EASTERN).date()


def archive_collected(
    settings: Settings,
    source: str,
    day: date,
    games: Sequence[CollectedGame],
    *,
    listed: int,
    today: Callable[[], date] = _today,
) -> None:
    """Store the games ``source`` served for ``day`` in the local archive, when ``source`` is a
    live one and ``NBA_ARCHIVE_DIR`` is set; ``listed``: how many the source listed (the date is
    whole when all of them are among ``games`` and the date is over)."""
    if settings.archive_dir is None or source not in LIVE_SOURCES:
        return
    from nba_predictions.sources.archive_local import LocalArchive

    kept = [(game, game.score_timeline) for game in games if game.score_timeline is not None]
    whole = len(kept) == listed and day < today()
    try:
        LocalArchive(settings.archive_dir).write(kept, whole_day=day if whole else None, source=source)
    except ArchiveWriteError as exc:
        logger.warning("%s; the ratings go on without it", exc)
        return
    if kept or whole:
        logger.info(
            "local archive: %d game(s) of %s from %s stored%s",
            len(kept),
            day,
            source,
            "" if whole else " (the date is not marked whole: not every game could be had yet)",
        )
