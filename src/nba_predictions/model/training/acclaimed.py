"""The acclaimed development set (issue 23): games fans and writers single out, each with its source.

``acclaimed_games.csv`` beside this module lists them: game id, date, away and home team, what
makes the game acclaimed (``kind``: ``close`` for a finish, ``stakes`` for what was at stake,
``performance`` for what a player did), a one-line description, the public source it is cited in
and whether that source was read while assembling the set (``yes``; ``partly``: the source names
the feat but not the date; ``no``: from memory of widely reported games, no stored copy found).
docs/WORTH_WATCHING.md says how it was assembled and what it is for:
choosing the form and weights of a "worth watching" label on the validation seasons, and checking
that these games rate highly.  Pure Python; read when called.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from nba_predictions.errors import PipelineError

ACCLAIMED_FILE = Path(__file__).with_name("acclaimed_games.csv")
KINDS = ("close", "stakes", "performance")
VERIFIED = ("yes", "partly", "no")
COLUMNS = ("game_id", "date", "away", "home", "kind", "description", "source", "verified")
_GAME_ID = re.compile(r"^00[2456]\d{7}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class AcclaimedGame:
    """One entry of the acclaimed set."""

    game_id: str
    date: str
    away: str
    home: str
    kind: str
    description: str
    source: str
    verified: str


def load_acclaimed(path: Path = ACCLAIMED_FILE) -> list[AcclaimedGame]:
    """Every entry of the acclaimed set, in file order.

    Raises :class:`PipelineError` naming the line and the fix for a file that is missing, has other
    columns, repeats a game, or has an entry with a bad id, date, kind, verification or no source.
    """
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise PipelineError(f"{path}: columns must be {', '.join(COLUMNS)}, got {reader.fieldnames}")
            rows = list(reader)
    except OSError as exc:
        raise PipelineError(f"acclaimed set {path} cannot be read ({exc}): restore it from the repository") from None
    games: list[AcclaimedGame] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        game = AcclaimedGame(**{k: (row[k] or "").strip() for k in COLUMNS})
        problem = _problem(game, seen)
        if problem:
            raise PipelineError(f"{path} line {line}: {problem}: fix the entry")
        seen.add(game.game_id)
        games.append(game)
    return games


def _problem(game: AcclaimedGame, seen: set[str]) -> str | None:
    if not _GAME_ID.match(game.game_id):
        return f"game id {game.game_id!r} is not a rated game id like 0041500407"
    if game.game_id in seen:
        return f"game {game.game_id} is listed twice"
    if not _DATE.match(game.date):
        return f"date {game.date!r} is not YYYY-MM-DD"
    if game.kind not in KINDS:
        return f"kind {game.kind!r} is not one of {', '.join(KINDS)}"
    if game.verified not in VERIFIED:
        return f"verified {game.verified!r} is not one of {', '.join(VERIFIED)}"
    if not game.source or not game.description:
        return f"game {game.game_id} has no source or no description"
    return None
