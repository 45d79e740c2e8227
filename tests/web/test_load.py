"""``serve`` under 50 concurrent clients: every request of benchmarks/bench_load.py's mix answered right.

Not timed (speed is the benchmark's business, see docs/WEB.md "Load"): 50 keep-alive clients send
20 requests each over every API route to a real ``nba-predictions serve`` process on loopback,
and every one must get its route's status (200, 404 for an unknown game, 400 for a bad
parameter), none may go unanswered.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

from tests.web.conftest import ROOT
from tests.web.test_serve import serving


def _bench_load():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "benchmarks" / "bench_load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_fifty_concurrent_clients_get_no_error(rated_db: Path, tmp_path: Path) -> None:
    bench = _bench_load()
    mix = bench.request_mix(rated_db)
    assert {status for _, status in mix} == {200, 400, 404}
    with serving("--database", f"sqlite:///{rated_db}", cwd=tmp_path) as (url, proc):
        # Its access log goes on filling the pipe: read it, so the server never blocks on a full pipe.
        log: list[str] = []
        reader = threading.Thread(target=lambda: log.extend(proc.stderr), daemon=True)
        reader.start()
        # In a thread of its own: its asyncio loop must not meet the event loop a session-wide
        # sync Playwright (the browser tests') keeps running in the main thread.
        loads: list = []
        runner = threading.Thread(
            target=lambda: loads.append(bench.run_load("ours", int(url.rsplit(":", 1)[1]), mix, 50, 20))
        )
        runner.start()
        runner.join(600)  # a guard against a hung test, not a measurement
        assert loads, "the load did not finish"
        load = loads[0]
    assert load.requests == 1000 and len(load.latencies) == 1000
    assert load.errors == 0, load.first_error
    reader.join(60)
    assert sum('"GET /api/v1/' in line for line in log) == 1000  # each request reached the app once
