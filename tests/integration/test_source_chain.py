"""``--source auto``: each date from the first source of NBA_SOURCES that can serve it; a failing
source is logged with the reason and the next one asked; a hanging one costs one timeout."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date

import pytest

from nba_predictions.config import Settings
from nba_predictions.errors import DateNotCoveredError
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.sources.chain import SourceChain
from nba_predictions.sources.registry import make_source, routes
from nba_predictions.steps.collection import collect_games
from tests.fakeserver.cdn import FakeCdn, make_cdn_source
from tests.fakeserver.fixtures import make_source as make_stats_source
from tests.fakeserver.server import FakeStatsServer

DAY = date(2025, 1, 20)  # 2024-25: the archive covers it too, so NBA_SOURCES's order decides


@pytest.fixture(scope="module")
def archive() -> ArchiveSource:
    return ArchiveSource()


@pytest.fixture
def cdn(archive) -> Iterator[FakeCdn]:
    with FakeCdn(archive) as server:
        yield server


@pytest.fixture
def stats(archive) -> Iterator[FakeStatsServer]:
    with FakeStatsServer(archive) as server:
        yield server


def test_a_stats_api_that_hangs_costs_one_timeout_and_the_cdn_rates_the_date(
    cdn, stats, run_cli, tmp_path, scores_only_archive
):
    """The issue's 'done when': NBA_SOURCES=nba_api,cdn, stats.nba.com accepting and never
    answering, the CDN healthy: the date is rated with the archive's ratings, exit 0, one stats
    request in all, and the log says who served the date and why the other was passed over."""
    stats.inject("scoreboardv3", "hang", times=None)
    env = {
        "NBA_SOURCES": "nba_api,cdn",
        "NBA_API_STATS_URL": stats.stats_url,
        "NBA_CDN_URL": cdn.cdn_url,
        # The read timeout is the run's, the healthy CDN's answers included: 1 s passed the CDN over
        # too on a machine with two CPU hogs (its box score took longer).  The hang costs it once.
        "NBA_API_TIMEOUT": "10",
        "NBA_API_MIN_INTERVAL": "0",
        "NBA_API_CACHE_DIR": str(tmp_path / "cache"),
    }
    chained = run_cli("--date", str(DAY), "--source", "auto", "--output", "auto.json", env=env)
    assert chained.returncode == 0, chained.stderr
    assert (stats.total, stats.hung) == (1, 1)  # one timeout, no retry, never asked again
    assert "source auto: nba_api did not answer; passed over for the rest of the run" in chained.stderr
    assert "read timeout" in chained.stderr
    assert f"source auto: {DAY} served by cdn" in chained.stderr
    scores_only = {"NBA_BUNDLED_ARCHIVE": str(scores_only_archive)}  # what the fake feeds know (no players)
    offline = run_cli(
        "--date", str(DAY), "--source", "archive", "--until-step", "prediction", "--output", "a.json", env=scores_only
    )
    assert offline.returncode == 0, offline.stderr
    served, expected = (json.loads((tmp_path / name).read_text()) for name in ("auto.json", "a.json"))
    assert served["metadata"]["source"] == "cdn"
    assert all(p["raw_data"].pop("start_time_utc") for p in served["predictions"])  # the CDN's; the archive has none
    assert all(p["raw_data"].pop("start_time_utc") is None for p in expected["predictions"])
    assert served["predictions"] == expected["predictions"] and len(served["predictions"]) >= 5


def test_by_default_the_archive_serves_the_dates_it_covers_without_asking_anyone(archive):
    chain = make_source(Settings.resolve({"source": "auto"}, {}), DAY)
    assert isinstance(chain, SourceChain) and chain.order == ("archive", "cdn", "nba_api")
    assert chain.name == "auto"
    assert chain.completed_games(DAY) == archive.completed_games(DAY)
    assert chain.name == "archive" and chain.served_by(DAY) == "archive"


def test_a_failing_source_is_logged_with_its_reason_and_the_next_serves(cdn, stats, tmp_path, caplog):
    cdn.inject("schedule", "403", times=None)
    cdn.inject("schedule_1", "403", times=None)
    sources = {"cdn": make_cdn_source(cdn, tmp_path / "c"), "nba_api": make_stats_source(stats, tmp_path / "s")}
    chain = SourceChain(["cdn", "nba_api"], sources.__getitem__)
    with caplog.at_level(logging.INFO):
        games, skipped, found = collect_games(chain, DAY)
    assert (chain.served_by(DAY), chain.name, len(games), skipped) == ("nba_api", "nba_api", found, [])
    assert any("source auto: cdn failed for 2025-01-20" in m and "HTTP 403" in m for m in caplog.messages)


def test_a_hanging_source_is_passed_over_for_the_rest_of_the_run(cdn, archive, tmp_path):
    cdn.inject("schedule", "hang", times=None)
    hanging = make_cdn_source(cdn, tmp_path, timeout=0.5, retries=3, give_up_on_timeout=True)
    chain = SourceChain(["cdn", "archive"], {"cdn": hanging, "archive": archive}.__getitem__)
    for day in (DAY, date(2025, 1, 21), date(2025, 1, 22)):
        assert chain.completed_games(day) == archive.completed_games(day)
        assert chain.served_by(day) == "archive"
    assert cdn.hung == 1 and cdn.total == 1
    assert "did not answer within its timeout" in chain.passed_over()["cdn"]


def test_a_date_no_source_covers_is_one_error_naming_each(archive):
    chain = SourceChain(["archive"], {"archive": archive}.__getitem__)
    with pytest.raises(
        DateNotCoveredError, match=r"no source could serve 2030-01-05 \(tried archive\): archive does not"
    ):
        chain.completed_games(date(2030, 1, 5))


def test_a_backfill_routes_uncovered_dates_to_the_first_live_source_listed(archive):
    first, last = date(2025, 6, 5), date(2025, 6, 7)
    plan = routes(Settings.resolve({"source": "auto"}, {"NBA_SOURCES": "archive,nba_api"}), first, last, archive)
    assert [r.source for r in plan] == ["archive", "nba_api", "nba_api"]
    plan = routes(Settings.resolve({"source": "auto"}, {}), first, last, archive)
    assert [r.source for r in plan] == ["archive", "cdn", "cdn"]
    assert [r.source for r in routes(Settings.resolve({"source": "cdn"}, {}), first, last, None)] == ["cdn"] * 3


def test_nba_sources_names_known_sources_once():
    from nba_predictions.errors import UsageError

    assert Settings.resolve({}, {"NBA_SOURCES": " cdn , nba_api "}).sources == ("cdn", "nba_api")
    for bad in ("cdn,carrier-pigeon", "cdn,cdn", ","):
        with pytest.raises(UsageError, match="NBA_SOURCES="):
            Settings.resolve({}, {"NBA_SOURCES": bad})


def test_the_old_cdn_variable_still_works_with_a_warning(caplog):
    from nba_predictions.sources.registry import cdn_base_url

    old = Settings.resolve({}, {"NBA_API_CDN_URL": "http://127.0.0.1:9/cdn/static/json/liveData"}).api
    with caplog.at_level(logging.WARNING):
        assert cdn_base_url(old) == "http://127.0.0.1:9/cdn/static/json"
    assert any("NBA_API_CDN_URL is deprecated" in m for m in caplog.messages)
    both = Settings.resolve({}, {"NBA_API_CDN_URL": "http://a/liveData", "NBA_CDN_URL": "http://b/static/json/"}).api
    assert cdn_base_url(both) == "http://b/static/json"
    assert cdn_base_url(Settings.resolve({}, {}).api) == "https://cdn.nba.com/static/json"
