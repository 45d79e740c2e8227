"""Pytest fixtures: a fake stats server per test, on the offline archive's facts when available."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nba_predictions.sources.base import Source

from .server import FakeStatsServer


def archive_or_none() -> Source | None:
    """The offline archive, or None while it is not part of the package yet."""
    try:
        from nba_predictions.sources.archive import ArchiveSource
    except ImportError:
        return None
    return ArchiveSource()


@pytest.fixture(scope="session")
def archive_facts() -> Source | None:
    return archive_or_none()


@pytest.fixture
def fake_server(archive_facts: Source | None) -> Iterator[FakeStatsServer]:
    """A started server on 127.0.0.1 with fresh counters and no faults; stopped after the test."""
    with FakeStatsServer(archive_facts) as server:
        yield server
