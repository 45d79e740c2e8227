"""A local fake of stats.nba.com / cdn.nba.com for tests and benchmarks.

``FakeStatsServer(facts)`` serves the recorded responses in ``tests/fixtures/api`` and, for other
dates and games, same-shape responses built from ``facts`` (any Source; the offline archive in the
tests).  Pytest fixtures live in :mod:`tests.fakeserver.fixtures`; import them into a test module
or a conftest (``from tests.fakeserver.fixtures import fake_server, archive_facts``).
"""

from tests.fakeserver.server import FAULT_KINDS, FakeStatsServer, Fault

__all__ = ["FAULT_KINDS", "FakeStatsServer", "Fault"]
