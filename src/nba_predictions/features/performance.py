"""What a player did: the performance features (issue 23), from players' lines in the play-by-play.

A player's line is his points, rebounds and assists in one game, summed from the play-by-play by
the readers of :mod:`nba_predictions.features.player_lines` (PlayByPlayV2 rows, CDN actions,
PlayByPlayV3 actions; re-exported here).  From the lines of one game:

* ``top_points``: the most points by one player (a 50-point game: ``top_points >= 50``);
* ``duel_points``: the smaller of the two teams' top scorers' points (a duel of two players past
  a high mark: ``duel_points >= 40``);
* ``all_round``: the best all-round line, the largest over players of the smallest of his points,
  rebounds and assists (a triple-double of those three: ``all_round >= 10``; near one: 8 or 9).

These are computed and tested like the other features (one-game and vectorised side by side) but
are neither in the archive nor model inputs: the archive keeps no player data, see
docs/WORTH_WATCHING.md.  Pure Python except :func:`performance_columns` (numpy, imported when
called).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from nba_predictions.features.player_lines import PlayerLine as PlayerLine
from nba_predictions.features.player_lines import Side as Side
from nba_predictions.features.player_lines import leading_lines as leading_lines
from nba_predictions.features.player_lines import lines_from_cdn as lines_from_cdn
from nba_predictions.features.player_lines import lines_from_pbp_v2 as lines_from_pbp_v2
from nba_predictions.features.player_lines import lines_from_pbp_v3 as lines_from_pbp_v3
from nba_predictions.features.spec import FeatureSpec

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

FIFTY_POINTS = 50
DUEL_POINTS = 40
TRIPLE_DOUBLE = 10

PERFORMANCE_FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("top_points", "int", f"the most points by one player (a {FIFTY_POINTS}-point game: >= {FIFTY_POINTS})"),
    FeatureSpec(
        "duel_points",
        "int",
        f"the smaller of the two teams' top scorers' points (a duel: >= {DUEL_POINTS})",
    ),
    FeatureSpec(
        "all_round",
        "int",
        f"the largest over players of min(points, rebounds, assists) (a triple-double: >= {TRIPLE_DOUBLE})",
    ),
)
PERFORMANCE_NAMES: tuple[str, ...] = tuple(f.name for f in PERFORMANCE_FEATURES)


def performance_values(lines: Iterable[PlayerLine]) -> dict[str, int]:
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


def performance_table() -> str:
    """The performance features' table of docs/FEATURES.md (like the stakes table)."""
    lines = ["| feature | type | range | meaning |", "|---|---|---|---|"]
    for spec in PERFORMANCE_FEATURES:
        lines.append(f"| `{spec.name}` | {spec.kind} | >= 0 | {spec.meaning} |")
    return "\n".join(lines) + "\n"
