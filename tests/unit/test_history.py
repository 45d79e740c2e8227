"""Standings and head-to-head from past results, checked against recorded real standings and a
brute-force recount over the archive's results."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from nba_predictions.core import teams
from nba_predictions.core.domain import GameResult
from nba_predictions.core.season import Season
from nba_predictions.errors import DateNotCoveredError
from nba_predictions.features.history import History, load_history, seasons_needed, years_before
from nba_predictions.sources.archive import ArchiveSource

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def source() -> ArchiveSource:
    s = ArchiveSource()
    yield s
    s.close()


@pytest.fixture(scope="module")
def history(source: ArchiveSource) -> History:
    return load_history(source, date(2019, 10, 1), date(2026, 2, 22))


def test_standings_match_recorded_scoreboard_2026_02_22(history: History) -> None:
    payload = json.loads((FIXTURES / "api/nba_api/stats_scoreboardv2_2026-02-22.json").read_text())
    sets = {rs["name"]: [dict(zip(rs["headers"], r)) for r in rs["rowSet"]] for rs in payload["resultSets"]}
    rows = {row.team_id: row for row in history.standings(date(2026, 2, 22))}
    ranks = history.conference_ranks(date(2026, 2, 22))
    for name, conf in (("EastConfStandingsByDay", "East"), ("WestConfStandingsByDay", "West")):
        assert len(sets[name]) == 15
        for rank, official in enumerate(sets[name], start=1):
            row = rows[official["TEAM_ID"]]
            assert (row.conference, row.rank, row.wins, row.losses) == (conf, rank, official["W"], official["L"])
            assert row.games == official["G"]
            assert ranks[official["TEAM_ID"]] == rank


def test_standings_use_only_games_strictly_before_the_day(source: ArchiveSource, history: History) -> None:
    day = date(2024, 1, 15)
    before = {r.team_id: (r.wins, r.losses) for r in history.standings(day)}
    after = {r.team_id: (r.wins, r.losses) for r in history.standings(day + timedelta(days=1))}
    changed = {t for t in before if before[t] != after[t]}
    played = {t for g in source.completed_games(day) for t in (g.home_team_id, g.away_team_id)}
    assert changed == played and len(played) == 22
    # And the counts equal a brute-force recount.
    results = [r for r in source.season_results(Season(2023)) if r.season_type == "Regular Season" and r.date < day]
    for team_id, (won, lost) in before.items():
        wins = sum(
            (r.home_score > r.away_score) == (r.home_team_id == team_id)
            for r in results
            if team_id in (r.home_team_id, r.away_team_id)
        )
        games = sum(team_id in (r.home_team_id, r.away_team_id) for r in results)
        assert (won, lost) == (wins, games - wins)


def test_playoff_dates_use_the_complete_regular_season(history: History) -> None:
    final = history.conference_ranks(date(2024, 4, 15))  # day after the 2023-24 regular season
    assert history.conference_ranks(date(2024, 6, 1)) == final
    assert sorted(r for t, r in final.items() if teams.conference(t, 2023) == "East") == list(range(1, 16))


def test_team_without_games_takes_previous_final_rank(history: History) -> None:
    previous_final = history.conference_ranks(date(2023, 4, 10))  # after 2022-23's last day
    opening = history.conference_ranks(date(2023, 10, 24))  # 2023-24 opening night: none played
    assert opening == previous_final
    # Next day: the four teams of opening night are ranked among themselves, the rest keep
    # their previous final rank.
    next_day = history.conference_ranks(date(2023, 10, 25))
    moved = {t for t in next_day if next_day[t] != previous_final[t]}
    assert moved <= {1610612743, 1610612747, 1610612744, 1610612756}
    assert next_day[1610612743] == 1  # Denver won the opener


def test_ranking_tie_break_is_win_pct_then_wins_then_team_id() -> None:
    def result(n: int, day: int, home: int, away: int, home_wins: bool) -> GameResult:
        return GameResult(
            game_id=f"00223{n:05d}",
            date=date(2023, 11, day),
            season_type="Regular Season",
            home_team_id=home,
            away_team_id=away,
            home_score=100 if home_wins else 90,
            away_score=90 if home_wins else 100,
        )

    bos, nyk, mia, atl = 1610612738, 1610612752, 1610612748, 1610612737
    h = History(
        [
            result(1, 1, nyk, bos, True),  # NYK 1-0, BOS 0-1
            result(2, 2, bos, mia, True),  # BOS 1-1, MIA 0-1
            result(3, 3, atl, nyk, True),  # ATL 1-0, NYK 1-1
            result(4, 4, mia, atl, True),  # MIA 1-1, ATL 1-1
        ]
    )
    rows = [r for r in h.standings(date(2023, 11, 5)) if r.team_id in (bos, nyk, mia, atl)]
    # All four are 1-1: ordered by team id.
    assert [r.team_id for r in rows] == [atl, bos, mia, nyk]
    assert [r.rank for r in rows] == [1, 2, 3, 4]
    ranks = h.conference_ranks(date(2023, 11, 4))
    # Before the last game: ATL 1-0 leads, BOS and NYK (both 1-1) by team id, MIA 0-1 last.
    assert [t for t in sorted((bos, nyk, mia, atl), key=ranks.__getitem__)] == [atl, bos, nyk, mia]


def brute_force_h2h(results: list[GameResult], a: int, b: int, day: date, years: int) -> tuple[int, int, int]:
    start = years_before(day, years)
    meetings = [r for r in results if {r.home_team_id, r.away_team_id} == {a, b} and start <= r.date < day]
    playoff = sum(r.season_type == "Playoffs" for r in meetings)
    regular = [r for r in meetings if r.season_type == "Regular Season"]
    close = sum(abs(r.home_score - r.away_score) <= 10 for r in regular)
    return playoff, len(regular), close


def test_head_to_head_matches_brute_force(source: ArchiveSource, history: History) -> None:
    results = [r for y in range(2014, 2026) for r in source.season_results(Season(y))]
    cases = [
        (1610612744, 1610612739, date(2019, 6, 10)),  # Warriors-Cavaliers after four Finals
        (1610612738, 1610612748, date(2023, 5, 29)),  # Celtics-Heat, conference finals game 7
        (1610612747, 1610612743, date(2024, 4, 20)),  # Lakers-Nuggets, playoffs again
        (1610612760, 1610612745, date(2025, 11, 1)),
    ]
    hist = load_history(source, date(2019, 6, 10), date(2025, 11, 1))
    for a, b, day in cases:
        h2h = hist.head_to_head(a, b, day)
        assert h2h == hist.head_to_head(b, a, day)
        expected = brute_force_h2h(results, a, b, day, 5)
        assert (h2h.playoff_games, h2h.regular_season_games, h2h.close_regular_season_games) == expected
        assert h2h.window_years == 5
    gsw_cle = hist.head_to_head(1610612744, 1610612739, date(2019, 6, 10))
    assert gsw_cle.playoff_games == 22  # 2015-2018 Finals: 6 + 7 + 5 + 4 games, inside the window


def test_head_to_head_excludes_the_day_itself_and_play_in(source: ArchiveSource, history: History) -> None:
    day = date(2023, 5, 29)
    bos, mia = 1610612738, 1610612748
    assert (
        history.head_to_head(bos, mia, day + timedelta(days=1)).playoff_games
        == history.head_to_head(bos, mia, day).playoff_games + 1
    )
    play_in = [r for r in source.season_results(Season(2022)) if r.season_type == "Play-In"]
    g = play_in[0]
    after = g.date + timedelta(days=1)
    assert history.head_to_head(g.home_team_id, g.away_team_id, after) == history.head_to_head(
        g.home_team_id, g.away_team_id, g.date
    )


def test_2025_26_standings_count_82_regular_season_games_and_not_the_cup_final(source: ArchiveSource) -> None:
    # 2026-04-12 is the last regular-season day (every team plays): standings as of a day count
    # the games strictly before it, so 81 games each that day and 82 from the next.  Neither the
    # play-in, the playoffs nor the NBA Cup final (0062500001, NYK-SAS) add to them.
    hist = load_history(source, date(2026, 4, 12), date(2026, 6, 14))
    assert {r.games for r in hist.standings(date(2026, 4, 12))} == {81}
    final = hist.standings(date(2026, 4, 13))
    assert len(final) == 30 and {r.games for r in final} == {82}
    assert hist.standings(date(2026, 6, 14)) == final
    regular = [r for r in source.season_results(Season(2025)) if r.season_type == "Regular Season"]
    for row in final:
        wins = sum(
            (r.home_score > r.away_score) == (r.home_team_id == row.team_id)
            for r in regular
            if row.team_id in (r.home_team_id, r.away_team_id)
        )
        assert row.wins == wins


def test_a_2026_27_date_has_2025_26_standings_and_head_to_head(source: ArchiveSource) -> None:
    day = date(2026, 11, 15)  # 2026-27: no results of its own season yet
    hist = load_history(source, day, day)
    assert Season(2025) in hist.seasons() and Season(2026) not in hist.seasons()
    # Teams that have not played take their final 2025-26 rank.
    assert hist.conference_ranks(day) == hist.conference_ranks(date(2026, 4, 13))
    # New York and San Antonio: two 2025-26 regular-season meetings and the five games of the 2026
    # Finals count; the NBA Cup final between them (2025-12-16) does not.
    nyk, sas = 1610612752, 1610612759
    h2h = hist.head_to_head(nyk, sas, day)
    results = [r for y in range(2021, 2026) for r in source.season_results(Season(y))]
    assert (h2h.playoff_games, h2h.regular_season_games, h2h.close_regular_season_games) == brute_force_h2h(
        results, nyk, sas, day, 5
    )
    before_2025_26 = History([r for r in results if Season.of_game_id(r.game_id) < Season(2025)])
    earlier = before_2025_26.head_to_head(nyk, sas, day)
    assert (h2h.playoff_games - earlier.playoff_games, h2h.regular_season_games - earlier.regular_season_games) == (
        5,
        2,
    )
    assert not any(r.game_id == "0062500001" for r in results)  # the Cup final is no season result
    cup_final_day = date(2025, 12, 16)
    assert hist.head_to_head(nyk, sas, cup_final_day + timedelta(days=1)) == hist.head_to_head(nyk, sas, cup_final_day)


def test_nba_cup_final_counts_in_neither_standings_nor_head_to_head() -> None:
    def result(game_id: str, day: int, season_type: str) -> GameResult:
        return GameResult(
            game_id=game_id,
            date=date(2025, 12, day),
            season_type=season_type,
            home_team_id=1610612752,
            away_team_id=1610612759,
            home_score=124,
            away_score=113,
        )

    regular = result("0022500400", 10, "Regular Season")
    with_final = History([regular, result("0062500001", 16, "NBA Cup Final")])
    without = History([regular])
    for day in (date(2025, 12, 17), date(2026, 1, 1)):
        assert with_final.standings(day) == without.standings(day)
        assert with_final.head_to_head(1610612752, 1610612759, day) == without.head_to_head(1610612752, 1610612759, day)
    assert without.head_to_head(1610612752, 1610612759, date(2025, 12, 17)).regular_season_games == 1


def test_context_of_a_game(source: ArchiveSource, history: History) -> None:
    [game] = [g for g in source.completed_games(date(2024, 1, 15)) if g.game_id == "0022300555"]
    ctx = history.context(game)
    ranks = history.conference_ranks(game.date)
    assert ctx.home_conference == "East" and ctx.away_conference == "West"  # PHI vs HOU
    assert (ctx.home_conference_rank, ctx.away_conference_rank) == (ranks[game.home_team_id], ranks[game.away_team_id])
    assert ctx.head_to_head == history.head_to_head(game.home_team_id, game.away_team_id, game.date)


def test_conference_realignment_in_context(source: ArchiveSource) -> None:
    # The New Orleans franchise was in the East in 2003-04 and in the West in 2004-05.
    hist = load_history(source, date(2003, 11, 1), date(2005, 4, 1))
    for season, conf in ((Season(2003), "East"), (Season(2004), "West")):
        results = [r for r in source.season_results(season) if r.home_team_id == 1610612740][:1]
        r = results[0]
        ranks = hist.conference_ranks(r.date)
        assert teams.conference(1610612740, season) == conf
        assert 1 <= ranks[1610612740] <= 15
        same_conf = [t for t in ranks if teams.conference(t, season) == conf]
        assert len(same_conf) == (15 if season.start_year == 2004 or conf == "East" else 14)


class RecordingSource:
    """Wraps the archive and records which seasons were asked for."""

    def __init__(self, inner: ArchiveSource, not_covered: set[int] = frozenset()) -> None:
        self.inner = inner
        self.asked: list[Season] = []
        self.not_covered = not_covered

    def season_results(self, season: Season) -> list[GameResult]:
        self.asked.append(season)
        if season.start_year in self.not_covered:
            raise DateNotCoveredError(f"{season} not covered")
        return self.inner.season_results(season)


def test_load_history_fetches_only_the_needed_seasons_once(source: ArchiveSource) -> None:
    recording = RecordingSource(source)
    load_history(recording, date(2024, 1, 15), date(2024, 1, 15))
    assert recording.asked == [Season(y) for y in range(2018, 2024)]
    assert seasons_needed(date(2023, 10, 24), date(2024, 6, 17)) == [Season(y) for y in range(2018, 2024)]
    recording = RecordingSource(source, not_covered={2018})
    hist = load_history(recording, date(2024, 1, 15), date(2024, 1, 15))
    assert Season(2018) not in hist.seasons() and Season(2023) in hist.seasons()


def test_whole_season_of_contexts(source: ArchiveSource) -> None:
    # How fast: benchmarks/bench_archive.py (a timed assertion here would fail on a busy machine).
    hist = load_history(source, date(2022, 10, 18), date(2023, 6, 12))
    results = [r for r in source.season_results(Season(2022))]
    games = source.season_games(Season(2022))
    contexts = [hist.context(g) for g in games]
    assert len(contexts) == len(results) == 1320


def test_years_before_handles_leap_day() -> None:
    assert years_before(date(2024, 2, 29), 5) == date(2019, 2, 28)
    assert years_before(date(2024, 1, 15), 5) == date(2019, 1, 15)
