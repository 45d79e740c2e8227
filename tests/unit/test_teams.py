"""The team table: stable ids, historical abbreviations, conferences by season."""

from __future__ import annotations

import sqlite3

import pytest

from nba_predictions.core import teams
from nba_predictions.core.season import Season
from nba_predictions.errors import UnknownTeamError
from nba_predictions.sources.archive import default_archive_path


@pytest.mark.parametrize(
    ("abbr", "season", "team_id"),
    [
        ("NJN", 2011, 1610612751),
        ("BKN", 2012, 1610612751),
        ("BRK", 2020, 1610612751),
        ("NOH", 2002, 1610612740),
        ("NOK", 2006, 1610612740),
        ("NOP", 2024, 1610612740),
        ("CHH", 1999, 1610612766),
        ("CHA", 2004, 1610612766),
        ("CHO", 2016, 1610612766),
        ("SEA", 2007, 1610612760),
        ("OKC", 2008, 1610612760),
        ("VAN", 2000, 1610612763),
        ("MEM", 2001, 1610612763),
        ("PHO", 2010, 1610612756),
        ("gsw", Season(2023), 1610612744),
    ],
)
def test_historical_abbreviations_map_to_stable_ids(abbr: str, season: int, team_id: int) -> None:
    assert teams.team_id(abbr, season) == team_id


def test_abbreviation_outside_its_era_is_an_error() -> None:
    with pytest.raises(UnknownTeamError, match="SEA"):
        teams.team_id("SEA", 2010)
    with pytest.raises(UnknownTeamError, match="CHA"):
        teams.team_id("CHA", 2003)  # no team in Charlotte in 2002-03 and 2003-04
    with pytest.raises(UnknownTeamError, match="XYZ"):
        teams.team_id("XYZ")


def test_unknown_team_id_is_a_clear_error() -> None:
    with pytest.raises(UnknownTeamError, match="1610612736"):
        teams.team(1610612736)
    with pytest.raises(UnknownTeamError, match="did not play in 2002-03"):
        teams.conference(1610612766, 2002)
    assert isinstance(UnknownTeamError("x"), LookupError)


def test_current_and_historical_names() -> None:
    assert teams.abbreviation(1610612751) == "BKN" and teams.name(1610612751) == "Brooklyn Nets"
    assert teams.abbreviation(1610612751, 2005) == "NJN" and teams.name(1610612751, 2005) == "New Jersey Nets"
    assert teams.name(1610612766, 2010) == "Charlotte Bobcats" and teams.name(1610612766) == "Charlotte Hornets"
    assert teams.name(1610612760, Season(2000)) == "Seattle SuperSonics"
    assert teams.team(1610612740, 2005).nickname == "Hornets"
    assert teams.team_ids() == tuple(range(1610612737, 1610612767))


def test_conference_realignment() -> None:
    assert teams.conference(1610612740, 2003) == "East"
    assert teams.conference(1610612740, 2004) == "West"
    assert teams.conference(1610612766, 2004) == "East"
    assert teams.conference(1610612763, 1999) == "West"
    for year, east, west in ((1996, 15, 14), (2002, 15, 14), (2003, 15, 14), (2004, 15, 15), (2025, 15, 15)):
        assert len(teams.conference_teams("East", year)) == east
        assert len(teams.conference_teams("West", year)) == west


def test_every_team_in_the_archive_is_known_for_its_season() -> None:
    con = sqlite3.connect(f"{default_archive_path().as_uri()}?mode=ro", uri=True)
    pairs = con.execute(
        "SELECT DISTINCT season, home_team_id, home_abbr FROM games "
        "UNION SELECT DISTINCT season, away_team_id, away_abbr FROM games"
    ).fetchall()
    con.close()
    per_season: dict[int, set[int]] = {}
    for season, team_id, abbr in pairs:
        assert teams.team_id(abbr, season) == team_id, (season, abbr)
        per_season.setdefault(season, set()).add(team_id)
    for season, ids in per_season.items():
        assert ids == set(teams.team_ids(season)), season
