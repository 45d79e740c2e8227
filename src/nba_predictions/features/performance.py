"""What a player did: the performance features (issue 23), from players' lines in the play-by-play.

A player's line is his points, rebounds and assists in one game, summed from the play-by-play
(:func:`lines_from_pbp_v2` reads stats.nba.com PlayByPlayV2 rows, the layout of the raw data the
archive was built from; :func:`lines_from_cdn` the CDN's liveData play-by-play actions, what the
CDN source reads).  From the lines of one game:

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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from nba_predictions.core.domain import LeaderLine
from nba_predictions.features.spec import (  # noqa: F401 (the specification, found here too)
    DUEL_POINTS,
    FIFTY_POINTS,
    PERFORMANCE_FEATURES,
    PERFORMANCE_NAMES,
    TRIPLE_DOUBLE,
)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

Side = Literal["home", "away"]


# PlayByPlayV2: EVENTMSGTYPE 1 made field goal, 3 free throw, 4 rebound; PERSON1TYPE 4 a home
# player, 5 an away player (2 and 3 are the teams: team rebounds); SCORE "away - home".
MADE_SHOT, FREE_THROW, REBOUND = 1, 3, 4
PLAYER_SIDES: dict[int, Side] = {4: "home", 5: "away"}


@dataclass(frozen=True)
class PlayerLine:
    """One player's points, rebounds and assists in one game, and his side."""

    side: Side
    points: int = 0
    rebounds: int = 0
    assists: int = 0


def _int(value: object) -> int:
    if value is None or value == "":
        return 0
    return int(float(str(value)))


def lines_from_pbp_v2(rows: Iterable[Mapping[str, object]]) -> dict[int, PlayerLine]:
    """Every player's line from one game's PlayByPlayV2 rows, in file order.

    Points: a made shot or free throw by a player earns the rise of his side's score on that row
    (each side's score is its running maximum, so a score corrected downwards and back does not
    count twice).  Rebounds: a rebound row whose ``PERSON1TYPE`` is a player (team rebounds are
    not).  Assists: ``PLAYER2_ID`` of a made shot.
    """
    lines: dict[int, PlayerLine] = {}
    home = away = 0

    def add(player: int, side: Side, **counts: int) -> None:
        line = lines.get(player, PlayerLine(side))
        lines[player] = replace(line, **{k: getattr(line, k) + v for k, v in counts.items()})

    for row in rows:
        gained = {"home": 0, "away": 0}
        score = str(row.get("SCORE") or "").strip()
        if score:
            away_text, _, home_text = score.partition(" - ")
            new_away, new_home = max(away, int(away_text)), max(home, int(home_text))
            gained = {"home": new_home - home, "away": new_away - away}
            home, away = new_home, new_away
        side = PLAYER_SIDES.get(_int(row.get("PERSON1TYPE")))
        player = _int(row.get("PLAYER1_ID"))
        if side is None or not player:
            continue
        kind = _int(row.get("EVENTMSGTYPE"))
        if kind in (MADE_SHOT, FREE_THROW) and gained[side]:
            add(player, side, points=gained[side])
        if kind == REBOUND:
            add(player, side, rebounds=1)
        assister = _int(row.get("PLAYER2_ID"))
        if kind == MADE_SHOT and assister:
            add(assister, side, assists=1)
    return lines


CDN_SHOTS = ("2pt", "3pt", "freethrow")


def lines_from_cdn(actions: Iterable[Mapping[str, object]], home_team_id: int) -> dict[int, PlayerLine]:
    """Every player's line from one game's CDN liveData play-by-play ``actions``, in order.

    Points: a made ``2pt``/``3pt``/``freethrow`` earns the rise of its side's score (``scoreHome``,
    ``scoreAway``, each its running maximum, as in :func:`lines_from_pbp_v2`); the side is home
    when the action's ``teamId`` is ``home_team_id``.  Rebounds: a ``rebound`` by a player
    (``personId`` 0 is a team rebound).  Assists: ``assistPersonId`` of a made shot.
    """
    lines: dict[int, PlayerLine] = {}
    home = away = 0

    def add(player: int, side: Side, **counts: int) -> None:
        line = lines.get(player, PlayerLine(side))
        lines[player] = replace(line, **{k: getattr(line, k) + v for k, v in counts.items()})

    for action in actions:
        new_home = max(home, _int(action.get("scoreHome")))
        new_away = max(away, _int(action.get("scoreAway")))
        gained = {"home": new_home - home, "away": new_away - away}
        home, away = new_home, new_away
        player = _int(action.get("personId"))
        if not player:
            continue
        side: Side = "home" if _int(action.get("teamId")) == home_team_id else "away"
        kind = action.get("actionType")
        if kind in CDN_SHOTS and action.get("shotResult") == "Made":
            if gained[side]:
                add(player, side, points=gained[side])
            assister = _int(action.get("assistPersonId"))
            if assister:
                add(assister, side, assists=1)
        elif kind == "rebound":
            add(player, side, rebounds=1)
    return lines


def leading_lines(lines: Iterable[PlayerLine]) -> list[LeaderLine]:
    """Each side's leading lines, what a timeline's ``player_lines`` keep: its top scorer (the most
    points; ties: the more rebounds plus assists) and its best all-round line (the most of
    min(points, rebounds, assists); ties: the more points), once if they are the same player.
    The performance features of the leading lines equal those of every line."""
    every = list(lines)
    leaders: list[LeaderLine] = []
    for side in ("home", "away"):
        own = [line for line in every if line.side == side]
        if not own:
            continue
        scorer = max(own, key=lambda line: (line.points, line.rebounds + line.assists))
        rounder = max(own, key=lambda line: (min(line.points, line.rebounds, line.assists), line.points))
        for line in (scorer, rounder) if rounder is not scorer else (scorer,):
            leaders.append(LeaderLine(side=side, points=line.points, rebounds=line.rebounds, assists=line.assists))
    return leaders


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
