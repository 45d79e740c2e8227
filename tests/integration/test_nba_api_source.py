"""NbaApiSource over real HTTP against the local fake stats server.

The server replays recorded stats.nba.com responses where they exist (ScoreboardV3 of 2025-11-05,
LeagueGameLog 2025-26 and 2018-19, ...) and builds same-shape responses from the offline archive
otherwise, so every comparison below is between the live source's parsers and the archive.
"""

from __future__ import annotations

import itertools
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from nba_predictions.config import EASTERN, ApiSettings
from nba_predictions.core.season import Season
from nba_predictions.errors import (
    DateNotCoveredError,
    FatalSourceError,
    GameDataError,
    RetryableSourceError,
    SourceError,
)
from nba_predictions.sources.base import Source
from nba_predictions.sources.http import HttpTransport, RetryPolicy
from nba_predictions.sources.nba_api import NbaApiSource
from tests.fakeserver import FakeStatsServer
from tests.fakeserver.fixtures import (  # noqa: F401 (pytest fixtures)
    BUILT_DAY,
    RECORDED_DAY,
    TODAY,
    archive_facts,
    fake_server,
    make_source,
    scores_only,
)


@pytest.fixture
def archive(archive_facts: Source) -> Source:  # noqa: F811
    return archive_facts


# --- same games and timelines as the archive ---------------------------------------------------


@pytest.mark.parametrize("day", [RECORDED_DAY, BUILT_DAY])
def test_same_games_and_timelines_as_the_archive(fake_server, archive, tmp_path, day):  # noqa: F811
    source = make_source(fake_server, tmp_path)
    games = source.completed_games(day)
    expected = archive.completed_games(day)
    assert len(games) == len(expected) == 11
    # The recorded scoreboard gives start times (gameTimeUTC), the built one none; the archive has none.
    assert all((g.start_time_utc is not None) == (day == RECORDED_DAY) for g in games)
    games = [g.model_copy(update={"start_time_utc": None}) for g in games]
    assert games == expected  # ids, teams, final scores, lead changes, times tied, season id, status
    for game, reference in zip(games, expected, strict=True):
        assert source.score_timeline(game) == scores_only(archive.score_timeline(reference))
    # one scoreboard + one play-by-play per game (timelines come from memory afterwards), and the
    # season's game log(s) the scoreboard is checked against: the current season's regular-season
    # log, or a past season's three
    logs = 1 if day == RECORDED_DAY else 3
    assert dict(fake_server.counts) == {"scoreboardv3": 1, "playbyplayv3": 11, "leaguegamelog": logs}


def test_recorded_scoreboard_is_served_and_parsed(fake_server, archive, tmp_path):  # noqa: F811
    games = make_source(fake_server, tmp_path).completed_games(RECORDED_DAY)
    cle = next(g for g in games if g.game_id == "0022500171")
    assert (cle.home_team_abbreviation, cle.away_team_abbreviation) == ("CLE", "PHI")
    assert (cle.home_team_score, cle.away_team_score) == (132, 121)
    assert cle.season_id == "22025"


def test_offseason_date_has_no_games_and_is_not_cached(fake_server, tmp_path):  # noqa: F811
    source = make_source(fake_server, tmp_path)
    assert source.completed_games(date(2025, 7, 15)) == []
    assert make_source(fake_server, tmp_path).completed_games(date(2025, 7, 15)) == []
    assert fake_server.counts["scoreboardv3"] == 2  # an empty answer is never kept for good


def test_future_date_is_not_covered(fake_server, tmp_path):  # noqa: F811
    source = make_source(fake_server, tmp_path)
    assert not source.covers(date(2026, 3, 1))
    with pytest.raises(DateNotCoveredError):
        source.completed_games(date(2026, 3, 1))
    assert fake_server.total == 0


def test_past_season_results_equal_the_archive_and_are_kept(fake_server, archive, tmp_path):  # noqa: F811
    season = Season(2023)
    results = make_source(fake_server, tmp_path).season_results(season)
    assert list(results) == list(archive.season_results(season))
    assert {r.season_type for r in results} == {"Regular Season", "Play-In", "Playoffs"}
    assert fake_server.counts["leaguegamelog"] == 3
    fake_server.reset_counts()
    assert list(make_source(fake_server, tmp_path).season_results(season)) == list(results)
    assert fake_server.total == 0


