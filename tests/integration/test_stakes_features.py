"""The stakes and performance features through collection -> features on the packaged archive,
computed by hand (issue 23), and contexts from before the stakes features."""

from __future__ import annotations

from datetime import date

import pytest

from nba_predictions.documents.models import PERFORMANCE_NAMES, STAKES_NAMES, CollectedGame
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.steps.collection import collect_games
from nba_predictions.steps.features import build_features


@pytest.fixture(scope="module")
def archive() -> ArchiveSource:
    return ArchiveSource()


def stakes_of(archive: ArchiveSource, day: date, game_id: str) -> dict[str, int]:
    """The stakes features of one game as a date run computes them: collection, then features from the
    collected document alone (no source: the context the collection step wrote is all there is)."""
    games, skipped, _ = collect_games(archive, day)
    assert skipped == []
    featured, skipped = build_features([g for g in games if g.game_id == game_id], None)
    assert skipped == [] and len(featured) == 1
    values = featured[0].features.model_dump()
    return {name: values[name] for name in (*STAKES_NAMES, *PERFORMANCE_NAMES)}


def test_the_2016_finals_game_seven(archive: ArchiveSource) -> None:
    # GSW-CLE, 2016-06-19: GSW won games 1, 2 and 4, CLE games 3, 5 and 6: 3-3 before game 7.
    assert stakes_of(archive, date(2016, 6, 19), "0041500407") == {
        "playoff_round": 4,
        "series_game": 7,
        "series_leader_wins": 3,
        "series_trailer_wins": 3,
        "elimination_game": 1,
        "game_seven": 1,
        "play_in": 0,
        "cup_final": 0,
        "seed_race_teams": 0,
        # From the archive's player lines: Draymond Green's 32 points, CLE's top scorer LeBron James's
        # 27, with 11 rebounds and 11 assists (the box score's lines).
        "top_points": 32,
        "duel_points": 27,
        "all_round": 11,
    }


def test_a_first_round_game_one(archive: ArchiveSource) -> None:
    # BOS-MIA, 2024-04-21: the first game of an East first-round series, nobody has won yet.
    values = stakes_of(archive, date(2024, 4, 21), "0042300101")
    assert values["playoff_round"] == 1 and values["series_game"] == 1
    assert (values["series_leader_wins"], values["series_trailer_wins"]) == (0, 0)
    assert values["elimination_game"] == values["game_seven"] == values["seed_race_teams"] == 0


def test_a_game_five_after_three_one(archive: ArchiveSource) -> None:
    # DEN-LAL, 2024-04-29: DEN won games 1-3, LAL game 4: DEN leads 3-1 and can clinch at home.
    values = stakes_of(archive, date(2024, 4, 29), "0042300155")
    assert (values["series_game"], values["series_leader_wins"], values["series_trailer_wins"]) == (5, 3, 1)
    assert (values["elimination_game"], values["game_seven"]) == (1, 0)


def test_an_april_game_of_two_teams_in_a_seeding_race(archive: ArchiveSource) -> None:
    # East before 2024-04-12 (80 games each, 2 left): 5 ORL 46-34, 6 IND 46-34 | 7 PHI 45-35, 8 MIA
    # 44-36.  The line between seeds 6 and 7 (playoffs or play-in, since 2020-21): ORL, above it, is
    # one game ahead of PHI, the first team below it; PHI is one game behind IND, the last team above
    # it.  Both are in a race: PHI-ORL has 2.  CLE (4th, 47-33) is 2 games ahead of PHI, IND (6th)
    # one: CLE-IND has 1.
    assert stakes_of(archive, date(2024, 4, 12), "0022301171")["seed_race_teams"] == 2
    assert stakes_of(archive, date(2024, 4, 12), "0022301174")["seed_race_teams"] == 1
    # BOS (1st, 62-18) and CHA (13th, 20-60) are far from every line.
    assert stakes_of(archive, date(2024, 4, 12), "0022301173")["seed_race_teams"] == 0


def test_a_november_game_has_nothing_at_stake(archive: ArchiveSource) -> None:
    # PHI-BOS, 2023-11-08: a regular-season game with 74+ games left for everyone.
    values = stakes_of(archive, date(2023, 11, 8), "0022300159")
    assert {values[name] for name in STAKES_NAMES} == {0}


def test_a_context_from_before_the_stakes_features_is_rebuilt_from_the_source(archive: ArchiveSource) -> None:
    games, _, _ = collect_games(archive, date(2016, 6, 19))
    assert games[0].context is not None and games[0].context.stakes is not None
    old = CollectedGame.model_validate(
        {**games[0].model_dump(), "context": games[0].context.model_dump(exclude={"stakes"})}
    )  # a document written before this version validates: stakes is optional
    assert old.context is not None and old.context.stakes is None
    (rebuilt,), skipped = build_features([old], archive)
    (current,), _ = build_features(games, None)
    assert skipped == [] and rebuilt == current and rebuilt.features.game_seven == 1
    # Without a source to rebuild it from, the game is skipped with what to do.
    featured, skipped = build_features([old], None)
    assert featured == [] and "the context has no stakes" in skipped[0].reason
    assert "collect the date again" in skipped[0].reason
