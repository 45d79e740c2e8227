"""The packaged offline archive against independent real data.

References: ``tests/fixtures/reference/`` (derived from the raw inputs by
``scripts/build_archive.py --reference-dir``, see its README) and the recorded API responses in
``tests/fixtures/api/``.  Nothing here reads ``../shared``.
"""

from __future__ import annotations

import csv
import gzip
import json
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from nba_predictions.core.domain import GameRecord, GameResult, ScoreTimeline
from nba_predictions.core.season import Season
from nba_predictions.errors import DateNotCoveredError, GameDataError
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.sources.base import Source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REFERENCE = FIXTURES / "reference"
# SOURCES.md: six legacy games with truncated play-by-play, and one 2025-26 game whose
# play-by-play final is one point short of the LeagueGameLog result.
TRUNCATED = {"0021301006", "0021500916", "0021700211", "0022100028", "0022100298", "0022301202", "0022500029"}
FIRST, LAST = date(2013, 10, 29), date(2025, 12, 7)


@pytest.fixture(scope="module")
def everything(source: ArchiveSource) -> tuple[list, dict]:
    """The whole archive through the protocol's bulk read: (records, {game_id: usable timeline})."""
    return source.games_and_timelines(FIRST, LAST)


@pytest.fixture(scope="module")
def source() -> ArchiveSource:
    s = ArchiveSource()
    yield s
    s.close()


def read_reference(name: str) -> list[dict[str, str]]:
    with gzip.open(REFERENCE / name, "rt", newline="") as f:
        return list(csv.DictReader(f))


def box_score_summaries() -> list[dict[str, list[dict]]]:
    out = []
    for path in sorted(FIXTURES.glob("api/*/stats_boxscoresummaryv2_*.json")):
        payload = json.loads(path.read_text())
        out.append(
            {rs["name"]: [dict(zip(rs["headers"], row)) for row in rs["rowSet"]] for rs in payload["resultSets"]}
        )
    assert len(out) == 5
    return out


# --- protocol and coverage ------------------------------------------------------------------


def test_implements_the_source_protocol_and_opens_lazily() -> None:
    s = ArchiveSource()
    assert isinstance(s, Source)
    assert s.name == "archive"
    assert s._con is None  # nothing opened by construction


def test_import_does_no_work_and_needs_no_numpy() -> None:
    code = (
        "import sys, nba_predictions.sources.archive, nba_predictions.features.history, nba_predictions.core.teams;"
        "assert 'numpy' not in sys.modules and 'pandas' not in sys.modules, 'heavy import'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_archive_is_opened_read_only(source: ArchiveSource) -> None:
    source.coverage()
    with pytest.raises(sqlite3.OperationalError):
        source._connection().execute("DELETE FROM games")


def test_coverage(source: ArchiveSource) -> None:
    assert source.coverage() == (FIRST, LAST)
    assert source.results_coverage() == (date(1996, 11, 1), date(2026, 6, 13))  # to the 2026 Finals
    assert source.covers(FIRST) and source.covers(LAST) and source.covers(date(2024, 1, 15))
    assert not source.covers(date(2013, 10, 28)) and not source.covers(date(2025, 12, 8))


@pytest.mark.parametrize("day", [date(2010, 1, 1), date(2013, 10, 28), date(2025, 12, 8), date(2026, 2, 21)])
def test_out_of_range_date_names_the_range(source: ArchiveSource, day: date) -> None:
    with pytest.raises(DateNotCoveredError) as err:
        source.completed_games(day)
    message = str(err.value)
    assert "2013-10-29 to 2025-12-07" in message and "--source nba_api" in message
    assert "\n" not in message


def test_known_gap_is_not_reported_as_an_empty_day(source: ArchiveSource) -> None:
    # Games 2-7 of the 2025 Finals are in none of the inputs.
    assert [g.game_id for g in source.completed_games(date(2025, 6, 5))] == ["0042400401"]
    with pytest.raises(DateNotCoveredError, match="0042400402"):
        source.completed_games(date(2025, 6, 8))
    assert not source.covers(date(2025, 6, 8))


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 2, 16),  # All-Star break
        date(2020, 4, 1),  # 2020 suspension
        date(2019, 8, 1),  # off-season
        date(2024, 12, 24),  # no games on Christmas Eve
    ],
)
def test_in_range_day_without_games_is_empty(source: ArchiveSource, day: date) -> None:
    assert source.completed_games(day) == []