def test_recorded_game_log_2018_19(fake_server, archive, tmp_path):  # noqa: F811
    results = make_source(fake_server, tmp_path).season_results(Season(2018))
    regular = [r for r in results if r.season_type == "Regular Season"]
    assert len(regular) == 1230  # the recorded response (pbpstats), parsed
    assert regular == [r for r in archive.season_results(Season(2018)) if r.season_type == "Regular Season"]


def test_current_season_log_is_refreshed_once_a_day(fake_server, tmp_path):  # noqa: F811
    morning = datetime(2026, 2, 22, 8, tzinfo=EASTERN)
    results = make_source(fake_server, tmp_path, now=morning).season_results(Season(2025))
    assert len(results) == 844  # the recorded 2025-26 log; regular season not over
    assert dict(fake_server.counts) == {"leaguegamelog": 1}  # no play-in/playoff request yet
    make_source(fake_server, tmp_path, now=morning.replace(hour=20)).season_results(Season(2025))
    assert fake_server.counts["leaguegamelog"] == 1  # same day: from disk
    make_source(
        fake_server, tmp_path, now=datetime(2026, 2, 23, 8, tzinfo=EASTERN), today=date(2026, 2, 23)
    ).season_results(Season(2025))
    assert fake_server.counts["leaguegamelog"] == 2  # next day: fetched again


# --- call budget ------------------------------------------------------------------------------


def _daily_run(server: FakeStatsServer, cache_dir: Path, day: date, today: date | None = None) -> tuple[int, dict]:
    """What a pipeline run for ``day`` asks the API (collect_games: the games, their timelines and
    the history), on the morning of ``today`` (default: the day after); (N, calls per endpoint)."""
    from nba_predictions.steps.collection import collect_games

    today = today or day + timedelta(days=1)
    server.today = today  # the game logs as they were that morning
    server.reset_counts()
    source = make_source(
        server, cache_dir, today=today, now=datetime(today.year, today.month, today.day, 6, tzinfo=EASTERN)
    )
    games, skipped, found = collect_games(source, day)
    assert not skipped and len(games) == found
    return found, dict(server.counts)


def test_call_counts_with_nothing_on_disk_are_as_documented(fake_server, tmp_path):  # noqa: F811
    """docs/LIVE_API.md: 1 + N + L, L = the logs of the six seasons the history needs."""
    n, counts = _daily_run(fake_server, tmp_path / "past", BUILT_DAY, today=TODAY)  # 2023-24 is a past season
    assert counts == {"scoreboardv3": 1, "playbyplayv3": n, "leaguegamelog": 2 + 4 * 3 + 3}
    assert (n, sum(counts.values())) == (11, 29)
    n, counts = _daily_run(fake_server, tmp_path / "current", BUILT_DAY)  # the next morning: current season
    assert counts == {"scoreboardv3": 1, "playbyplayv3": n, "leaguegamelog": 2 + 4 * 3 + 1}
    assert sum(counts.values()) == n + 16  # 2018-19 had no play-in: one log fewer than N + 17


def test_a_daily_run_costs_n_plus_2_during_the_regular_season_and_a_rerun_none(fake_server, archive, tmp_path):  # noqa: F811
    _daily_run(fake_server, tmp_path, BUILT_DAY - timedelta(days=1))  # earlier seasons now on disk
    n, counts = _daily_run(fake_server, tmp_path, BUILT_DAY)
    assert counts == {"scoreboardv3": 1, "playbyplayv3": n, "leaguegamelog": 1} and n == 11
    assert _daily_run(fake_server, tmp_path, BUILT_DAY) == (n, {})  # the same morning again: nothing to fetch


def test_the_run_that_finds_the_regular_season_over_costs_n_plus_4(fake_server, archive, tmp_path):  # noqa: F811
    last_regular_day = date(2024, 4, 14)  # 15 games, the 1,230th among them
    _daily_run(fake_server, tmp_path, last_regular_day - timedelta(days=2))
    n, counts = _daily_run(fake_server, tmp_path, last_regular_day)
    assert counts == {"scoreboardv3": 1, "playbyplayv3": n, "leaguegamelog": 3} and n == 15
    n, counts = _daily_run(fake_server, tmp_path, last_regular_day + timedelta(days=1))  # no games; kept for good
    assert counts == {"scoreboardv3": 1, "leaguegamelog": 2} and n == 0


