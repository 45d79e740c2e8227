"""The CDN source through real HTTP against the fake CDN on 127.0.0.1 (tests/fakeserver/cdn.py):
the recorded 2024-25 schedule and real feeds, the other 2024-25 feeds built from the archive.
Faults are decided by request, never by time."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date

import pytest

from nba_predictions.core.season import Season
from nba_predictions.errors import DateNotCoveredError, FatalSourceError, SourceError, UnresponsiveSourceError
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.sources.cdn.results import archive_results
from nba_predictions.steps.collection import collect_games
from tests.fakeserver.cdn import FakeCdn, make_cdn_source
from tests.fakeserver.fixtures import scores_only

DAY = date(2025, 1, 6)  # 9 games; LAC at MIN (0022400500) has the recorded real play-by-play
PLAYOFF_DAY = date(2025, 4, 20)


@pytest.fixture(scope="module")
def archive() -> ArchiveSource:
    return ArchiveSource()


@pytest.fixture
def cdn(archive) -> Iterator[FakeCdn]:
    with FakeCdn(archive) as server:
        yield server


def timed(predictions: list[dict]) -> list[dict]:
    """``predictions`` without their start times, once each is checked to be there (the archive has
    none before 2025-26; the CDN's schedule gives every game its ``gameDateTimeUTC``)."""
    assert all(p["raw_data"]["start_time_utc"] for p in predictions)
    return [{**p, "raw_data": {**p["raw_data"], "start_time_utc": None}} for p in predictions]


def feeds(server: FakeCdn) -> int:
    return server.counts["playbyplay"] + server.counts["boxscore"]


def test_a_date_costs_the_schedule_once_and_two_requests_per_game(cdn, archive, tmp_path):
    source = make_cdn_source(cdn, tmp_path)
    games, skipped, found = collect_games(source, DAY)
    assert (found, len(games), skipped) == (9, 9, [])
    assert [g.game_id for g in games] == [g.game_id for g in archive.completed_games(DAY)]
    assert cdn.counts["schedule"] == 1 and feeds(cdn) == 2 * 9 and source.calls == 1 + 2 * 9
    collect_games(source, PLAYOFF_DAY)  # the same run: the schedule is not asked again
    playoff_games = len(archive.completed_games(PLAYOFF_DAY))
    assert cdn.counts["schedule"] == 1 and source.calls == 1 + 2 * 9 + 2 * playoff_games
    # The next run: the schedule is a conditional request answered 304, the final feeds are kept.
    again = make_cdn_source(cdn, tmp_path)
    assert len(collect_games(again, DAY)[0]) == 9
    assert (again.calls, cdn.not_modified, again.transport.revalidated) == (1, 1, 1)


def test_games_contexts_and_timelines_match_the_archive(cdn, archive, tmp_path):
    games, _, _ = collect_games(make_cdn_source(cdn, tmp_path), PLAYOFF_DAY)
    expected, _, _ = collect_games(archive, PLAYOFF_DAY)
    assert all(g.start_time_utc is not None and g.start_time_utc.date() >= PLAYOFF_DAY for g in games)
    expected = [g.model_copy(update={"score_timeline": scores_only(g.score_timeline)}) for g in expected]
    assert [g.model_copy(update={"start_time_utc": None}) for g in games] == expected


def test_liveData_without_the_nba_com_referer_is_refused(cdn, tmp_path):
    headers = {"User-Agent": "python-requests", "Accept": "application/json"}
    source = make_cdn_source(cdn, tmp_path, headers=headers)
    with pytest.raises(FatalSourceError, match=r"no box score of 2025-01-06 could be had .*HTTP 403"):
        source.completed_games(DAY)
    assert cdn.counts["schedule"] == 1  # staticData answers without it, liveData does not


def test_a_missing_schedule_variant_falls_back_to_the_other(cdn, tmp_path):
    cdn.inject("schedule", "404")
    source = make_cdn_source(cdn, tmp_path)
    assert len(source.completed_games(DAY)) == 9
    assert (cdn.counts["schedule"], cdn.counts["schedule_1"]) == (1, 1)


def test_no_schedule_at_all_is_one_error_naming_both_and_the_fix(cdn, tmp_path):
    cdn.inject("schedule", "403", times=None)
    cdn.inject("schedule_1", "404", times=None)
    source = make_cdn_source(cdn, tmp_path)
    with pytest.raises(FatalSourceError) as error:
        source.completed_games(DAY)
    message = str(error.value)
    assert "scheduleLeagueV2.json: HTTP 403" in message and "scheduleLeagueV2_1.json: HTTP 404" in message
    assert "NBA_CDN_URL" in message and "\n" not in message
    with pytest.raises(FatalSourceError):  # asked once per run
        source.covers(DAY) or source.completed_games(DAY)
    assert cdn.counts["schedule"] == 1


def test_a_truncated_schedule_is_never_cached(cdn, tmp_path):
    cdn.inject("schedule", "malformed")
    assert len(make_cdn_source(cdn, tmp_path).completed_games(DAY)) == 9  # from scheduleLeagueV2_1
    again = make_cdn_source(cdn, tmp_path)
    again.schedule()
    assert cdn.counts["schedule"] == 2 and cdn.not_modified == 0  # asked whole again, not revalidated


def test_a_game_whose_play_by_play_is_not_final_fails_and_is_rated_on_a_later_run(cdn, tmp_path):
    cdn.inject("playbyplay", "not_final", gameId="0022400500")
    games, skipped, found = collect_games(make_cdn_source(cdn, tmp_path), DAY)
    assert (found, len(games)) == (9, 8)
    [failed] = skipped
    assert failed.game_id == "0022400500" and "not final yet" in failed.reason
    later, skipped, _ = collect_games(make_cdn_source(cdn, tmp_path), DAY)
    assert len(later) == 9 and skipped == []
    assert cdn.requests_for("playbyplay", gameId="0022400500") == 2  # the partial feed was not kept
    assert cdn.requests_for("boxscore", gameId="0022400500") == 2


def test_a_box_score_that_disagrees_with_the_play_by_play_fails_the_game(cdn, tmp_path):
    box = copy.deepcopy(cdn.feed("boxscore", "0022400493"))
    box["game"]["period"] = 5  # the play-by-play ends after 4 periods
    cdn.inject("boxscore", "replace", payload=box, gameId="0022400493")
    games, skipped, _ = collect_games(make_cdn_source(cdn, tmp_path), DAY)
    assert len(games) == 8 and [s.game_id for s in skipped] == ["0022400493"]
    assert "the feeds disagree" in skipped[0].reason
    assert len(collect_games(make_cdn_source(cdn, tmp_path), DAY)[0]) == 9  # neither feed was kept


def test_a_box_score_that_disagrees_with_the_schedule_fails_the_game(cdn, tmp_path):
    box = copy.deepcopy(cdn.feed("boxscore", "0022400493"))
    box["game"]["homeTeam"]["score"] += 2
    cdn.inject("boxscore", "replace", payload=box, gameId="0022400493")
    _, skipped, _ = collect_games(make_cdn_source(cdn, tmp_path), DAY)
    assert "the schedule's final score is 118-115" in skipped[0].reason


def test_a_truncated_feed_fails_its_game_only(cdn, tmp_path):
    cdn.inject("playbyplay", "malformed", gameId="0022400493")
    games, skipped, _ = collect_games(make_cdn_source(cdn, tmp_path), DAY)
    assert len(games) == 8 and "not valid JSON" in skipped[0].reason


def test_a_hanging_cdn_costs_one_timeout_then_is_not_asked_again(cdn, tmp_path):
    cdn.inject("schedule", "hang")
    source = make_cdn_source(cdn, tmp_path, timeout=0.5, retries=3, give_up_on_timeout=True)
    with pytest.raises(UnresponsiveSourceError, match="read timeout"):
        source.completed_games(DAY)
    with pytest.raises(UnresponsiveSourceError):
        source.completed_games(DAY)
    assert cdn.hung == 1 and cdn.total == 1  # no retry, no fallback to the other variant


def test_dates_outside_the_schedule_name_what_the_cdn_covers(cdn, tmp_path):
    source = make_cdn_source(cdn, tmp_path)
    with pytest.raises(DateNotCoveredError) as error:
        source.completed_games(date(2024, 1, 15))
    assert "2023-24" in str(error.value) and "holds the 2024-25 season only" in str(error.value)
    assert "2019-20" in str(error.value)
    assert not source.covers(date(2024, 1, 15)) and source.covers(DAY)
    assert source.completed_games(date(2024, 9, 20)) == []  # in the season, no games: an empty date


def test_the_cup_final_is_listed_and_preseason_games_are_not(cdn, tmp_path):
    source = make_cdn_source(cdn, tmp_path)
    assert [g.game_id for g in source.completed_games(date(2024, 12, 17))] == ["0062400001"]
    assert source.completed_games(date(2024, 10, 4)) == []  # preseason only
    assert cdn.counts["boxscore"] == 1


def test_season_results_current_from_the_schedule_earlier_from_the_archive(cdn, archive, tmp_path):
    source = make_cdn_source(cdn, tmp_path)
    current = source.season_results(Season(2024))
    common = {r.game_id for r in archive.season_results(Season(2024))}
    assert len(current) == 1320 and {r.game_id for r in current} >= common
    assert [r for r in current if r.game_id in common] == list(archive.season_results(Season(2024)))
    assert list(source.season_results(Season(2023))) == list(archive.season_results(Season(2023)))
    assert source.season_results(Season(2025)) == []


def test_a_season_no_source_holds_completely_is_an_error_naming_it():
    past = archive_results()
    with pytest.raises(SourceError, match=r"the results of 2025-26 are not complete in any source"):
        past(Season(2025))


# --- done when: --source cdn rates 2024-25 as --source archive does ----------------------------

# 22 dates: the regular season from opening night to its last day (NBA Cup group and knockout
# nights included), every playoff round and Finals game 1.  Left out: the play-in (the archive has
# no play-in timelines, so neither it nor the fake CDN built from it can rate one), the three dates
# whose real recorded play-by-play the fake CDN serves (2024-11-08, 2025-01-06, 2025-01-15: their
# clocks have tenths of a second where the archive's have whole seconds, see the next test), the
# NBA Cup final's date (the archive lacks that game) and the Finals games 2-7 (so does it).
SAME_AS_ARCHIVE = [
    date(2024, 10, 22),
    date(2024, 10, 30),
    date(2024, 11, 15),
    date(2024, 11, 27),
    date(2024, 12, 10),
    date(2024, 12, 25),
    date(2025, 1, 2),
    date(2025, 1, 20),
    date(2025, 2, 3),
    date(2025, 2, 26),
    date(2025, 3, 10),
    date(2025, 3, 22),
    date(2025, 4, 2),
    date(2025, 3, 1),
    date(2025, 4, 9),
    date(2025, 4, 13),
    date(2025, 4, 19),
    date(2025, 4, 27),
    date(2025, 5, 6),
    date(2025, 5, 14),
    date(2025, 5, 28),
    date(2025, 6, 5),
]


def test_twenty_two_dates_of_2024_25_give_the_archives_games_features_and_ratings(cdn, tmp_path, scores_only_archive):
    from nba_predictions.config import Settings
    from nba_predictions.runs.pipeline import StepRunner
    from nba_predictions.runs.resources import Resources

    env = {"NBA_CDN_URL": cdn.cdn_url, "NBA_API_CACHE_DIR": str(tmp_path / "cache"), "NBA_API_MIN_INTERVAL": "0"}
    env["NBA_BUNDLED_ARCHIVE"] = str(scores_only_archive)  # the archive as the built feeds know it: no players
    documents = {}
    for name in ("cdn", "archive"):
        with Resources(Settings.resolve({"source": name}, env)) as resources:
            runner = StepRunner(resources)
            for day in SAME_AS_ARCHIVE:
                out = tmp_path / f"{name}-{day}.json"
                summary = runner.run("collection", "prediction", output_path=str(out), day=day)
                assert summary.ok, (name, day, summary.render())
                documents[name, day] = json.loads(out.read_text())
    playoffs = 0
    for day in SAME_AS_ARCHIVE:
        live, offline = documents["cdn", day], documents["archive", day]
        assert (live["metadata"]["source"], offline["metadata"]["source"]) == ("cdn", "archive")
        assert timed(live["predictions"]) == offline["predictions"], day
        assert live["predictions"], day
        playoffs += any(p["game_id"].startswith("004") for p in live["predictions"])
    assert playoffs >= 6
    assert cdn.counts["schedule"] == 1  # once for the whole run of 22 dates


def test_the_recorded_real_play_by_play_rates_within_a_second_of_the_archive(cdn, archive, tmp_path):
    """The three real feeds time the last minute of a period in tenths of a second; the archive's
    timelines have whole seconds.  Same scores in the same order, no event more than 1 s apart."""
    source = make_cdn_source(cdn, tmp_path)
    for day, game_id in ((date(2024, 11, 8), "0022400196"), (DAY, "0022400500"), (date(2025, 1, 15), "0022400561")):
        record = next(g for g in source.completed_games(day) if g.game_id == game_id)
        live, offline = source.score_timeline(record), archive.score_timeline(game_id)
        assert [e[1:] for e in live.events] == [e[1:] for e in offline.events]
        assert max(abs(a[0] - b[0]) for a, b in zip(live.events, offline.events)) <= 1.0
