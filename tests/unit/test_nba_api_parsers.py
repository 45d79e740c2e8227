"""Parsers of the live source against recorded real responses (tests/fixtures/api).

The timelines are checked against the offline archive, which was built from a different feed
(PlayByPlayV2 rows from gabriel1200/legacy_pbp), and the lead-change counts against the official
BoxScoreSummaryV2 values recorded for the same game.
"""

from __future__ import annotations

import csv
import gzip
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from nba_predictions.config import EASTERN
from nba_predictions.core.scoring import lead_changes_and_times_tied
from nba_predictions.core.season import Season
from nba_predictions.errors import FatalSourceError, GameDataError
from nba_predictions.features.player_lines import PlayerLine, leading_lines
from nba_predictions.sources.cache import Keep, ResponseCache
from nba_predictions.sources.http import RetryPolicy
from nba_predictions.sources.nba_api.box_score_summary import parse_box_score_summary
from nba_predictions.sources.nba_api.cdn_play_by_play import parse_cdn_play_by_play
from nba_predictions.sources.nba_api.game_log import parse_game_log
from nba_predictions.sources.nba_api.play_by_play import parse_play_by_play, timeline_from_actions
from nba_predictions.sources.nba_api.scoreboard import parse_scoreboard

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "api"


def load(name: str):
    path = FIXTURES / name
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def official_counts(name: str) -> tuple[int, int]:
    """LEAD_CHANGES and TIMES_TIED from a recorded BoxScoreSummaryV2 response."""
    other = next(rs for rs in load(name)["resultSets"] if rs["name"] == "OtherStats")
    row = dict(zip(other["headers"], other["rowSet"][0]))
    return row["LEAD_CHANGES"], row["TIMES_TIED"]


@pytest.fixture(scope="module")
def archive():
    from nba_predictions.sources.archive import ArchiveSource

    return ArchiveSource()


def archive_record(archive, game_id: str):
    return next(g for g in archive.season_games(Season.of_game_id(game_id)) if g.game_id == game_id)


def test_scoreboard_2025_11_05():
    games = parse_scoreboard(load("nba_api/stats_scoreboardv3_2025-11-05.json"))
    assert len(games) == 11 and all(g.is_final for g in games)
    assert [g.game_id for g in games] == [f"00225001{n}" for n in range(71, 82)]
    sac = games[-1]
    assert (sac.home_team_abbreviation, sac.away_team_abbreviation, sac.home_team_score, sac.away_team_score) == (
        "SAC",
        "GSW",
        121,
        116,
    )
    assert (sac.home_team_id, sac.away_team_id) == (1610612758, 1610612744)


def test_scoreboard_agrees_with_the_archive(archive):
    games = parse_scoreboard(load("nba_api/stats_scoreboardv3_2025-11-05.json"))
    expected = archive.completed_games(date(2025, 11, 5))
    assert [(g.game_id, g.home_team_id, g.away_team_id, g.home_team_score, g.away_team_score) for g in games] == [
        (g.game_id, g.home_team_id, g.away_team_id, g.home_team_score, g.away_team_score) for g in expected
    ]


def test_scoreboard_without_games():
    assert parse_scoreboard(load("nba_api/stats_scoreboardv3_2025-07-15_no_games.json")) == []


def test_parsers_build_no_request_to_flatten_a_payload(monkeypatch):
    """nba_api flattens the decoded payload directly: no endpoint object (for a dummy date or
    season) is built just to reach its parser."""
    from nba_api.stats.endpoints.leaguegamelog import LeagueGameLog
    from nba_api.stats.endpoints.scoreboardv3 import ScoreboardV3

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"{type(self).__name__} request built by a parser")

    monkeypatch.setattr(ScoreboardV3, "__init__", refuse)
    monkeypatch.setattr(LeagueGameLog, "__init__", refuse)
    assert len(parse_scoreboard(load("nba_api/stats_scoreboardv3_2025-11-05.json"))) == 11
    assert len(parse_game_log(load("pbpstats/stats_leaguegamelog_team_2018-19_regular_season.json.gz"))) == 1230


