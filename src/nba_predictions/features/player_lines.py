"""Players' lines from the play-by-play: each player's points, rebounds and assists in one game.

One reader per feed, each returning ``{player id: PlayerLine}``:

* :func:`lines_from_pbp_v2`: stats.nba.com PlayByPlayV2 rows (the raw data the archive was built
  from, 2013-14 to 2024-25);
* :func:`lines_from_cdn`: the CDN's liveData play-by-play actions (the CDN source);
* :func:`lines_from_pbp_v3`: stats.nba.com PlayByPlayV3 actions (the stats source) and the
  PlayByPlayV3-style rows of 2025-26's raw files, which name the assist only in the text.

:func:`leading_lines` keeps each side's leading lines, what a timeline's ``player_lines`` hold and
all the performance features (:mod:`nba_predictions.features.performance`) need.  Pure Python.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from nba_predictions.core.domain import LeaderLine

logger = logging.getLogger(__name__)

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
    """A count or id as the feeds write it: an int, a numeric string, or empty (``None``, ``""``,
    a float NaN from a CSV read with pandas) for 0."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
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


# PlayByPlayV3 (stats.nba.com) writes "Made Shot" (its ``shotValue`` 2 or 3), "Free Throw", "Rebound",
# "Substitution"; the 2025-26 raw files keep V3's columns with the CDN's words ("2pt", "3pt",
# "freethrow", "rebound", "substitution") and a ``shotResult`` on free throws too.
V3_SHOT_VALUES = {"2pt": 2, "3pt": 3}
V3_FREE_THROWS = frozenset({"Free Throw", "freethrow"})
V3_REBOUNDS = frozenset({"Rebound", "rebound"})
V3_SUBSTITUTIONS = frozenset({"Substitution", "substitution"})
# The assist, in the text only: "Jokic 1' Driving Layup (2 PTS) (Murray 1 AST)", the number his running count.
_ASSIST = re.compile(r"\(([^()]+?) (\d+) AST\)")
# A player's own actions that start with his name as the text writes it (folded, see _fold).
_OWN_NAME = re.compile(r"^(?:miss )?(.+?) (?:rebound|free throw|steal|block)\b")
_SUB_V3 = re.compile(r"^sub: (.+) for (.+)$")  # V3: "SUB: Osman FOR Stevens", the action Stevens's


def _fold(name: object) -> str:
    """A name as compared: accents dropped (``Vučević`` is ``Vucevic`` in the text), case folded, blanks collapsed."""
    text = unicodedata.normalize("NFKD", str(name or ""))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).casefold().split())


def _v3_points(row: Mapping[str, object]) -> int:
    """The points an action scores: a made field goal its value, a made free throw 1, else 0.  Read
    from the action itself, not from the rise of the score: the raw files' rows are not always in
    the order of the score (an edited action keeps a later ``actionNumber``)."""
    kind, made = row.get("actionType"), row.get("shotResult") == "Made"
    if kind == "Made Shot":
        value = _int(row.get("shotValue"))
        if value not in (2, 3):
            raise ValueError(f"PlayByPlayV3 made shot {row.get('actionNumber')} has shotValue {value!r}, not 2 or 3")
        return value
    if kind in V3_SHOT_VALUES:
        return V3_SHOT_VALUES[str(kind)] if made else 0
    if kind in V3_FREE_THROWS:  # V3 leaves shotResult empty on free throws; its text says MISS
        return 1 if made or (not row.get("shotResult") and not _fold(row.get("description")).startswith("miss ")) else 0
    return 0