# --- games of a date ------------------------------------------------------------------------


def test_2024_01_15_has_eleven_completed_games(source: ArchiveSource) -> None:
    games = source.completed_games(date(2024, 1, 15))
    assert len(games) == 11
    assert [g.game_id for g in games] == sorted(g.game_id for g in games)
    for g in games:
        assert isinstance(g, GameRecord)
        assert g.date == date(2024, 1, 15) and g.game_status == "Final" and g.season_id == "22023"
        tl = source.score_timeline(g)
        assert tl.final_score == (g.home_team_score, g.away_team_score)


def test_box_score_summaries_match_exactly(source: ArchiveSource) -> None:
    for box in box_score_summaries():
        summary = box["GameSummary"][0]
        day = date.fromisoformat(summary["GAME_DATE_EST"][:10])
        [game] = [g for g in source.completed_games(day) if g.game_id == summary["GAME_ID"]]
        assert game.home_team_id == summary["HOME_TEAM_ID"]
        assert game.away_team_id == summary["VISITOR_TEAM_ID"]
        assert game.season_id == "2" + summary["SEASON"]
        lines = {row["TEAM_ID"]: row for row in box["LineScore"]}
        home, away = lines[game.home_team_id], lines[game.away_team_id]
        assert (game.home_team_abbreviation, game.away_team_abbreviation) == (
            home["TEAM_ABBREVIATION"],
            away["TEAM_ABBREVIATION"],
        )
        assert (game.home_team_score, game.away_team_score) == (home["PTS"], away["PTS"])
        other = box["OtherStats"][0]
        assert (game.lead_changes, game.times_tied) == (other["LEAD_CHANGES"], other["TIMES_TIED"])
        if game.attendance is not None:
            assert game.attendance == box["GameInfo"][0]["ATTENDANCE"]
        # The score at the end of every period equals the line score, overtime included.  An
        # event at a period boundary (a buzzer-beater, or a technical free throw before the next
        # period's first second) shares its time with the other period, so the line score's
        # cumulative total must be one of the states the timeline passes through at that time.
        tl = source.score_timeline(game)
        labels = ["PTS_QTR1", "PTS_QTR2", "PTS_QTR3", "PTS_QTR4"] + [f"PTS_OT{i}" for i in range(1, 11)]
        played = [k for i, k in enumerate(labels) if i < 4 or (home.get(k) or 0) + (away.get(k) or 0) > 0]
        assert tl.periods == len(played)
        total_h = total_a = 0
        for period, key in enumerate(played, start=1):
            total_h += home[key]
            total_a += away[key]
            assert (total_h, total_a) in states_at_period_end(tl, period), (game.game_id, key)
        assert (total_h, total_a) == tl.final_score


def states_at_period_end(tl: ScoreTimeline, period: int) -> set[tuple[int, int]]:
    end = 720 * period if period <= 4 else 2880 + 300 * (period - 4)
    before = (0, 0)
    at_end = []
    for t, h, a in tl.events:
        if t < end:
            before = (h, a)
        elif t == end:
            at_end.append((h, a))
    return {before, *at_end}


# --- timelines against independent data -----------------------------------------------------


def test_lead_changes_and_times_tied_match_official_values(everything: tuple[list, dict]) -> None:
    from nba_predictions.core.scoring import lead_changes_and_times_tied

    rows = read_reference("official_lead_changes.csv.gz")
    assert len(rows) > 10_000
    timelines = everything[1]
    lc = tt = 0
    for r in rows:
        if r["game_id"] not in timelines:
            assert r["game_id"] in TRUNCATED
            continue
        changes, tied = lead_changes_and_times_tied(timelines[r["game_id"]])
        lc += changes == int(r["lead_changes"])
        tt += tied == int(r["times_tied"])
    assert lc / len(rows) >= 0.995, lc / len(rows)
    assert tt / len(rows) >= 0.995, tt / len(rows)


def test_final_scores_match_independent_results_except_truncated(everything: tuple[list, dict]) -> None:
    rows = [r for r in read_reference("independent_results.csv.gz") if r["origin"] != "legacy_pbp"]
    assert len(rows) > 15_000
    timelines = everything[1]
    unavailable = {r["game_id"] for r in rows} - set(timelines)
    assert unavailable == TRUNCATED
    wrong = [
        r["game_id"]
        for r in rows
        if r["game_id"] in timelines and timelines[r["game_id"]].final_score != (int(r["home_pts"]), int(r["away_pts"]))
    ]
    assert wrong == []