@pytest.mark.parametrize("payload", [{}, {"resultSets": []}, {"meta": {"version": 1}}])
def test_scoreboard_of_another_shape_is_not_a_day_without_games(payload):
    with pytest.raises(FatalSourceError, match="scoreboardv3: response has no 'scoreboard'"):
        parse_scoreboard(payload)


def test_game_log_without_its_data_set_fails_loudly():
    with pytest.raises(FatalSourceError, match="data set LeagueGameLog is missing"):
        parse_game_log({"resultSets": [{"name": "Other", "headers": [], "rowSet": []}]})


def test_scoreboard_with_home_and_away_swapped_is_rejected():
    payload = load("nba_api/stats_scoreboardv3_2025-11-05.json")
    game = payload["scoreboard"]["games"][0]
    game["homeTeam"], game["awayTeam"] = game["awayTeam"], game["homeTeam"]
    with pytest.raises(FatalSourceError, match="game code"):
        parse_scoreboard(payload)


def test_scoreboard_missing_final_score_fails_loudly():
    payload = load("nba_api/stats_scoreboardv3_2025-11-05.json")
    payload["scoreboard"]["games"][2]["homeTeam"]["score"] = None
    with pytest.raises(FatalSourceError, match="0022500173: score is missing"):
        parse_scoreboard(payload)


@pytest.mark.parametrize(
    ("game_id", "periods", "final", "summary"),
    [
        ("0022200552", 5, (145, 134), "nba_api/stats_boxscoresummaryv2_0022200552.json"),  # CHI at CLE, OT
        ("0022400001", 4, (116, 117), None),  # ATL at BOS, 117-116
    ],
)
def test_play_by_play_v3(archive, game_id, periods, final, summary):
    home_team_id = {"0022200552": 1610612739, "0022400001": 1610612738}[game_id]  # CLE, BOS
    timeline = parse_play_by_play(load(f"nba_api/stats_playbyplayv3_{game_id}.json.gz"), game_id, home_team_id)
    assert timeline.periods == periods and timeline.final_score == final
    reference = archive.score_timeline(archive_record(archive, game_id))
    assert [(h, a) for _, h, a in timeline.events] == [(h, a) for _, h, a in reference.events]
    # V3 has tenths of a second in a period's last minute, V2 (the archive's feed) whole seconds
    assert all(abs(t - r) < 1 for (t, _, _), (r, _, _) in zip(timeline.events, reference.events, strict=True))
    if summary:
        assert lead_changes_and_times_tied(timeline) == official_counts(summary) == (1, 3)
    assert lead_changes_and_times_tied(timeline) == lead_changes_and_times_tied(reference)


def test_play_by_play_for_another_game_is_rejected():
    with pytest.raises(GameDataError, match="answered for game 0022200552"):
        parse_play_by_play(load("nba_api/stats_playbyplayv3_0022200552.json.gz"), "0022200553", 1610612739)


def test_truncated_play_by_play_is_a_game_data_error():
    payload = load("nba_api/stats_playbyplayv3_0022400001.json.gz")
    payload["game"]["actions"] = [a for a in payload["game"]["actions"] if a["period"] <= 3]
    with pytest.raises(GameDataError, match="ends in period 3"):
        parse_play_by_play(payload, "0022400001", 1610612738)
    payload["game"]["actions"] = []
    with pytest.raises(GameDataError, match="no actions"):
        parse_play_by_play(payload, "0022400001", 1610612738)


def box_score_leaders(players: list[tuple[str, dict]]) -> list:
    """The leading lines of a box score's players: (side, statistics) pairs."""
    return leading_lines(PlayerLine(side, s["points"], s["reboundsTotal"], s["assists"]) for side, s in players)


