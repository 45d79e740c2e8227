"""What a player did: the performance features (issue 23), from players' lines in the play-by-play.

A player's line is his points, rebounds and assists in one game, summed from the play-by-play by
the readers of :mod:`nba_predictions.features.player_lines` (PlayByPlayV2 rows, CDN actions,
PlayByPlayV3 actions; re-exported here).  From the lines of one game:

* ``top_points``: the most points by one player (a 50-point game: ``top_points >= 50``);
* ``duel_points``: the smaller of the two teams' top scorers' points (a duel of two players past
  a high mark: ``duel_points >= 40``);
* ``all_round``: the best all-round line, the largest over players of the smallest of his points,
  rebounds and assists (a triple-double of those three: ``all_round >= 10``; near one: 8 or 9).

They are features of every game (:data:`~nba_predictions.features.spec.PERFORMANCE_FEATURES`), read
from the timeline's ``player_lines`` (:func:`timeline_performance` for one game,
:func:`player_lines_columns` for many); where a source's play-by-play names no players
(``player_lines`` null) all three are 0.  The shipped model does not read them.  Pure Python except
:func:`performance_columns` and :func:`player_lines_columns` (numpy, imported when called).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from nba_predictions.core.domain import LeaderLine
from nba_predictions.features.player_lines import PlayerLine as PlayerLine
from nba_predictions.features.player_lines import Side as Side
from nba_predictions.features.player_lines import leading_lines as leading_lines
from nba_predictions.features.player_lines import lines_from_cdn as lines_from_cdn
from nba_predictions.features.player_lines import lines_from_pbp_v2 as lines_from_pbp_v2
from nba_predictions.features.player_lines import lines_from_pbp_v3 as lines_from_pbp_v3
from nba_predictions.features.spec import (  # noqa: F401 (the specification, found here too)
    DUEL_POINTS,
    FIFTY_POINTS,
    PERFORMANCE_FEATURES,
    PERFORMANCE_NAMES,
    TRIPLE_DOUBLE,
)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np


def performance_values(lines: Iterable[PlayerLine | LeaderLine]) -> dict[str, int]:
    """The performance features of one game (the one-game counterpart of :func:`performance_columns`)."""
    top = {"home": 0, "away": 0}
    all_round = 0
    for line in lines:
        top[line.side] = max(top[line.side], line.points)
        all_round = max(all_round, min(line.points, line.rebounds, line.assists))
    return {
        "top_points": max(top.values()),
        "duel_points": min(top.values()),
        "all_round": all_round,
    }


def performance_columns(
    game: np.ndarray, home: np.ndarray, points: np.ndarray, rebounds: np.ndarray, assists: np.ndarray, games: int
) -> dict[str, np.ndarray]:
    """The performance features of ``games`` games from their players' lines as flat arrays: line
    ``j`` is game ``game[j]``'s, of the home side when ``home[j]``; one array per feature."""
    import numpy as np

    top = np.zeros((games, 2), dtype=np.int64)
    np.maximum.at(top, (game, np.where(home, 0, 1)), points)
    all_round = np.zeros(games, dtype=np.int64)
    np.maximum.at(all_round, game, np.minimum(np.minimum(points, rebounds), assists))
    return {"top_points": top.max(axis=1), "duel_points": top.min(axis=1), "all_round": all_round}


def timeline_performance(lines: Sequence[LeaderLine] | None) -> dict[str, int]:
    """The performance features of one game from its timeline's ``player_lines``: all 0 when they
    are unknown (``None``), as agreed for issue 23 (docs/FEATURES.md)."""
    return performance_values(lines or ())


def player_lines_columns(per_game: Sequence[Sequence[LeaderLine] | None]) -> dict[str, np.ndarray]:
    """The performance features of many games from their timelines' ``player_lines`` (``None``:
    unknown, all 0): one array per feature, equal to :func:`timeline_performance` game by game."""
    import numpy as np

    game = [i for i, lines in enumerate(per_game) for _ in lines or ()]
    every = [line for lines in per_game for line in lines or ()]
    return performance_columns(
        np.array(game, dtype=np.int64),
        np.array([line.side == "home" for line in every], dtype=bool),
        np.array([line.points for line in every], dtype=np.int64),
        np.array([line.rebounds for line in every], dtype=np.int64),
        np.array([line.assists for line in every], dtype=np.int64),
        len(per_game),
    )


def performance_table() -> str:
    """The performance features' table of docs/FEATURES.md (like the stakes table)."""
    lines = ["| feature | type | range | meaning |", "|---|---|---|---|"]
    for spec in PERFORMANCE_FEATURES:
        lines.append(f"| `{spec.name}` | {spec.kind} | >= 0 | {spec.meaning} |")
    return "\n".join(lines) + "\n"