def test_results_teams_and_scores_match_independent_results(everything: tuple[list, dict]) -> None:
    rows = {r["game_id"]: r for r in read_reference("independent_results.csv.gz")}
    games = everything[0]
    by_id = {g.game_id: g for g in games}
    assert set(rows) <= set(by_id)
    for gid, r in rows.items():
        g = by_id[gid]
        assert (g.home_team_id, g.away_team_id, g.home_team_score, g.away_team_score) == (
            int(r["home_team_id"]),
            int(r["away_team_id"]),
            int(r["home_pts"]),
            int(r["away_pts"]),
        ), gid


def test_truncated_games_raise_game_data_error(source: ArchiveSource) -> None:
    for gid in sorted(TRUNCATED):
        with pytest.raises(GameDataError, match="truncated") as err:
            source.score_timeline(gid)
        assert err.value.game_id == gid


def test_play_in_game_is_listed_but_has_no_timeline(source: ArchiveSource) -> None:
    games = source.completed_games(date(2021, 5, 18))
    play_in = [g for g in games if g.game_id.startswith("005")]
    assert play_in and all(g.season_id == "52020" for g in play_in)
    with pytest.raises(GameDataError, match="play-in"):
        source.score_timeline(play_in[0])


def test_timelines_are_valid_and_v3_clocks_keep_tenths(source: ArchiveSource) -> None:
    games, timelines = source.games_and_timelines(date(2025, 10, 21), date(2025, 12, 7))
    assert len(games) == 354
    assert len(timelines) == 353  # 0022500029 is one point short
    assert any(t != int(t) for tl in timelines.values() for t, _, _ in tl.events)
    overtime = [tl for tl in timelines.values() if tl.periods > 4]
    assert overtime and all(tl.events[-1][0] > 2880 for tl in overtime)


def test_same_second_correction_is_resolved(source: ArchiveSource) -> None:
    # 0021700025 starts with stray rows carrying fourth-quarter scores; the timeline still ends
    # at the official result (NOP 103, GSW 124) and never goes down.
    tl = source.score_timeline("0021700025")
    assert tl.final_score == (103, 124)
    assert tl.events[0][1] + tl.events[0][2] <= 3


def test_stable_team_ids_and_historical_abbreviations(source: ArchiveSource) -> None:
    # 2013-14 Brooklyn, 2005-06 New Orleans/Oklahoma City, 1996-97 Vancouver, from results only.
    nets = [g for g in source.season_results(Season(2010)) if 1610612751 in (g.home_team_id, g.away_team_id)]
    assert len([g for g in nets if g.season_type == "Regular Season"]) == 82
    assert len([g for g in source.season_results(Season(2005)) if 1610612740 in (g.home_team_id, g.away_team_id)]) == 82
    games, _ = source.games_and_timelines(date(2014, 3, 1), date(2014, 3, 31))
    assert {g.home_team_abbreviation for g in games if g.home_team_id == 1610612751} == {"BKN"}


def test_season_results_whole_seasons(source: ArchiveSource) -> None:
    results = source.season_results(Season(2023))
    assert [r.date for r in results] == sorted(r.date for r in results)
    kinds = {k: sum(r.season_type == k for r in results) for k in ("Regular Season", "Playoffs", "Play-In")}
    assert kinds == {"Regular Season": 1230, "Playoffs": 82, "Play-In": 6}
    results = source.season_results(Season(2025))
    kinds = {
        k: sum(r.season_type == k for r in results) for k in ("Regular Season", "Playoffs", "Play-In", "NBA Cup Final")
    }
    # The NBA Cup final is in the archive but not in the season's results: those are what standings and
    # head-to-head count, as every source's are (sources/game_types.py RESULT_SEASON_TYPES).
    assert kinds == {"Regular Season": 1230, "Playoffs": 85, "Play-In": 6, "NBA Cup Final": 0}
    [final] = source.season_games(Season(2025), ("NBA Cup Final",))
    assert final.game_id == "0062500001"
    assert source.season_results(Season(1990)) == []


