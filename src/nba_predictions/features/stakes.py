"""What was at stake, known before tip-off: the stakes features (issue 23), one-game and vectorised.

Every value comes from the game id and from results of games played *before* this one, so none
of them spoils the game it describes:

* the game id's third digit is the season type (``002`` regular season, ``004`` playoffs, ``005``
  play-in, ``006`` the NBA Cup final) and, for a playoff game ``004YY00RSG``, ``R`` is the round
  (4 = the Finals), ``S`` the series and ``G`` the game number in the series;
* a play-in game ``005YY00RP1``: round ``R``; in round 1, ``P`` 0 and 2 are the 7-v-8 games (the
  loser plays again), 1 and 3 the 9-v-10 games (the loser is out); round 2 decides the 8th seed;
* the series state before a playoff game: each team's wins in the series' earlier games (from the
  results every source gives the history, :func:`nba_predictions.features.history.stakes_context`);
* late-season seeding races: teams within :data:`RACE_GAMES_BEHIND` game of a seed line with at
  most :data:`FEW_GAMES_LEFT` regular-season games left, from the standings as of the day.

The NBA Cup's earlier knockout rounds are regular-season games (``002...``) that nothing in the
archive tells apart, and no archived source says which games were on national TV: neither is a
feature here (docs/FEATURES.md, "Stakes features").

They are features of every game (:data:`~nba_predictions.features.spec.STAKES_FEATURES`, in every
features document), computed from the game id and the context's
:class:`~nba_predictions.core.domain.StakesContext`; the shipped model does not read them (it takes
its own columns by name), a model trained on issue 23's label will.
Pure Python except :func:`stakes_columns`, which imports numpy when called.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from nba_predictions.core.domain import StakesContext
from nba_predictions.errors import GameDataError
from nba_predictions.features.spec import FEW_GAMES_LEFT, RACE_GAMES_BEHIND, STAKES_FEATURES, STAKES_NAMES

__all__ = [  # the specification and the context live in features.spec and core.domain; found here too
    "FEW_GAMES_LEFT",
    "RACE_GAMES_BEHIND",
    "STAKES_FEATURES",
    "STAKES_NAMES",
    "StakesContext",
    "games_behind",
    "play_in_elimination",
    "playoff_round",
    "season_games",
    "seed_lines",
    "series_game",
    "stakes_columns",
    "stakes_table",
    "stakes_values",
    "teams_in_seed_race",
]

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

SERIES_WINS = 4
"""Wins that take a best-of-seven series (every playoff series since 2003)."""
SEASON_GAMES = {2011: 66, 2020: 72}
"""Regular-season games per team where the season was not 82 games (2011-12 lockout, 2020-21).
2019-20 was cut to 63-75 games after the schedule was set; its races count from 82 games (few)."""
PLAY_IN_FIRST_SEASON = 2020
"""From 2020-21 the play-in is for seeds 7-10: the seed lines are 6|7 (playoffs or play-in) and
10|11 (play-in or out); before, the one line that mattered was 8|9."""


def _digit(game_id: str, i: int) -> int:
    if len(game_id) != 10 or not (game_id.isascii() and game_id.isdigit()):
        raise GameDataError(game_id, "invalid game id: expected 10 digits like 0042300405")
    return ord(game_id[i]) - 48


def playoff_round(game_id: str) -> int:
    """The playoff round of ``004YY00RSG`` (1-4), 0 for any other game."""
    if _digit(game_id, 2) != 4:
        return 0
    value = _digit(game_id, 7)
    if not 1 <= value <= 4:
        raise GameDataError(game_id, f"playoff game id names round {value}: expected 1-4")
    return value


def series_game(game_id: str) -> int:
    """The game number in its playoff series (1-7), 0 for any other game."""
    if _digit(game_id, 2) != 4:
        return 0
    value = _digit(game_id, 9)
    if not 1 <= value <= 2 * SERIES_WINS - 1:
        raise GameDataError(game_id, f"playoff game id names game {value} of a series: expected 1-7")
    return value


def play_in_elimination(game_id: str) -> bool:
    """Whether the loser of play-in game ``game_id`` is out (all but the 7-v-8 games of round 1)."""
    return _digit(game_id, 2) == 5 and not (_digit(game_id, 7) == 1 and _digit(game_id, 8) in (0, 2))


def stakes_values(game_id: str, context: StakesContext) -> dict[str, int]:
    """The stakes features of one game (the one-game counterpart of :func:`stakes_columns`).

    Raises :class:`GameDataError` when the series state cannot be the state before this game
    (for a playoff game: the earlier games' wins must add up to the game number minus one, no
    team past 3 wins; for any other game: no series wins at all).
    """
    round_ = playoff_round(game_id)
    game = series_game(game_id)
    home, away = context.home_series_wins, context.away_series_wins
    if game:
        if home + away != game - 1 or max(home, away) >= SERIES_WINS or min(home, away) < 0:
            raise GameDataError(
                game_id,
                f"series state {home}-{away} before game {game}: the results lack earlier games of the series "
                "(rebuild the history with every playoff result)",
            )
    elif home or away:
        raise GameDataError(game_id, f"series wins {home}-{away} given for a game outside the playoffs")
    leader, trailer = max(home, away), min(home, away)
    kind = _digit(game_id, 2)
    return {
        "playoff_round": round_,
        "series_game": game,
        "series_leader_wins": leader,
        "series_trailer_wins": trailer,
        "elimination_game": int(leader == SERIES_WINS - 1 or play_in_elimination(game_id)),
        "game_seven": int(trailer == SERIES_WINS - 1),
        "play_in": int(kind == 5),
        "cup_final": int(kind == 6),
        "seed_race_teams": context.seed_race_teams,
    }


def stakes_columns(game_ids: Sequence[str], contexts: Sequence[StakesContext]) -> dict[str, np.ndarray]:
    """The stakes features of many games: one array per feature, one row per game (numpy).

    Reads the game ids' digits as one byte array; equal to :func:`stakes_values` value for value
    (``tests/unit/test_stakes.py``), including the checks of the series state.
    """
    import numpy as np

    for game_id in game_ids:
        _digit(game_id, 0)  # raises for an id that is not 10 digits
    raw = "".join(game_ids).encode("ascii")
    digits = np.frombuffer(raw, dtype=np.uint8).reshape(len(game_ids), 10).astype(np.int64) - 48
    kind, round_digit, pair_digit, game_digit = digits[:, 2], digits[:, 7], digits[:, 8], digits[:, 9]
    playoffs = kind == 4
    home = np.array([c.home_series_wins for c in contexts], dtype=np.int64)
    away = np.array([c.away_series_wins for c in contexts], dtype=np.int64)
    game = np.where(playoffs, game_digit, 0)
    leader, trailer = np.maximum(home, away), np.minimum(home, away)
    bad_round = playoffs & ((round_digit < 1) | (round_digit > 4))
    bad_game = playoffs & ((game_digit < 1) | (game_digit > 2 * SERIES_WINS - 1))
    bad_state = np.where(
        playoffs, (home + away != game - 1) | (leader >= SERIES_WINS) | (trailer < 0), (home != 0) | (away != 0)
    )
    bad = bad_round | bad_game | bad_state
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        stakes_values(game_ids[i], contexts[i])  # raises the one-game error for the first bad game
    play_in = kind == 5
    seven_eight = (round_digit == 1) & ((pair_digit == 0) | (pair_digit == 2))
    return {
        "playoff_round": np.where(playoffs, round_digit, 0),
        "series_game": game,
        "series_leader_wins": leader,
        "series_trailer_wins": trailer,
        "elimination_game": ((leader == SERIES_WINS - 1) | (play_in & ~seven_eight)).astype(np.int64),
        "game_seven": (trailer == SERIES_WINS - 1).astype(np.int64),
        "play_in": play_in.astype(np.int64),
        "cup_final": (kind == 6).astype(np.int64),
        "seed_race_teams": np.array([c.seed_race_teams for c in contexts], dtype=np.int64),
    }


# --- seeding races --------------------------------------------------------------------------------


def season_games(start_year: int) -> int:
    """Regular-season games per team in the season starting in ``start_year``."""
    return SEASON_GAMES.get(start_year, 82)


def seed_lines(start_year: int) -> tuple[int, ...]:
    """The seed lines that decide a team's post-season: a line ``k`` lies between seeds k and k+1."""
    return (6, 10) if start_year >= PLAY_IN_FIRST_SEASON else (8,)


