"""The 30 NBA franchises since 1996-97: stable ids, historical abbreviations, names, conferences.

Every franchise keeps one stats.nba.com team id (1610612737 ... 1610612766) through relocations
and renames, so results from 1996-97 on line up: the New Jersey Nets (``NJN``) and the Brooklyn
Nets (``BKN``) are both 1610612751, the Seattle SuperSonics (``SEA``) and the Oklahoma City
Thunder (``OKC``) 1610612760, the Vancouver (``VAN``) and Memphis (``MEM``) Grizzlies
1610612763.  As on stats.nba.com, the Charlotte Hornets of 1988-2002 (``CHH``), the Charlotte
Bobcats (2004-14, ``CHA``) and today's Charlotte Hornets (``CHA``, also written ``CHO``) are
1610612766, and the New Orleans Hornets (2002-13, ``NOH``; ``NOK`` for the two Oklahoma City
seasons after hurricane Katrina) and Pelicans (``NOP``) are 1610612740.

Conferences change with realignment: New Orleans played in the East in 2002-03 and 2003-04 and
in the West from 2004-05, when the Charlotte expansion team joined the East.  From 1996-97 to
2003-04 there were 29 teams (15 East, 14 West); from 2004-05 on 30 (15 each).

Plain data and pure functions: nothing is computed at import time beyond building two small
lookup dicts on first use.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Literal

from nba_predictions.core.season import Season

# UnknownTeamError lives in errors.py; named here too for the callers that know it as teams.UnknownTeamError.
from nba_predictions.errors import UnknownTeamError as UnknownTeamError

logger = logging.getLogger(__name__)

Conference = Literal["East", "West"]


@dataclass(frozen=True)
class Era:
    """One name of a franchise: seasons ``first``..``last`` (start years, inclusive; None = still)."""

    first: int
    last: int | None
    abbreviation: str
    city: str
    nickname: str
    conference: Conference
    aliases: tuple[str, ...] = ()  # other abbreviations sources use for the same era

    def covers(self, start_year: int) -> bool:
        return self.first <= start_year and (self.last is None or start_year <= self.last)

    @property
    def name(self) -> str:
        return f"{self.city} {self.nickname}"


@dataclass(frozen=True)
class Team:
    """A franchise as it was (or is) in one season."""

    team_id: int
    abbreviation: str
    city: str
    nickname: str
    conference: Conference

    @property
    def name(self) -> str:
        return f"{self.city} {self.nickname}"


E: Conference = "East"
W: Conference = "West"

# team id -> eras in chronological order.  Seasons are start years (2004 = 2004-05).
FRANCHISES: dict[int, tuple[Era, ...]] = {
    1610612737: (Era(1996, None, "ATL", "Atlanta", "Hawks", E),),
    1610612738: (Era(1996, None, "BOS", "Boston", "Celtics", E),),
    1610612739: (Era(1996, None, "CLE", "Cleveland", "Cavaliers", E),),
    1610612740: (
        Era(2002, 2003, "NOH", "New Orleans", "Hornets", E),
        Era(2004, 2004, "NOH", "New Orleans", "Hornets", W),
        Era(2005, 2006, "NOK", "New Orleans/Oklahoma City", "Hornets", W, aliases=("NOH",)),
        Era(2007, 2012, "NOH", "New Orleans", "Hornets", W),
        Era(2013, None, "NOP", "New Orleans", "Pelicans", W),
    ),
    1610612741: (Era(1996, None, "CHI", "Chicago", "Bulls", E),),
    1610612742: (Era(1996, None, "DAL", "Dallas", "Mavericks", W),),
    1610612743: (Era(1996, None, "DEN", "Denver", "Nuggets", W),),
    1610612744: (Era(1996, None, "GSW", "Golden State", "Warriors", W, aliases=("GS",)),),
    1610612745: (Era(1996, None, "HOU", "Houston", "Rockets", W),),
    1610612746: (
        Era(1996, 2014, "LAC", "Los Angeles", "Clippers", W),
        Era(2015, None, "LAC", "LA", "Clippers", W),
    ),
    1610612747: (Era(1996, None, "LAL", "Los Angeles", "Lakers", W),),
    1610612748: (Era(1996, None, "MIA", "Miami", "Heat", E),),
    1610612749: (Era(1996, None, "MIL", "Milwaukee", "Bucks", E),),
    1610612750: (Era(1996, None, "MIN", "Minnesota", "Timberwolves", W),),
    1610612751: (
        Era(1996, 2011, "NJN", "New Jersey", "Nets", E),
        Era(2012, None, "BKN", "Brooklyn", "Nets", E, aliases=("BRK",)),
    ),
    1610612752: (Era(1996, None, "NYK", "New York", "Knicks", E, aliases=("NY",)),),
    1610612753: (Era(1996, None, "ORL", "Orlando", "Magic", E),),
    1610612754: (Era(1996, None, "IND", "Indiana", "Pacers", E),),
    1610612755: (Era(1996, None, "PHI", "Philadelphia", "76ers", E),),
    1610612756: (Era(1996, None, "PHX", "Phoenix", "Suns", W, aliases=("PHO",)),),
    1610612757: (Era(1996, None, "POR", "Portland", "Trail Blazers", W),),
    1610612758: (Era(1996, None, "SAC", "Sacramento", "Kings", W),),
    1610612759: (Era(1996, None, "SAS", "San Antonio", "Spurs", W, aliases=("SA",)),),
    1610612760: (
        Era(1996, 2007, "SEA", "Seattle", "SuperSonics", W),
        Era(2008, None, "OKC", "Oklahoma City", "Thunder", W),
    ),
    1610612761: (Era(1996, None, "TOR", "Toronto", "Raptors", E),),
    1610612762: (Era(1996, None, "UTA", "Utah", "Jazz", W, aliases=("UTAH",)),),
    1610612763: (
        Era(1996, 2000, "VAN", "Vancouver", "Grizzlies", W),
        Era(2001, None, "MEM", "Memphis", "Grizzlies", W),
    ),
    1610612764: (
        Era(1996, 1996, "WAS", "Washington", "Bullets", E),
        Era(1997, None, "WAS", "Washington", "Wizards", E),
    ),
    1610612765: (Era(1996, None, "DET", "Detroit", "Pistons", E),),
    1610612766: (
        Era(1996, 2001, "CHH", "Charlotte", "Hornets", E),
        # 2002-03 and 2003-04: no team in Charlotte.
        Era(2004, 2013, "CHA", "Charlotte", "Bobcats", E),
        Era(2014, None, "CHA", "Charlotte", "Hornets", E, aliases=("CHO",)),
    ),
}


def _start_year(season: Season | int) -> int:
    return season.start_year if isinstance(season, Season) else int(season)


def _era(team_id: int, season: Season | int | None) -> Era:
    try:
        eras = FRANCHISES[int(team_id)]
    except (KeyError, ValueError, TypeError):
        raise UnknownTeamError(f"unknown team id {team_id!r}: NBA team ids run from 1610612737 to 1610612766") from None
    if season is None:
        return eras[-1]
    year = _start_year(season)
    for era in eras:
        if era.covers(year):
            return era
    raise UnknownTeamError(f"team {team_id} did not play in {Season(year)} (the table starts with 1996-97)")


def team(team_id: int, season: Season | int | None = None) -> Team:
    """The franchise ``team_id`` as it was in ``season`` (default: as it is now)."""
    era = _era(team_id, season)
    return Team(int(team_id), era.abbreviation, era.city, era.nickname, era.conference)


def abbreviation(team_id: int, season: Season | int | None = None) -> str:
    """The abbreviation in ``season`` (default: the current one), e.g. 1610612751 -> ``"BKN"``."""
    return _era(team_id, season).abbreviation


def abbreviations(team_id: int, season: Season | int) -> tuple[str, ...]:
    """Every spelling of the team's abbreviation in ``season``: the usual one first, then the
    aliases sources use (``("PHX", "PHO")``)."""
    era = _era(team_id, season)
    return (era.abbreviation, *era.aliases)


def name(team_id: int, season: Season | int | None = None) -> str:
    """The full name in ``season`` (default: the current one), e.g. ``"Brooklyn Nets"``."""
    return _era(team_id, season).name


def conference(team_id: int, season: Season | int) -> Conference:
    """``"East"`` or ``"West"`` for the franchise in ``season`` (realignments included)."""
    return _era(team_id, season).conference


@cache
def _by_abbreviation() -> dict[str, tuple[tuple[int, Era], ...]]:
    table: dict[str, list[tuple[int, Era]]] = {}
    for team_id, eras in FRANCHISES.items():
        for era in eras:
            for abbr in (era.abbreviation, *era.aliases):
                table.setdefault(abbr, []).append((team_id, era))
    return {abbr: tuple(v) for abbr, v in table.items()}


def team_id(abbreviation: str, season: Season | int | None = None) -> int:
    """The stable team id of ``abbreviation`` as used in ``season``.

    Historical and alternative spellings are accepted (``NJN``, ``SEA``, ``VAN``, ``CHH``,
    ``NOK``, ``CHO``, ``PHO``, ``BRK``...).  Without ``season`` the abbreviation must be
    unambiguous across all seasons (it is for every abbreviation except ``NOH`` and ``CHA``,
    which map to one team each anyway).
    """
    key = abbreviation.strip().upper()
    entries = _by_abbreviation().get(key)
    if not entries:
        raise UnknownTeamError(f"unknown team abbreviation {abbreviation!r}")
    if season is None:
        ids = {tid for tid, _ in entries}
        if len(ids) == 1:
            return ids.pop()
        raise UnknownTeamError(f"team abbreviation {abbreviation!r} is ambiguous without a season")
    year = _start_year(season)
    for tid, era in entries:
        if era.covers(year):
            return tid
    raise UnknownTeamError(f"no team used the abbreviation {abbreviation!r} in {Season(year)}")


def team_ids(season: Season | int | None = None) -> tuple[int, ...]:
    """Ids of the teams playing in ``season`` (default: now), in id order (29 before 2004-05)."""
    if season is None:
        return tuple(sorted(FRANCHISES))
    return _team_ids_of(_start_year(season))


@cache
def _team_ids_of(year: int) -> tuple[int, ...]:
    return tuple(tid for tid in sorted(FRANCHISES) if any(e.covers(year) for e in FRANCHISES[tid]))


def conference_teams(conf: Conference, season: Season | int) -> tuple[int, ...]:
    """Ids of the teams of conference ``conf`` in ``season``, in id order."""
    if conf not in ("East", "West"):
        raise ValueError(f"invalid conference {conf!r}: expected East or West")
    return _conference_teams_of(conf, _start_year(season))


@cache
def _conference_teams_of(conf: Conference, year: int) -> tuple[int, ...]:
    return tuple(tid for tid in _team_ids_of(year) if conference(tid, year) == conf)