# --- shortened seasons: 2020-21 had 1,080 regular-season games, never the full 1,230 ---------------

SHORT_SEASON = Season(2020)
SHORT_PLAYOFF_DAY = date(2021, 6, 10)  # second round, games 3 and 2: the teams met days before
SHORT_REGULAR_DAY = date(2021, 3, 15)


def _eastern_morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 6, tzinfo=EASTERN)


def _postseason_logs(server: FakeStatsServer) -> list[str]:
    return sorted(
        p["SeasonType"]
        for e, p in server.log
        if e == "leaguegamelog" and p["Season"] == str(SHORT_SEASON) and p["SeasonType"] != "Regular Season"
    )


def test_shortened_season_playoff_day_has_playoff_history(fake_server, archive, tmp_path):  # noqa: F811
    from nba_predictions.steps.collection import collect_games

    today = SHORT_PLAYOFF_DAY + timedelta(days=1)
    fake_server.today = today  # the logs as they were that morning
    source = make_source(fake_server, tmp_path, today=today, now=_eastern_morning(today))
    games, skipped, found = collect_games(source, SHORT_PLAYOFF_DAY)
    reference, _, _ = collect_games(archive, SHORT_PLAYOFF_DAY)
    assert found == len(reference) == 2 and not skipped
    assert [g.context for g in games] == [g.context for g in reference]
    assert all(g.context.head_to_head.playoff_games >= 1 for g in games)  # earlier games of the series
    assert _postseason_logs(fake_server) == ["PlayIn", "Playoffs"]
    assert {r.season_type for r in source.season_results(SHORT_SEASON)} == {"Regular Season", "Play-In", "Playoffs"}


def test_shortened_season_history_loaded_before_any_scoreboard(fake_server, archive, tmp_path):  # noqa: F811
    """A backfill loads the history first: weeks without a regular-season game in spring tell."""
    today = SHORT_PLAYOFF_DAY + timedelta(days=1)
    fake_server.today = today
    results = make_source(fake_server, tmp_path, today=today, now=_eastern_morning(today)).season_results(SHORT_SEASON)
    assert list(results) == [r for r in archive.season_results(SHORT_SEASON) if r.date < today]
    assert _postseason_logs(fake_server) == ["PlayIn", "Playoffs"]


def test_shortened_season_daily_runs_cost_n_plus_2_then_n_plus_3(fake_server, archive, tmp_path):  # noqa: F811
    def daily_run(day: date) -> int:
        today = day + timedelta(days=1)
        fake_server.today = today
        fake_server.reset_counts()
        source = make_source(fake_server, tmp_path, today=today, now=_eastern_morning(today))
        games = source.completed_games(day)
        for season in (Season(2016), Season(2017), Season(2018), Season(2019), SHORT_SEASON):
            source.season_results(season)
        for game in games:
            source.score_timeline(game)
        return len(games)

    daily_run(SHORT_REGULAR_DAY - timedelta(days=1))  # warms the past seasons
    n = daily_run(SHORT_REGULAR_DAY)
    assert dict(fake_server.counts) == {"scoreboardv3": 1, "playbyplayv3": n, "leaguegamelog": 1}
    daily_run(SHORT_PLAYOFF_DAY - timedelta(days=1))
    n = daily_run(SHORT_PLAYOFF_DAY)  # the regular-season log is final now: kept for good
    assert dict(fake_server.counts) == {"scoreboardv3": 1, "playbyplayv3": n, "leaguegamelog": 2}


# --- faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["500", "503", "429"])
def test_retryable_status_is_retried_to_success(fake_server, archive, tmp_path, kind):  # noqa: F811
    fake_server.inject("scoreboardv3", kind, times=2, retry_after="0" if kind == "429" else None)
    games = make_source(fake_server, tmp_path).completed_games(BUILT_DAY)
    assert games == archive.completed_games(BUILT_DAY)
    assert fake_server.counts["scoreboardv3"] == 3


