"""Many concurrent clients on every API route: ``nba-predictions serve`` against the original Node API.

Usage::

    python benchmarks/bench_load.py [--clients N] [--requests R] [--rounds K] [--database URL] [--webapp DIR]

Bounded and loopback only: N clients (default 50), each on its own keep-alive connection to
127.0.0.1, send R requests each (default 200) one after another, then stop; no request leaves
the machine.  The requests cycle through a mix of the API's routes with the answer each must get
(the listing by date, by team, paged; one game; an unknown game, 404; a bad parameter, 400;
health), the same mix for both servers, which serve the same season database (the original API on
a copy of the file, as bench_web.py runs it; it is left out when node or the original web app is
absent).  An error is a request that got another status than its route's, or no answer.

Prints, for each server, requests per second (all requests / the wall time of the run), p50,
p90 and p99 latency and the error count, side by side from one run (``--rounds`` interleaved
rounds, the median round by requests/s reported), and their ratios.  The machine's cores are
shared by the servers and the load generator, so compare the ratios, not the absolute figures.
``tests/web/test_load.py`` runs :func:`run_load` (50 clients x 20 requests) against ``serve`` and
expects no error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from bench_web import Server, _get, season_database, start_servers  # noqa: E402

from tests.webapp import API_RUNTIME  # noqa: E402  (bench_web put the repo on the path)

TIMEOUT_SECONDS = 60.0  # one request; more is an error, never a hang


@dataclass(frozen=True)
class Load:
    server: str
    requests: int
    seconds: float
    latencies: tuple[float, ...]  # sorted, seconds
    errors: int
    first_error: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile_ms(self, share: float) -> float:
        return 1000 * self.latencies[min(len(self.latencies) - 1, int(share * len(self.latencies)))]


def request_mix(database: Path) -> list[tuple[str, int]]:
    """(path, the status it must get) for every API route, from what ``database`` holds."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        rated = "prediction_rating IS NOT NULL"
        dates = [d for (d,) in conn.execute(f"SELECT DISTINCT date FROM games WHERE {rated} ORDER BY date")]
        ids = [i for (i,) in conn.execute(f"SELECT id FROM games WHERE {rated} ORDER BY id LIMIT 50")]
        teams = [t for (t,) in conn.execute("SELECT abbreviation FROM teams ORDER BY abbreviation")]
    conn.close()
    mix: list[tuple[str, int]] = []
    for n in range(max(len(dates), len(ids), len(teams))):
        mix += [
            (f"/api/v1/predictions?date={dates[n % len(dates)]}", 200),
            (f"/api/v1/predictions/{ids[n % len(ids)]}", 200),
            (f"/api/v1/predictions?team={teams[n % len(teams)]}&limit=10", 200),
            (f"/api/v1/predictions?limit=20&offset={(n * 7) % 40}", 200),
            ("/api/v1/predictions/0029999999", 404),
            ("/api/v1/predictions?limit=abc", 400),
            ("/api/v1/health", 200),
        ]
    return mix


async def _client(port: int, mix: list[tuple[str, int]], start: int, count: int) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    for n in range(start, start + count):
        path, expected = mix[n % len(mix)]
        sent = time.perf_counter()
        try:
            if connection is None:
                connection = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT_SECONDS)
            status, _, _ = await asyncio.wait_for(_get(*connection, f"127.0.0.1:{port}", path), TIMEOUT_SECONDS)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, RuntimeError) as failed:
            errors.append(f"{path}: {failed!r}")
            if connection is not None:
                connection[1].close()
            connection = None  # a fresh connection for the next request
            continue
        latencies.append(time.perf_counter() - sent)
        if status != expected:
            errors.append(f"{path}: {status}, expected {expected}")
    if connection is not None:
        connection[1].close()
    return latencies, errors


async def _load(port: int, mix: list[tuple[str, int]], clients: int, per_client: int) -> tuple[float, list, list]:
    started = time.perf_counter()
    done = await asyncio.gather(*(_client(port, mix, n * per_client, per_client) for n in range(clients)))
    seconds = time.perf_counter() - started
    return seconds, [x for lat, _ in done for x in lat], [e for _, err in done for e in err]


def run_load(name: str, port: int, mix: list[tuple[str, int]], clients: int, per_client: int) -> Load:
    """``clients`` concurrent keep-alive clients, ``per_client`` requests each, against 127.0.0.1:``port``."""
    seconds, latencies, errors = asyncio.run(_load(port, mix, clients, per_client))
    return Load(
        name,
        clients * per_client,
        seconds,
        tuple(sorted(latencies)) or (float("nan"),),
        len(errors),
        errors[0] if errors else "",
    )


def _row(load: Load) -> str:
    p50, p90, p99 = (load.percentile_ms(s) for s in (0.50, 0.90, 0.99))
    return f"{load.server:<10}{load.requests:>9}{load.rate:>9.0f}{p50:>9.1f}{p90:>9.1f}{p99:>9.1f}{load.errors:>8}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--requests", type=int, default=200, help="requests per client (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is reported")
    parser.add_argument("--database", help="an existing SQLite database URL (default: build a season)")
    parser.add_argument("--webapp", help="the original web app's folder (default: $NBA_WEBAPP_DIR or ../shared/webapp)")
    args = parser.parse_args()
    if args.clients < 1 or args.requests < 1 or args.rounds < 1:
        parser.error("--clients, --requests and --rounds must be 1 or more")
    if args.webapp and not (Path(args.webapp) / API_RUNTIME).is_file():
        parser.error(f"--webapp {args.webapp}: no {API_RUNTIME} there (give the original web app's folder)")

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        work = Path(tmp)
        database = (
            Path(args.database.removeprefix("sqlite:///")) if args.database else season_database(work / "season.db")
        )
        mix = request_mix(database)
        print(
            f"{args.clients} clients x {args.requests} requests, each on its own keep-alive connection to 127.0.0.1; "
            f"{len(mix)} requests cycled over every API route (200, 404 and 400 answers); "
            f"{os.cpu_count()} cores shared by the servers and the client"
        )
        servers: dict[str, Server] = {}
        rounds: dict[str, list[Load]] = {}
        try:
            start_servers(database, work, args.webapp, servers)
            for name, server in servers.items():  # warm-up: one client through the whole mix
                run_load(name, server.port, mix, 1, len(mix))
            for _ in range(args.rounds):
                for name, server in servers.items():
                    rounds.setdefault(name, []).append(run_load(name, server.port, mix, args.clients, args.requests))
        finally:
            for server in servers.values():
                server.stop()

    results = {name: sorted(runs, key=lambda r: r.rate)[len(runs) // 2] for name, runs in rounds.items()}
    print(f"\nmedian of {args.rounds} rounds")
    print(f"{'server':<10}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for load in results.values():
        print(_row(load))
        if load.errors:
            print(f"  first error: {load.first_error}")
    if "original" in results:
        ours, theirs = results["ours"], results["original"]
        print("\nours / original (requests/s: > 1 is faster; latency: < 1 is faster)")
        print(
            f"  requests/s x{ours.rate / theirs.rate:.2f}, "
            + ", ".join(
                f"p{int(s * 100)} x{ours.percentile_ms(s) / theirs.percentile_ms(s):.2f}" for s in (0.5, 0.9, 0.99)
            )
        )
    if any(load.errors for load in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