def test_every_2025_26_game_as_the_results_file_gives_it(source: ArchiveSource) -> None:
    # results_2025-26.csv.gz is the raw results_2025-26/nba_2025_26_results.csv (see its README):
    # all 1,322 games to the 2026 Finals, with the archive's ids, dates, teams and points.
    rows = read_reference("results_2025-26.csv.gz")
    assert len(rows) == len({r["game_id"] for r in rows}) == 1322
    kind = {
        "Regular Season": "Regular Season",
        "PlayIn": "Play-In",
        "Playoffs": "Playoffs",
        "NBA Cup Final": "NBA Cup Final",
    }
    expected = [
        (
            r["game_id"],
            date.fromisoformat(r["date"]),
            kind[r["season_type"]],
            int(r["home_team_id"]),
            int(r["away_team_id"]),
            int(r["home_pts"]),
            int(r["away_pts"]),
        )
        for r in rows
    ]
    results = [
        *source.season_results(Season(2025)),
        *(
            GameResult(
                game_id=g.game_id,
                date=g.date,
                season_type="NBA Cup Final",
                home_team_id=g.home_team_id,
                away_team_id=g.away_team_id,
                home_score=g.home_team_score,
                away_score=g.away_team_score,
            )
            for g in source.season_games(Season(2025), ("NBA Cup Final",))
        ),
    ]
    archived = [
        (g.game_id, g.date, g.season_type, g.home_team_id, g.away_team_id, g.home_score, g.away_score)
        for g in sorted(results, key=lambda r: (r.date, r.game_id))
    ]
    assert sorted(archived) == sorted(expected)
    assert source.results_coverage()[1] == max(d for _, d, *_ in expected) == date(2026, 6, 13)


def test_nba_cup_final_is_a_listed_neutral_site_game_without_timeline(source: ArchiveSource) -> None:
    # 0062500001, 2025-12-16 in Las Vegas: home/away as ESPN lists it (results_2025-26/README.md).
    [game] = source.season_games(Season(2025), ("NBA Cup Final",))
    assert (game.game_id, game.season_id, game.home_team_abbreviation, game.away_team_abbreviation) == (
        "0062500001",
        "62025",
        "NYK",
        "SAS",
    )
    assert (game.home_team_score, game.away_team_score) == (124, 113)
    assert source.neutral_sites(["0062500001"]) == {"0062500001"}
    assert "no play-by-play" in source.timeline_problems(["0062500001"])["0062500001"]
    # The Cup's semifinals in Las Vegas are regular-season games, flagged by the LeagueGameLog.
    assert source.neutral_sites(["0022501229", "0022501230", "0022501228"]) == {"0022501229", "0022501230"}


def test_neutral_site_and_designated_home(source: ArchiveSource) -> None:
    assert source.neutral_sites(["0022500147"]) == {"0022500147"}  # Mexico City: Detroit is the designated home team
    [game] = [g for g in source.completed_games(date(2025, 11, 1)) if g.game_id == "0022500147"]
    assert game.home_team_abbreviation == "DET"
    assert source.score_timeline(game).final_score == (game.home_team_score, game.away_team_score)
    assert source.neutral_sites(["0041900406"]) == {"0041900406"}  # 2020 Finals in the Orlando bubble
    assert source.neutral_sites(["0022300001"]) == set()


def test_attendance_null_where_unknown(source: ArchiveSource) -> None:
    assert {g.attendance for g in source.completed_games(date(2024, 1, 15))} == {None}
    assert all(g.attendance and g.attendance > 10_000 for g in source.completed_games(date(2019, 1, 15)))


def test_bulk_timelines_skip_unavailable_games_and_say_why(
    source: ArchiveSource, everything: tuple[list, dict]
) -> None:
    ids = ["0022300555", "0021301006", "0052000101", "0099999999"]
    records, timelines = everything
    assert {gid for gid in ids if gid in timelines} == {"0022300555"}
    assert {"0021301006", "0052000101"} <= {r.game_id for r in records}
    problems = source.timeline_problems(ids)
    assert set(problems) == {"0021301006", "0052000101", "0099999999"}
    assert "truncated" in problems["0021301006"] and "play-in" in problems["0052000101"]
    with pytest.raises(GameDataError) as err:
        source.score_timeline("0021301006")
    assert err.value.game_id == "0021301006"


# --- one game's timeline: the right game, at the cost of the date -----------------------------


def spec_example_record() -> GameRecord:
    """The game of the spec's example ``collected_games.json``: a made-up LAL-BOS game whose id is
    a real game of another date (CHI vs ORL, 2024-10-30)."""
    return GameRecord(
        game_id="0022400123",
        date=date(2024, 1, 15),
        home_team_id=1610612747,
        away_team_id=1610612738,
        home_team_abbreviation="LAL",
        away_team_abbreviation="BOS",
        season_id="22024",
        home_team_score=115,
        away_team_score=108,
        lead_changes=8,
        times_tied=4,
        game_status="Final",
        attendance=18997,
    )