def test_delay_past_the_timeout_is_retried_to_success(fake_server, archive, tmp_path):  # noqa: F811
    """A play-by-play request that is never answered times out and is retried to success.

    Decided by request, not by timing: the server holds the first request for that one game until
    the client gives up (the ``hang`` fault), whatever the machine's load.  A busy machine can make
    another request slow enough to time out as well; that one is retried too, so the assertions
    count the faulted game's requests only, never the total.
    """
    expected = archive.completed_games(BUILT_DAY)
    game_id = expected[3].game_id
    fault = fake_server.inject("playbyplayv3", "hang", times=1, GameID=game_id)
    source = make_source(fake_server, tmp_path, timeout=1.0)
    games = source.completed_games(BUILT_DAY)
    assert games == expected
    assert fault.times == 0 and fake_server.hung == 1  # the request was held, and only that one
    assert fake_server.requests_for("playbyplayv3", GameID=game_id) >= 2  # timed out, then retried
    assert fake_server.counts["cdn:playbyplay"] == 0  # retried, not handed to the CDN fallback
    assert source.score_timeline(games[3]) == scores_only(archive.score_timeline(expected[3]))


def test_malformed_json_is_fatal_and_reported_clearly(fake_server, tmp_path):  # noqa: F811
    fake_server.inject("scoreboardv3", "malformed", times=1)
    with pytest.raises(FatalSourceError) as caught:
        make_source(fake_server, tmp_path).completed_games(BUILT_DAY)
    message = str(caught.value)
    assert "scoreboardv3?GameDate=2024-01-15" in message and "not valid JSON" in message
    assert "--source archive" in message and "\n" not in message
    assert fake_server.counts["scoreboardv3"] == 1  # not retried


def test_client_error_is_not_retried(fake_server, tmp_path):  # noqa: F811
    fake_server.inject("scoreboardv3", "404", times=None)
    with pytest.raises(FatalSourceError, match="HTTP 404"):
        make_source(fake_server, tmp_path).completed_games(BUILT_DAY)
    assert fake_server.counts["scoreboardv3"] == 1


def test_persistent_5xx_gives_up_after_the_retries(fake_server, tmp_path):  # noqa: F811
    fake_server.inject("scoreboardv3", "500", times=None)
    with pytest.raises(RetryableSourceError, match=r"HTTP 500 -- gave up after 3 attempts.*--source archive"):
        make_source(fake_server, tmp_path, retries=2).completed_games(BUILT_DAY)
    assert fake_server.counts["scoreboardv3"] == 3


def test_cdn_play_by_play_replaces_a_failing_play_by_play_v3(fake_server, archive, tmp_path):  # noqa: F811
    expected = archive.completed_games(BUILT_DAY)
    broken = expected[0]
    fake_server.inject("playbyplayv3", "500", times=None, GameID=broken.game_id)
    source = make_source(fake_server, tmp_path, retries=1)
    assert source.completed_games(BUILT_DAY) == expected
    assert source.score_timeline(broken) == scores_only(archive.score_timeline(broken))
    assert fake_server.counts["cdn:playbyplay"] == 1


def test_one_failing_game_does_not_lose_the_others(fake_server, archive, tmp_path):  # noqa: F811
    expected = archive.completed_games(BUILT_DAY)
    broken = expected[5]
    fake_server.inject("playbyplayv3", "empty", times=None, GameID=broken.game_id)
    fake_server.inject("cdn:playbyplay", "malformed", times=None, gameId=broken.game_id)
    source = make_source(fake_server, tmp_path)
    games = source.completed_games(BUILT_DAY)
    # still listed, with lead changes / times tied / attendance from BoxScoreSummaryV3
    assert games == expected
    assert fake_server.counts["boxscoresummaryv3"] == 1
    for game, reference in zip(games, expected, strict=True):
        if game.game_id == broken.game_id:
            with pytest.raises(GameDataError) as caught:
                source.score_timeline(game)
            assert caught.value.game_id == broken.game_id
            assert "PlayByPlayV3" in str(caught.value) and "CDN play-by-play" in str(caught.value)
        else:
            assert source.score_timeline(game) == scores_only(archive.score_timeline(reference))
    # the failure is remembered for the run: no second round of requests for the broken game
    assert fake_server.counts["playbyplayv3"] == 11
    # and nothing broken was cached: once the API is healthy the game is complete
    fake_server.clear_faults()
    healed = make_source(fake_server, tmp_path)
    assert healed.score_timeline(broken) == scores_only(archive.score_timeline(broken))