def games_behind(above: tuple[int, int], below: tuple[int, int]) -> float:
    """Games the ``(wins, losses)`` record ``below`` trails ``above`` by (negative: it leads)."""
    return ((above[0] - below[0]) + (below[1] - above[1])) / 2


def teams_in_seed_race(
    table: Sequence[tuple[int, int, int]], start_year: int, lines: Iterable[int] | None = None
) -> set[int]:
    """Teams of one conference table ``(team_id, wins, losses)``, best first, in a seeding race.

    A team is in a race when it has at most :data:`FEW_GAMES_LEFT` games left and is within
    :data:`RACE_GAMES_BEHIND` game of the team on the other side of a seed line: the team just
    below the line for a team above it, the team just above for a team below it.
    """
    total = season_games(start_year)
    racing: set[int] = set()
    for line in seed_lines(start_year) if lines is None else lines:
        if line >= len(table):
            continue
        last_in, first_out = table[line - 1], table[line]
        for position, (team, wins, losses) in enumerate(table):
            if total - (wins + losses) > FEW_GAMES_LEFT:
                continue
            rival = first_out if position < line else last_in
            above, below = ((wins, losses), rival[1:]) if position < line else (rival[1:], (wins, losses))
            if team != rival[0] and games_behind(above, below) <= RACE_GAMES_BEHIND:
                racing.add(team)
    return racing


def stakes_table() -> str:
    """The stakes features' table of docs/FEATURES.md (between its ``stakes-table`` markers)."""
    lines = ["| feature | type | range | meaning |", "|---|---|---|---|"]
    for spec in STAKES_FEATURES:
        limits = "0, 1" if spec.kind == "flag" else f"{spec.ge:g} to {spec.le:g}"
        kind = "0 or 1" if spec.kind == "flag" else spec.kind
        lines.append(f"| `{spec.name}` | {kind} | {limits} | {spec.meaning} |")
    return "\n".join(lines) + "\n"