def test_score_timeline_of_a_record_checks_the_archive_game_has_its_date_and_teams() -> None:
    source = ArchiveSource()
    with pytest.raises(GameDataError) as err:
        source.score_timeline(spec_example_record())
    assert err.value.game_id == "0022400123"
    assert str(err.value) == (
        "game 0022400123: in the offline archive this game id is CHI vs ORL on 2024-10-30, not LAL vs BOS on "
        "2024-01-15: check the document's game_id, date and teams, or collect this date with --source nba_api"
    )
    [real] = [g for g in source.completed_games(date(2024, 10, 30)) if g.game_id == "0022400123"]
    assert source.score_timeline(real).final_score == (102, 99)
    # The same check when the game is answered from the date just listed, and for swapped teams.
    swapped = real.model_copy(update={"home_team_id": real.away_team_id, "away_team_id": real.home_team_id})
    with pytest.raises(GameDataError, match="not ORL vs CHI on 2024-10-30"):
        source.score_timeline(
            swapped.model_copy(update={"home_team_abbreviation": "ORL", "away_team_abbreviation": "CHI"})
        )
    fresh = ArchiveSource()  # nothing listed yet: the check runs on the one-game query too
    with pytest.raises(GameDataError, match="on 2024-10-30, not CHI vs ORL on 2024-10-31"):
        fresh.score_timeline(real.model_copy(update={"date": date(2024, 10, 31)}))


def test_a_date_costs_one_query_and_one_timeline_decode_per_game(monkeypatch: pytest.MonkeyPatch) -> None:
    import nba_predictions.sources.archive_reader as archive_module  # where the timelines are decoded

    source = ArchiveSource()
    source.meta()  # coverage metadata, read once per source
    queries: list[str] = []
    decodes: list[bytes] = []
    real_query, real_decode = source._query, archive_module.decode_events

    def counting_query(sql: str, params=()):
        queries.append(sql)
        return real_query(sql, params)

    def counting_decode(blob: bytes):
        decodes.append(blob)
        return real_decode(blob)

    monkeypatch.setattr(source, "_query", counting_query)
    monkeypatch.setattr(archive_module, "decode_events", counting_decode)
    games = source.completed_games(date(2024, 1, 15))
    timelines = [source.score_timeline(g) for g in games]
    assert len(games) == len(timelines) == 11
    assert len(queries) == 1 and len(decodes) == 11
    # A game of another date is one query.
    queries.clear()
    assert source.score_timeline("0022300001").events  # 2023-10-24
    assert len(queries) == 1


def test_games_and_timelines_reads_a_range_once(source: ArchiveSource) -> None:
    first, last = date(2023, 12, 1), date(2023, 12, 10)
    records, timelines = source.games_and_timelines(first, last)
    day = first
    listed = []
    while day <= last:
        listed.extend(source.completed_games(day))
        day += timedelta(days=1)
    assert records == listed
    assert set(timelines) == {r.game_id for r in records} - {"0022301202"}  # truncated on 2023-12-04
    assert timelines == {r.game_id: source.score_timeline(r) for r in records if r.game_id != "0022301202"}


def test_neutral_sites_in_one_query(source: ArchiveSource) -> None:
    ids = ["0022500147", "0041900406", "0022300001", "0099999999"]
    assert source.neutral_sites(ids) == {"0022500147", "0041900406"}
    assert source.neutral_sites([]) == set()


# --- player lines (issue 23): each side's leading lines, stored with the timeline ---------------

FAMOUS_LINES = [
    # (game, side, points, rebounds, assists) of widely reported games, as the play-by-play sums them.
    ("0021601198", "away", 50, 16, 10),  # 2017-04-09, Westbrook's 50-16-10 at Denver
    ("0021601076", "away", 70, 8, 6),  # 2017-03-24, Booker's 70 (8 rebounds, 6 assists) at Boston
    ("0021600314", "home", 60, 2, 1),  # 2016-12-05, Klay Thompson's 60 (and "one assist!") against Indiana
]