def _break_game_completely(server: FakeStatsServer, game_id: str) -> None:
    server.inject("playbyplayv3", "404", times=None, GameID=game_id)
    server.inject("cdn:playbyplay", "404", times=None, gameId=game_id)
    server.inject("boxscoresummaryv3", "404", times=None, GameID=game_id)


def test_game_without_play_by_play_or_summary_is_listed_and_its_timeline_raises(fake_server, archive, tmp_path):  # noqa: F811
    expected = archive.completed_games(BUILT_DAY)
    broken = expected[2]
    _break_game_completely(fake_server, broken.game_id)
    source = make_source(fake_server, tmp_path)
    games = source.completed_games(BUILT_DAY)
    # listed from the scoreboard alone: never dropped, so the run can count and report it
    assert [g.game_id for g in games] == [g.game_id for g in expected]
    listed = next(g for g in games if g.game_id == broken.game_id)
    assert (listed.home_team_id, listed.away_team_id, listed.home_team_score, listed.away_team_score) == (
        broken.home_team_id,
        broken.away_team_id,
        broken.home_team_score,
        broken.away_team_score,
    )
    with pytest.raises(GameDataError) as caught:
        source.score_timeline(listed)
    message = str(caught.value)
    assert caught.value.game_id == broken.game_id
    assert "PlayByPlayV3" in message and "BoxScoreSummaryV3" in message and "cannot be known" in message
    assert [g for g in games if g.game_id != broken.game_id] == [g for g in expected if g.game_id != broken.game_id]


def test_a_game_with_no_data_at_all_is_reported_as_failed_by_collection(fake_server, archive, tmp_path):  # noqa: F811
    from nba_predictions.steps.collection import collect_games

    expected = archive.completed_games(BUILT_DAY)
    broken = expected[2]
    _break_game_completely(fake_server, broken.game_id)
    games, skipped, found = collect_games(make_source(fake_server, tmp_path), BUILT_DAY)
    assert found == len(expected) == 11
    assert [g.game_id for g in games] == [g.game_id for g in expected if g.game_id != broken.game_id]
    assert [(s.game_id, s.step) for s in skipped] == [(broken.game_id, "collection")]
    assert "BoxScoreSummaryV3" in skipped[0].reason


# --- unreachable API, headers, spacing, proxy -----------------------------------------------


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/stats", "http://stats.nba.invalid/stats"])
def test_unreachable_api_fails_fast_with_one_line(fake_server, tmp_path, url):  # noqa: F811
    source = make_source(fake_server, tmp_path, stats_url=url)
    with pytest.raises(SourceError) as caught:
        source.completed_games(BUILT_DAY)
    # No clock decides this: a refused port or an unknown name is one error, whatever the
    # machine's load (a resolver that hangs instead is the hanging-resolver test below).
    message = str(caught.value)
    assert "cannot connect" in message and "--source archive" in message and "\n" not in message


@pytest.mark.parametrize("day", [date(2025, 12, 25), TODAY - timedelta(days=1), date(2012, 1, 15)])
def test_failure_outside_the_archive_does_not_suggest_the_archive(fake_server, archive, tmp_path, day):  # noqa: F811
    """Dates the archive cannot answer (after its last day, yesterday, before its first day) get
    what to check instead of a hint that points back at the live API."""
    assert not archive.covers(day)
    first, last = archive.coverage()
    source = make_source(fake_server, tmp_path, stats_url="http://127.0.0.1:9/stats")
    with pytest.raises(SourceError) as caught:
        source.completed_games(day)
    message = str(caught.value)
    assert "--source archive" not in message and "\n" not in message
    assert "check the network, NBA_API_PROXY and NBA_API_STATS_URL" in message
    assert f"the offline archive does not cover {day}: it covers {first} to {last}" in message


def test_failure_inside_the_archive_suggests_it(fake_server, archive, tmp_path):  # noqa: F811
    assert archive.covers(BUILT_DAY)
    fake_server.inject("scoreboardv3", "404", times=None)
    with pytest.raises(FatalSourceError) as caught:
        make_source(fake_server, tmp_path).completed_games(BUILT_DAY)
    assert str(caught.value).endswith(f"run with --source archive to use the offline archive, which covers {BUILT_DAY}")


