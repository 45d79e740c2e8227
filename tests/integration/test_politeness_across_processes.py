"""Two collection runs against the live API at once stay within the politeness limit together
(issue 25, item 2): one request in flight at a time, and at least the interval from the end of one
to the start of the next, across both processes.

One fake stats server on 127.0.0.1 answers every request after a short server-side delay (so two
processes that did not share the limit would overlap) and records, per request, when it arrived and
when its answer started to be sent.  Two real ``main.py`` collection processes (two dates, one cache folder,
as on one collection server) run at once.  The verdict is read from the server's record: how many
requests were in flight together (counted from the recorded intervals, never from how long anything
took) and the gap before each arrival; a slow machine only widens the gaps.  With per-process
spacing (before ``NBA_API_CACHE_DIR/spacing/nba_api.lock``) two requests were in flight at once.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import MAIN

INTERVAL = 0.05  # NBA_API_MIN_INTERVAL for both processes (seconds)
SERVER_DELAY = 0.1  # each answer is held this long by the server: long enough for a rival to overlap
DAYS = ("2024-01-15", "2024-01-16")
COMMAND = (sys.executable, str(MAIN), "--source", "nba_api", "--until-step", "collection")
ENDPOINTS = ("scoreboardv3", "playbyplayv3", "boxscoresummaryv3", "leaguegamelog", "cdn:playbyplay")


@pytest.fixture
def slow_server():
    from nba_predictions.sources.archive import ArchiveSource
    from tests.fakeserver.server import FakeStatsServer

    server = FakeStatsServer(ArchiveSource()).start()
    for endpoint in ENDPOINTS:
        server.inject(endpoint, "delay", times=None, seconds=SERVER_DELAY)
    try:
        yield server
    finally:
        server.stop()


def _most_in_flight(timings: list[tuple[str, float, float | None]]) -> int:
    """The most requests the server held at one moment, from the recorded (arrived, answered) pairs."""
    # At a tie an answer (-1) sorts before an arrival (+1): a request arriving as another is answered
    # did not overlap it.
    events = sorted([(arrived, 1) for _, arrived, _ in timings] + [(answered, -1) for _, _, answered in timings])
    most = current = 0
    for _, change in events:
        current += change
        most = max(most, current)
    return most


def test_two_collection_runs_at_once_share_the_limit(slow_server, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    env.update(
        NBA_API_STATS_URL=slow_server.stats_url,
        NBA_API_CDN_URL=slow_server.cdn_url,
        NBA_API_MIN_INTERVAL=str(INTERVAL),
        NBA_API_RETRIES="0",
        NBA_API_CACHE_DIR=str(tmp_path / "cache"),  # one collection server: one cache folder
        NBA_ARCHIVE_DIR=str(tmp_path / "archive"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'ratings.db'}",
    )
    processes = [
        subprocess.Popen(
            [*COMMAND, "--date", day, "--output", str(tmp_path / f"{day}.json")],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for day in DAYS
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
    for day in DAYS:
        assert json.loads((tmp_path / f"{day}.json").read_text())["games"], day
    dates = {params.get("GameDate") for endpoint, params in slow_server.log if endpoint == "scoreboardv3"}
    assert dates == set(DAYS)  # both processes asked the server
    timings = list(slow_server.timings)
    assert all(answered is not None for _, _, answered in timings)
    assert len(timings) > 20
    assert _most_in_flight(timings) == 1
    ordered = sorted(timings, key=lambda t: t[1])
    gaps = [nxt[1] - prev[2] for prev, nxt in itertools.pairwise(ordered)]
    # The client's end of a request is after the server started its answer (when the server takes its
    # time), and the next request waits the interval from that end: every gap the server sees is at
    # least the interval, however late a loaded machine runs either thread.
    assert min(gaps) >= INTERVAL - 0.002, sorted(gaps)[:5]
    assert (tmp_path / "cache" / "spacing" / "nba_api.lock").is_file()
