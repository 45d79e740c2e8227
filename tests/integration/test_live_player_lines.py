"""The live sources' player lines (issue 23) through real HTTP against the fake servers on
127.0.0.1: the recorded real play-by-plays give each side's leading lines as the box scores or
the feeds' own running totals give them; the feeds the servers build from the archive name no
player, so their timelines have none.  The caches keep responses, so a later run reads the lines
from disk without asking again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from nba_predictions.core.domain import LeaderLine
from nba_predictions.sources.archive import ArchiveSource
from tests.fakeserver.cdn import FakeCdn, make_cdn_source
from tests.fakeserver.fixtures import BUILT_DAY, archive_facts, fake_server, make_source  # noqa: F401 (pytest fixtures)

CDN_DAY = date(2025, 1, 6)  # LAC at MIN (0022400500) has the recorded real CDN play-by-play


@pytest.fixture
def cdn(archive_facts: ArchiveSource) -> Iterator[FakeCdn]:  # noqa: F811
    with FakeCdn(archive_facts) as server:
        yield server


def test_stats_source_lines_come_from_play_by_play_v3_and_again_from_the_cache(fake_server, tmp_path):  # noqa: F811
    """Mitchell's 71 points (2023-01-02, the recorded PlayByPlayV3): each side's leading lines, as
    its BoxScoreTraditionalV2 gives them (CLE: Mitchell 71-8-11, both its top scorer and its best
    all-round line; CHI: DeRozan 44-3-4, LaVine 26-6-6)."""
    expected = [
        LeaderLine(side="home", points=71, rebounds=8, assists=11),
        LeaderLine(side="away", points=44, rebounds=3, assists=4),
        LeaderLine(side="away", points=26, rebounds=6, assists=6),
    ]
    for _run in range(2):
        source = make_source(fake_server, tmp_path)
        game = next(g for g in source.completed_games(date(2023, 1, 2)) if g.game_id == "0022200552")
        assert source.score_timeline(game).player_lines == expected
        assert fake_server.requests_for("playbyplayv3", GameID="0022200552") == 1  # the first run's only


def test_stats_source_lines_come_from_the_cdn_play_by_play_when_play_by_play_v3_fails(fake_server, tmp_path):  # noqa: F811
    """2020-12-22, GSW at BKN (the recorded live CDN feed): the leading lines of its box score
    (tests/fixtures/api/pbpstats/live_boxscore_0022000001.json)."""
    fake_server.inject("playbyplayv3", "500", times=None, GameID="0022000001")
    source = make_source(fake_server, tmp_path, retries=1)
    game = next(g for g in source.completed_games(date(2020, 12, 22)) if g.game_id == "0022000001")
    assert source.score_timeline(game).player_lines == [
        LeaderLine(side="home", points=26, rebounds=4, assists=4),
        LeaderLine(side="home", points=20, rebounds=9, assists=5),
        LeaderLine(side="away", points=20, rebounds=4, assists=10),
    ]
    assert fake_server.requests_for("cdn:playbyplay", gameId="0022000001") == 1


def test_stats_source_feeds_built_without_players_give_timelines_without_player_lines(fake_server, tmp_path):  # noqa: F811
    source = make_source(fake_server, tmp_path)
    games = source.completed_games(BUILT_DAY)
    assert [source.score_timeline(g).player_lines for g in games] == [None] * len(games)


def test_cdn_source_lines_come_from_the_recorded_play_by_play_and_again_from_the_cache(cdn, tmp_path):
    """LAC at MIN (the recorded real feed): each side's leading lines as the feed's own running
    totals give them (tests/unit/test_cdn_parsers.py checks them against those counters)."""
    for _run in range(2):
        source = make_cdn_source(cdn, tmp_path)
        record = next(g for g in source.completed_games(CDN_DAY) if g.game_id == "0022400500")
        assert source.score_timeline(record).player_lines == [
            LeaderLine(side="home", points=37, rebounds=7, assists=8),
            LeaderLine(side="away", points=25, rebounds=6, assists=1),
            LeaderLine(side="away", points=22, rebounds=8, assists=8),
        ]
        assert cdn.requests_for("playbyplay", gameId="0022400500") == 1


def test_cdn_source_feeds_built_without_players_give_timelines_without_player_lines(cdn, tmp_path):
    source = make_cdn_source(cdn, tmp_path)
    games = [g for g in source.completed_games(CDN_DAY) if g.game_id != "0022400500"]
    assert [source.score_timeline(g).player_lines for g in games] == [None] * 8
