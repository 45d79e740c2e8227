"""Pytest fixtures: a fake stats server per test, on the offline archive's facts when available;
and :func:`make_source`, the live source pointed at such a server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from nba_predictions.config import EASTERN
from nba_predictions.core.domain import ScoreTimeline
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.sources.base import Source
from nba_predictions.sources.cache import ResponseCache
from nba_predictions.sources.http import HttpTransport, RetryPolicy
from nba_predictions.sources.nba_api import NbaApiSource
from tests.fakeserver.server import FakeStatsServer

TODAY = date(2026, 2, 22)  # the day after the last recorded 2025-26 game log entry
RECORDED_DAY = date(2025, 11, 5)  # recorded ScoreboardV3, 11 final games
BUILT_DAY = date(2024, 1, 15)  # MLK day: every response built from the archive


def scores_only(timeline: ScoreTimeline) -> ScoreTimeline:
    """``timeline`` without its player lines.  The fake servers build their feeds from the archive's
    score events, which name no players, so a live source reads no player lines from a built feed
    (``None``, never wrong ones); the lines are tested on the recorded real feeds
    (tests/integration/test_live_player_lines.py)."""
    return timeline.model_copy(update={"player_lines": None})


def make_source(
    server: FakeStatsServer,
    cache_dir: Path,
    *,
    timeout: float = 30.0,
    retries: int = 3,
    interval: float = 0.0,
    today: date = TODAY,
    now: datetime | None = None,
    stats_url: str | None = None,
    proxy: str | None = None,
) -> NbaApiSource:
    """The live source asking ``server``, caching under ``cache_dir``, on a fixed calendar
    (``today``; the cache's clock ``now``, default 09:00 US Eastern on :data:`TODAY`)."""
    transport = HttpTransport(
        timeout_seconds=timeout,
        connect_timeout_seconds=min(timeout, 1.0),
        min_interval_seconds=interval,
        retry=RetryPolicy(retries=retries, backoff_base_seconds=0.05, backoff_cap_seconds=0.2),
        proxy=proxy,
    )
    cache = ResponseCache(cache_dir, now=(lambda: now) if now else lambda: datetime(2026, 2, 22, 9, tzinfo=EASTERN))
    return NbaApiSource(
        stats_url=stats_url or server.stats_url,
        cdn_url=server.cdn_url,
        transport=transport,
        cache=cache,
        today=lambda: today,
    )


@pytest.fixture(scope="session")
def archive_facts() -> Source:
    """The offline archive: the facts the fake server builds its responses from."""
    return ArchiveSource()


@pytest.fixture
def fake_server(archive_facts: Source) -> Iterator[FakeStatsServer]:
    """A started server on 127.0.0.1 with fresh counters and no faults; stopped after the test."""
    with FakeStatsServer(archive_facts) as server:
        yield server