@pytest.mark.parametrize(("game_id", "side", "points", "rebounds", "assists"), FAMOUS_LINES)
def test_a_famous_performance_is_among_its_games_player_lines(
    source: ArchiveSource, game_id: str, side: str, points: int, rebounds: int, assists: int
) -> None:
    from nba_predictions.core.domain import LeaderLine
    from nba_predictions.features.performance import performance_values

    lines = source.score_timeline(game_id).player_lines
    assert lines is not None and 1 <= len(lines) <= 4
    assert LeaderLine(side=side, points=points, rebounds=rebounds, assists=assists) in lines
    # The line of the night is the top scorer of the game.
    assert performance_values(lines)["top_points"] == points


def test_every_timeline_has_player_lines_and_they_fit_their_game(everything: tuple[list, dict]) -> None:
    _records, timelines = everything
    meta = json.loads(ArchiveSource().meta()["player_lines"])
    assert len(timelines) > 15_700 and all(t.player_lines for t in timelines.values())
    for timeline in timelines.values():
        sides = [line.side for line in timeline.player_lines]
        assert sides == sorted(sides, key=("home", "away").index) and 1 <= sides.count("home") <= 2
        assert 1 <= sides.count("away") <= 2
    # The games whose players' points do not add up to the final score keep their lines (about 1 %).
    short = sum(meta["points_not_adding_up_by_season"].values())
    assert 0 < short < 0.02 * len(timelines)
    assert meta["refused"] == [] and meta["games"] >= len(timelines)


def test_the_range_read_of_player_lines_equals_the_one_game_read(source: ArchiveSource) -> None:
    import numpy as np

    from nba_predictions.features.performance import performance_columns, performance_values
    from nba_predictions.sources.archive_rows import decode_line_arrays, decode_lines

    first, last = date(2016, 12, 1), date(2016, 12, 10)
    rows = [row for batch in source.range_rows(first, last) for row in batch if row.has_timeline]
    _, timelines = source.games_and_timelines(first, last)
    assert [row.game_id for row in rows] == list(timelines) and len(rows) > 50
    fresh = ArchiveSource()  # one query per game, nothing remembered
    for row in rows:
        assert decode_lines(row.player_lines) == timelines[row.game_id].player_lines
        assert fresh.score_timeline(row.game_id).player_lines == timelines[row.game_id].player_lines
    game, home, points, rebounds, assists, known = decode_line_arrays([row.player_lines for row in rows])
    assert known.all()
    columns = performance_columns(game, home, points, rebounds, assists, len(rows))
    for i, row in enumerate(rows):
        one = performance_values(timelines[row.game_id].player_lines)
        assert {name: int(values[i]) for name, values in columns.items()} == one, row.game_id
    # NULL (unknown) and empty blobs in the same batch.
    game, home, points, _, _, known = decode_line_arrays([None, rows[0].player_lines, b""])
    assert known.tolist() == [False, True, True] and set(game.tolist()) == {1}
    assert np.array_equal(points, [line.points for line in decode_lines(rows[0].player_lines)])


def test_2025_26_player_lines_come_from_the_v3_style_rows(source: ArchiveSource, everything: tuple[list, dict]) -> None:
    from nba_predictions.core.domain import LeaderLine

    _, timelines = everything
    recent = [t for gid, t in timelines.items() if Season.of_game_id(gid).start_year == 2025]
    assert len(recent) > 300 and all(t.player_lines for t in recent)
    # Opening night, 2025-10-21, OKC 125 HOU 124 (2 OT): Gilgeous-Alexander's 35, Sengun's 39-11-7.
    lines = source.score_timeline("0022500001").player_lines
    assert lines[0] == LeaderLine(side="home", points=35, rebounds=5, assists=5)
    assert LeaderLine(side="away", points=39, rebounds=11, assists=7) in lines


def test_an_archive_of_another_format_version_is_refused_in_one_line(tmp_path: Path) -> None:
    import shutil

    from nba_predictions.errors import SourceError
    from nba_predictions.sources.archive import default_archive_path

    old = tmp_path / "archive.sqlite"
    shutil.copy(default_archive_path(), old)
    with sqlite3.connect(old) as con:
        con.execute("UPDATE meta SET value = '1' WHERE key = 'format_version'")
    with pytest.raises(SourceError) as err:
        ArchiveSource(old).completed_games(date(2024, 1, 15))
    assert str(err.value) == (
        f"offline archive {old} has format version 1, this package reads version 2: reinstall the package or "
        "rebuild it with scripts/build_archive.py"
    )
    assert "\n" not in str(err.value)
