"""Step 1, collection: the completed games of a date, with what the features step needs.

Each game carries the spec's fields plus two documented extras, ``score_timeline`` and
``context`` (conference ranks as of the date and the head-to-head summary), so the features
step can run on another machine without network.  Standings and head-to-head are computed once
for the date, never per game.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Container
from datetime import date
from typing import TYPE_CHECKING

from nba_predictions.documents.models import CollectedGame, SkippedGame
from nba_predictions.documents.rules import screen_records
from nba_predictions.errors import GameDataError, UnrateableGameError
from nba_predictions.sources.base import Source

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.features.history import History

logger = logging.getLogger(__name__)


def collect_games(
    source: Source,
    day: date,
    history: History | None = None,
    skip_ids: Container[str] = (),
) -> tuple[list[CollectedGame], list[SkippedGame], int]:
    """Collect the completed games of ``day`` from ``source``.

    Returns ``(games, skipped, found)``: the games with timeline and context, the games that
    could not be collected (with the reason), and how many completed games the source listed.
    A game with missing or inconsistent play-by-play is skipped and reported; the others go on.
    ``history`` (results covering ``day`` and the five years before it) is loaded from the
    source when not given; a backfill passes one loaded once for its whole range, and the ids of
    the games it already stored (``skip_ids``): those are counted in ``found`` but not collected.
    """
    from nba_predictions.features.history import (
        load_history,
    )  # pure Python; kept local so importing this module is cheap

    started = time.perf_counter()
    listed = source.completed_games(day)
    logger.info("collection: %s lists %d completed game(s) on %s", source.name, len(listed), day)
    # The game-level input rules hold for what a source lists too: a misbehaving API's unknown
    # team or unfinished game is refused and reported like a hand-edited document's.
    records, skipped = screen_records([r for r in listed if r.game_id not in skip_ids], "collection", target_date=day)
    for refused in skipped:
        logger.warning("collection: refusing %s", refused.reason)
    games: list[CollectedGame] = []
    if records and history is None:
        history = load_history(source, day, day)
    for record in records:
        try:
            timeline = source.score_timeline(record)
            if timeline.final_score != (record.home_team_score, record.away_team_score):
                raise GameDataError(
                    record.game_id,
                    f"play-by-play ends {timeline.final_score[0]}-{timeline.final_score[1]} but the final "
                    f"score is {record.home_team_score}-{record.away_team_score} (incomplete play-by-play)",
                )
            assert history is not None
            context = history.context(record)
        except GameDataError as exc:
            rateable = not isinstance(exc, UnrateableGameError)  # the source knows it never can
            log = logger.warning if rateable else logger.info
            log("collection: skipping %s%s", exc, "" if rateable else " (not rateable from this source)")
            skipped.append(SkippedGame(game_id=record.game_id, step="collection", reason=str(exc), rateable=rateable))
            continue
        games.append(CollectedGame(**record.model_dump(), score_timeline=timeline, context=context))
    logger.info(
        "collection: %d in, %d out, %d skipped, %.2f s",
        len(listed),
        len(games),
        len(skipped),
        time.perf_counter() - started,
    )
    return games, skipped, len(listed)
