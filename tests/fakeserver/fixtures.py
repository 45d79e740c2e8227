"""Pytest fixtures: a fake stats server per test, on the offline archive's facts when available."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.sources.base import Source

from .server import FakeStatsServer


@pytest.fixture(scope="session")
def archive_facts() -> Source:
    """The offline archive: the facts the fake server builds its responses from."""
    return ArchiveSource()


@pytest.fixture
def fake_server(archive_facts: Source) -> Iterator[FakeStatsServer]:
    """A started server on 127.0.0.1 with fresh counters and no faults; stopped after the test."""
    with FakeStatsServer(archive_facts) as server:
        yield server
