"""Which games a source lists: the game types that are rated, by the game id's third digit.

``002`` regular season (NBA Cup group and knockout games included, as the NBA counts them), ``004``
playoffs, ``005`` play-in and ``006`` the NBA Cup final (rated, but not counted in the standings
nor the head-to-head: :mod:`nba_predictions.features.history` counts regular-season and playoff
games only).  Preseason (``001``) and All-Star (``003``) games are never
listed.  The steps check every listed game against the input rules
(:mod:`nba_predictions.documents.rules`, whose ``RATED_SEASON_TYPES`` is the same list: a unit test
keeps the two equal); a source only decides what it lists, so it never imports the rules.
"""

from __future__ import annotations

from nba_predictions.core.season import DIGIT_SEASON_TYPES

LISTED_SEASON_TYPES = ("Regular Season", "Playoffs", "Play-In", "NBA Cup Final")
RESULT_SEASON_TYPES = ("Regular Season", "Playoffs", "Play-In")  # what season results (standings, head-to-head) hold


def listed(game_id: str) -> bool:
    """Whether a source lists the final game ``game_id`` (see the module doc)."""
    return DIGIT_SEASON_TYPES.get(game_id[2:3], "") in LISTED_SEASON_TYPES