def test_play_by_play_v3_player_lines_are_the_box_scores_leading_lines():
    """Mitchell's 71 points (0022200552): the leading lines equal those of BoxScoreTraditionalV3."""
    timeline = parse_play_by_play(load("nba_api/stats_playbyplayv3_0022200552.json.gz"), "0022200552", 1610612739)
    box = load("nba_api/stats_boxscoretraditionalv3_0022200552.json")["boxScoreTraditional"]
    players = [(side, p["statistics"]) for side in ("home", "away") for p in box[f"{side}Team"]["players"]]
    assert timeline.player_lines == box_score_leaders(players)
    assert (timeline.player_lines[0].side, timeline.player_lines[0].points) == ("home", 71)


def test_cdn_play_by_play(archive):
    timeline = parse_cdn_play_by_play(load("pbpstats/live_playbyplay_0022000001.json.gz"), "0022000001", 1610612751)
    assert timeline.final_score == (125, 99)  # GSW at BKN
    box = load("pbpstats/live_boxscore_0022000001.json")["game"]
    players = [(side, p["statistics"]) for side in ("home", "away") for p in box[f"{side}Team"]["players"]]
    assert timeline.player_lines == box_score_leaders(players)
    reference = archive.score_timeline(archive_record(archive, "0022000001"))
    assert [(h, a) for _, h, a in timeline.events] == [(h, a) for _, h, a in reference.events]


def test_score_correction_and_clock_rules():
    actions = [
        (1, "PT12M00.00S", "0", "0"),
        (1, "PT11M00.00S", "2", "0"),
        (1, "PT10M00.00S", "", ""),  # not a scoring action
        (1, "PT09M30.00S", "4", "0"),
        (1, "PT09M30.00S", "2", "0"),  # the basket is taken back after review
        (1, "PT09M00.00S", "2", "3"),
        (2, "PT00M00.50S", "2", "5"),
        (4, "PT00M00.00S", "2", "5"),
    ]
    timeline = timeline_from_actions("0022400001", actions)
    assert timeline.periods == 4
    assert timeline.events == [(60.0, 2, 0), (180.0, 2, 3), (1439.5, 2, 5)]
    with pytest.raises(GameDataError, match="clock"):
        timeline_from_actions("0022400001", [(1, "11:00", "2", "0"), (4, "PT00M00.00S", "2", "0")])
    with pytest.raises(GameDataError, match="does not fit"):
        timeline_from_actions("0022400001", [(5, "PT06M00.00S", "2", "0"), (4, "PT00M00.00S", "2", "0")])


def test_game_log_2025_26_matches_the_derived_results_table():
    results = parse_game_log(load("nba_api/stats_leaguegamelog_team_2025-26_regular_season.json.gz"))
    with open(FIXTURES / "nba_api" / "games_2025-26_regular_season_through_2026-02-21_from_leaguegamelog.csv") as f:
        table = list(csv.DictReader(f))
    assert len(results) == len(table) == 844
    by_id = {r.game_id: r for r in results}
    for row in table:
        result = by_id[row["game_id"]]
        assert (
            result.date.isoformat(),
            result.home_team_id,
            result.away_team_id,
            result.home_score,
            result.away_score,
        ) == (
            row["game_date"],
            int(row["home_team_id"]),
            int(row["away_team_id"]),
            int(row["home_pts"]),
            int(row["away_pts"]),
        )
    assert {r.season_type for r in results} == {"Regular Season"}


def test_game_log_2018_19_matches_the_archive(archive):
    results = parse_game_log(load("pbpstats/stats_leaguegamelog_team_2018-19_regular_season.json.gz"))
    assert len(results) == 1230
    assert results == [r for r in archive.season_results(Season(2018)) if r.season_type == "Regular Season"]


def test_game_log_missing_points_fails_loudly():
    payload = load("pbpstats/stats_leaguegamelog_team_2018-19_regular_season.json.gz")
    headers = payload["resultSets"][0]["headers"]
    payload["resultSets"][0]["rowSet"][0][headers.index("PTS")] = None
    with pytest.raises(FatalSourceError, match="PTS is missing"):
        parse_game_log(payload)