def test_season_log_failure_hint_follows_the_date_asked_for(fake_server, archive, tmp_path):  # noqa: F811
    fake_server.inject("leaguegamelog", "404", times=None)
    first, last = archive.coverage()
    source = make_source(fake_server, tmp_path)
    with pytest.raises(FatalSourceError) as caught:  # no date asked for yet: the archive's range
        source.season_results(Season(2023))
    assert str(caught.value).endswith(f"the offline archive (--source archive) covers {first} to {last}")
    fake_server.clear_faults()
    source.completed_games(date(2025, 12, 25))  # loads 2025-26's log, which now answers
    fake_server.inject("leaguegamelog", "404", times=None)
    with pytest.raises(FatalSourceError) as caught:
        source.season_results(Season(2024))
    assert "--source archive" not in str(caught.value) and "does not cover 2025-12-25" in str(caught.value)


def test_api_that_never_answers_fails_within_the_bound(fake_server, tmp_path):  # noqa: F811
    fake_server.inject("scoreboardv3", "hang", times=None)
    source = make_source(fake_server, tmp_path, timeout=0.3, retries=2)
    with pytest.raises(RetryableSourceError, match="read timeout.*gave up after 3 attempts.*--source archive"):
        source.completed_games(BUILT_DAY)
    # Decided by request, not by a clock: the server held each attempt until the client closed
    # it, so every one of the three ended by the client's own read timeout, none by the server.
    assert fake_server.counts["scoreboardv3"] == fake_server.hung == fake_server.settle_abandoned(3) == 3


def test_name_resolution_that_hangs_fails_within_the_bound(fake_server):  # noqa: F811
    """A resolver that never answers (DNS timing out) cannot hold a call past the connect timeout."""
    import socket

    release = threading.Event()

    def hanging_resolver(host: str, port: int) -> object:
        release.wait(10)
        return socket.getaddrinfo(host, port)

    transport = HttpTransport(
        timeout_seconds=0.5,
        connect_timeout_seconds=0.3,
        min_interval_seconds=0,
        retry=RetryPolicy(retries=1, backoff_base_seconds=0.05, backoff_cap_seconds=0.05),
        resolve=hanging_resolver,
    )
    url = fake_server.stats_url.replace("127.0.0.1", "localhost")
    try:
        # The resolver answers only once released: the error naming the connect timeout while
        # resolving proves the client gave up on its own, two attempts, before any request left.
        with pytest.raises(RetryableSourceError, match="connect timeout .* resolving localhost.*gave up after 2"):
            transport.get_json(f"{url}/scoreboardv3", {"GameDate": "2025-07-15", "LeagueID": "00"})
        assert fake_server.total == 0
    finally:
        release.set()


def test_unknown_host_is_fatal_at_once(fake_server):  # noqa: F811
    import socket

    def refusing_resolver(host: str, port: int) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    transport = HttpTransport(timeout_seconds=1, min_interval_seconds=0, resolve=refusing_resolver)
    with pytest.raises(FatalSourceError, match="cannot connect to .*failed to resolve localhost"):
        transport.get_json(
            f"{fake_server.stats_url.replace('127.0.0.1', 'localhost')}/scoreboardv3",
            {"GameDate": "2025-07-15", "LeagueID": "00"},
        )
    assert transport.calls == 1


# --- --validate: describe() and probe() -------------------------------------------------------


def test_probe_asks_the_configured_api_once_and_never_from_the_cache(fake_server, tmp_path):  # noqa: F811
    source = make_source(fake_server, tmp_path)
    assert source.describe() == fake_server.stats_url
    line = source.probe()
    assert line.startswith(f"live NBA API at {fake_server.stats_url} answered ScoreboardV3") and "(11 games)" in line
    source.probe()
    assert dict(fake_server.counts) == {"scoreboardv3": 2}


def test_probe_of_a_silent_api_fails_within_its_bound(fake_server, tmp_path):  # noqa: F811
    fake_server.inject("scoreboardv3", "hang", times=None)
    source = make_source(fake_server, tmp_path, timeout=0.4, retries=3)
    with pytest.raises(RetryableSourceError, match="read timeout") as caught:
        source.probe(BUILT_DAY)
    # one attempt (a probe is not retried), ended by the client's read timeout, not the server
    assert fake_server.counts["scoreboardv3"] == fake_server.settle_abandoned(1) == 1
    assert "--source archive" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("reachable", [True, False])