class _Roster:
    """Each team's players in one game's actions and every name the text calls each one by: his
    ``playerName`` (the surname), ``playerNameI`` ("N. Vučević", V3 only), and how his own actions'
    text starts ("Vucevic REBOUND", "C. Holmgren Free Throw 1 of 1", "SUB in: Yang" for Yang Hansen)."""

    def __init__(self, rows: list[Mapping[str, object]], person_key: str) -> None:
        self.names: dict[int, dict[int, set[str]]] = {}
        self.surnames: dict[int, dict[int, str]] = {}
        for row in rows:
            team, player = _int(row.get("teamId")), _int(row.get(person_key))
            surname = _fold(row.get("playerName"))
            if not (team and player and surname):
                continue
            self.surnames.setdefault(team, {})[player] = surname
            names = self.names.setdefault(team, {}).setdefault(player, {surname})
            text = _fold(row.get("description"))
            own = _OWN_NAME.match(text)
            sub = _SUB_V3.match(text)
            for name in (
                _fold(row.get("playerNameI")),
                text[: text.find(surname) + len(surname)].removeprefix("miss ") if surname in text else "",
                own.group(1) if own else "",
                sub.group(2) if sub else "",
                text.partition(":")[2].strip() if text.startswith(("sub in:", "sub out:")) else "",
            ):
                if name:
                    names.add(name)

    def named(self, team: int, name: str, other_than: int) -> list[int]:
        """The players of ``team`` but ``other_than`` the text's ``name`` can mean: those it calls
        so; else those whose surname ends it ("L. Dort" for Dort)."""
        folded = _fold(name)
        players = {p: names for p, names in self.names.get(team, {}).items() if p != other_than}
        return [p for p, names in players.items() if folded in names] or [
            p for p in players if folded.endswith(" " + self.surnames[team][p])
        ]


def lines_from_pbp_v3(
    actions: Iterable[Mapping[str, object]], home_team_id: int, *, person_key: str = "personId"
) -> dict[int, PlayerLine]:
    """Every player's line from one game's PlayByPlayV3 actions (or the 2025-26 raw files' rows,
    whose player id is ``person_id``: pass ``person_key``), in order.

    Points: what each made shot or free throw by a player scores (:func:`_v3_points`); the side is
    home when the action's ``teamId`` is ``home_team_id``.  An action with ``teamId`` 0 (a team
    rebound, a team's timeout, a replay) is nobody's.  Rebounds: a rebound by a player.  Assists:
    the feed names the assist only in a made field goal's text, "(Murray 1 AST)"; it goes to the
    scorer's team-mate the text calls so (:meth:`_Roster.named`).  Two such team-mates (two
    "J. Williams" on one team): the one whose assists so far are one short of the text's running
    count; still two: the one on the floor (his own actions and the substitutions say who is, each
    period afresh).  An assist naming no single team-mate is left out and logged: a line's assists
    may fall short, never go to the wrong player.
    """
    rows = list(actions)
    roster = _Roster(rows, person_key)
    lines: dict[int, PlayerLine] = {}
    on_floor: dict[int, bool] = {}
    period: object = None
    left_out: list[str] = []

    def add(player: int, side: Side, **counts: int) -> None:
        line = lines.get(player, PlayerLine(side))
        lines[player] = replace(line, **{k: getattr(line, k) + v for k, v in counts.items()})

    for row in rows:
        if row.get("period") != period:
            period, on_floor = row.get("period"), {}
        team, player = _int(row.get("teamId")), _int(row.get(person_key))
        if not team or not player:
            continue
        side: Side = "home" if team == home_team_id else "away"
        kind, text = row.get("actionType"), str(row.get("description") or "")
        if kind in V3_SUBSTITUTIONS:
            folded = _fold(text)
            on_floor[player] = folded.startswith("sub in:")  # raw: one action per player, in or out
            sub = _SUB_V3.match(folded)
            if sub and len(entering := roster.named(team, sub.group(1), player)) == 1:
                on_floor[entering[0]] = True
            continue
        on_floor[player] = True
        points = _v3_points(row)
        if points:
            add(player, side, points=points)
        elif kind in V3_REBOUNDS:
            add(player, side, rebounds=1)
        match = _ASSIST.search(text) if points > 1 else None
        if match:
            found = roster.named(team, match.group(1), player)
            if len(found) > 1:
                count = int(match.group(2))
                found = [p for p in found if (lines[p].assists if p in lines else 0) + 1 == count]
            if len(found) > 1:
                found = [p for p in found if on_floor.get(p)]
            if len(found) == 1:
                add(found[0], side, assists=1)
            else:
                left_out.append(match.group(0))
    if left_out:
        logger.info("play-by-play: %d assists name no single team-mate, left out: %s", len(left_out), left_out)
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