def test_box_score_summary_v3_shape():
    """A BoxScoreSummaryV3 document in the layout nba_api 1.12 parses (no recorded V3 exists)."""
    payload = {
        "meta": {},
        "boxScoreSummary": {
            "gameId": "0022200552",
            "gameStatus": 3,
            "attendance": 19432,
            "homeTeamId": 1610612739,
            "awayTeamId": 1610612741,
            "homeTeam": {"teamId": 1610612739, "teamTricode": "CLE", "score": 145, "periods": []},
            "awayTeam": {"teamId": 1610612741, "teamTricode": "CHI", "score": 134, "periods": []},
            "postgameCharts": {
                "homeTeam": {"teamId": 1610612739, "statistics": {"leadChanges": 1, "timesTied": 3}},
                "awayTeam": {"teamId": 1610612741, "statistics": {"leadChanges": 1, "timesTied": 3}},
            },
        },
    }
    summary = parse_box_score_summary(payload, "0022200552")
    assert (summary.lead_changes, summary.times_tied, summary.attendance) == (1, 3, 19432)
    assert (summary.home_team_score, summary.away_team_score) == (145, 134)
    del payload["boxScoreSummary"]["postgameCharts"]
    with pytest.raises(FatalSourceError, match="leadChanges is missing"):
        parse_box_score_summary(payload, "0022200552")


# --- cache and retry policy ---------------------------------------------------------------------


def test_cache_keeps_final_entries_and_refreshes_daily_ones(tmp_path):
    now = [datetime(2026, 2, 22, 23, 30, tzinfo=EASTERN)]
    cache = ResponseCache(tmp_path, now=lambda: now[0])
    cache.put("playbyplayv3", {"GameID": "0022400001"}, {"game": 1}, Keep.FOREVER)
    cache.put("leaguegamelog", {"Season": "2025-26"}, {"log": 1}, Keep.TODAY)
    assert cache.get("leaguegamelog", {"Season": "2025-26"}) == {"log": 1}
    now[0] += timedelta(hours=1)  # past midnight Eastern
    assert cache.get("leaguegamelog", {"Season": "2025-26"}) is None
    assert cache.get("playbyplayv3", {"GameID": "0022400001"}) == {"game": 1}
    assert [p.name for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".json.gz")] == []


def test_cache_entries_get_open_permissions_through_the_shared_atomic_writer(tmp_path):
    """One helper for every atomic write: entries get 0666 minus the umask (mkstemp alone gives
    0600, unreadable to a second user sharing NBA_API_CACHE_DIR), and the cache's clock zone is
    the project's one EASTERN."""
    import os

    from nba_predictions import config
    from nba_predictions.sources import cache as cache_module

    previous = os.umask(0o022)
    try:
        path = ResponseCache(tmp_path).put("scoreboardv3", {"GameDate": "2024-01-15"}, {"x": 1}, Keep.FOREVER)
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o644
    assert ResponseCache(tmp_path).get("scoreboardv3", {"GameDate": "2024-01-15"}) == {"x": 1}
    assert "EASTERN" not in vars(cache_module) or cache_module.EASTERN is config.EASTERN
    assert not hasattr(cache_module, "ZoneInfo")  # no second definition of the zone


def test_unreadable_cache_entry_is_a_miss(tmp_path):
    cache = ResponseCache(tmp_path)
    path = cache.put("scoreboardv3", {"GameDate": "2024-01-15"}, {"x": 1}, Keep.FOREVER)
    path.write_bytes(b"not gzip")
    assert cache.get("scoreboardv3", {"GameDate": "2024-01-15"}) is None


def test_backoff_grows_with_jitter_and_honours_retry_after():
    policy = RetryPolicy(retries=4, backoff_base_seconds=1.0, backoff_cap_seconds=30.0)
    assert [policy.delay(i, lambda: 0.0) for i in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert [policy.delay(i, lambda: 1.0) for i in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert policy.delay(0, lambda: 0.0, retry_after=7) == 7
    assert policy.delay(0, lambda: 0.0, retry_after=3600) == policy.retry_after_cap_seconds