def test_validate_contacts_the_live_api(fake_server, run_cli, reachable):  # noqa: F811
    url = fake_server.stats_url if reachable else "http://127.0.0.1:9/stats"
    result = run_cli(
        "--validate",
        "--date",
        str(BUILT_DAY),
        "--source",
        "nba_api",
        env={"NBA_API_STATS_URL": url, "NBA_API_RETRIES": "3", "NBA_API_MIN_INTERVAL": "0"},
    )
    line = next(ln for ln in result.stdout.splitlines() if "data source" in ln)
    if reachable:
        assert line.startswith(f"  [ok]   data source: live NBA API at {url} answered ScoreboardV3"), result.stdout
        assert fake_server.counts["scoreboardv3"] == 1
    else:
        assert line.startswith("  [FAIL] data source: nba_api source (http://127.0.0.1:9/stats)"), result.stdout
        assert "cannot connect" in line and "--source archive" in line
        assert result.returncode == 1


def test_required_headers_are_sent(fake_server, tmp_path):  # noqa: F811
    bare = HttpTransport(timeout_seconds=1, min_interval_seconds=0, headers={"User-Agent": ""})
    with pytest.raises(FatalSourceError, match="HTTP 403"):
        bare.get_json(f"{fake_server.stats_url}/scoreboardv3", {"GameDate": "2024-01-15", "LeagueID": "00"})
    ok = HttpTransport(timeout_seconds=1, min_interval_seconds=0)
    assert (
        ok.get_json(f"{fake_server.stats_url}/scoreboardv3", {"GameDate": "2025-07-15", "LeagueID": "00"})[
            "scoreboard"
        ]["games"]
        == []
    )


def test_minimum_interval_between_calls(fake_server, tmp_path):  # noqa: F811
    source = make_source(fake_server, tmp_path, interval=0.15)
    source.completed_games(BUILT_DAY)  # 15 calls: scoreboard, 11 play-by-play, 2023-24's three logs
    assert fake_server.total == 15
    # each request arrives at least the interval after the one before (which arrived before the
    # client read its answer): a lower bound, whatever the machine's load
    arrivals = [arrived for _, arrived, _ in fake_server.timings]
    assert all(later - earlier >= 0.15 for earlier, later in itertools.pairwise(arrivals))


def test_the_interval_runs_from_when_the_previous_request_ended(fake_server):  # noqa: F811
    """A first request whose name lookup takes 0.5 s ends 0.5 s after it started: the next one
    still waits the whole interval (it used to wait 0.1 s, arriving 0.1 s after the first)."""
    import socket

    now = [1000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    def slow_resolver(host: str, port: int) -> object:
        now[0] += 0.5
        return socket.getaddrinfo(host, port)

    transport = HttpTransport(
        timeout_seconds=30,
        min_interval_seconds=0.6,
        retry=RetryPolicy(retries=0),
        sleep=sleep,
        clock=lambda: now[0],
        resolve=slow_resolver,
    )
    for _ in range(3):
        transport.get_json(f"{fake_server.stats_url}/scoreboardv3", {"GameDate": "2025-07-15", "LeagueID": "00"})
    assert slept == [0.6, 0.6]  # the fake clock moves only by the lookup and the waits
    assert fake_server.counts["scoreboardv3"] == 3


def test_requests_go_through_the_configured_proxy(fake_server, archive, tmp_path):  # noqa: F811
    # stats.nba.com is unreachable here: the answers can only come through the proxy (the fake server)
    source = make_source(fake_server, tmp_path, stats_url="http://stats.nba.com/stats", proxy=fake_server.url)
    assert source.completed_games(BUILT_DAY) == archive.completed_games(BUILT_DAY)


def test_default_settings_are_polite():
    source = NbaApiSource.from_settings(ApiSettings())
    assert source.stats_url == "https://stats.nba.com/stats"
    assert source.transport.min_interval_seconds >= 0.6
    assert source.transport.retry.retries == 4
    headers = {k.lower() for k in source.transport.headers}
    assert {"referer", "user-agent"} <= headers
