"""The date listing under load: ``nba-predictions serve`` against the original Node web API.

Usage::

    python benchmarks/bench_web.py [--seconds S] [--rounds N] [--database URL] [--webapp DIR]

A season database (the real 2023-24 regular season's ids, dates and teams, stored by our storage
step; see bench_storage.py) is served by ``python main.py serve`` (one uvicorn process, as
deployed) and, when ``node`` and the original web app (``$NBA_WEBAPP_DIR``, ``../shared/webapp``
or ``--webapp``; tests/webapp.py finds, unpacks and starts it, as for the tests) are here, by the
original API on a copy of the same file.  ``--database`` benchmarks an existing SQLite database
instead (e.g. one ``nba-predictions backfill`` wrote).

The load is ``GET /api/v1/predictions?date=D`` (what the front end asks) and, ours only, the page
``GET /?date=D``, cycling through the season's dates, from 1 and from 50 concurrent keep-alive
clients for ``--seconds`` each (after a warm-up), each load twice: plain, and revalidating (the
clients share a cache of the ETag of each path fetched and send it back in ``If-None-Match``, as
a caching proxy in front does; the share of 304 answers is reported), sent by a small asyncio HTTP/1.1 client in
this process, in ``--rounds`` rounds that take turns between the servers (the median round is
reported).  Prints requests/s, p50 and
p95 latency and the servers' resident memory, and the ratios ours / original measured in the
same run.  Both servers first answer one date and the answers must be equal.  The machine's
cores are shared by the servers and the client, so compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT)]  # bench_storage; tests.webapp, tests.services

from tests.services import free_port, spawn  # noqa: E402
from tests.webapp import API_RUNTIME, NODE_MISSING, WebApi, unpack, webapp_dir  # noqa: E402

CONCURRENCY = (1, 50)
# (load, client, server): what each round runs, in this order.
RUNS = [
    (load, mode, name)
    for load, names in (("api", ("ours", "original")), ("page", ("ours",)))
    for mode in ("plain", "revalidating")
    for name in names
]


@dataclass(frozen=True)
class Result:
    server: str
    clients: int
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int
    not_modified: int = 0  # 304 answers (revalidating clients only)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


# -- a minimal keep-alive HTTP/1.1 client (the load generator must cost less than the servers) ------


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str, etag: bytes | None = None
) -> tuple[int, bytes, bytes | None]:
    """One request (with ``If-None-Match: etag`` when given): status, body and the answer's ETag."""
    condition = b"If-None-Match: " + etag + b"\r\n" if etag else b""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n".encode() + condition + b"\r\n")
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    tag = re.search(rb"(?im)^etag:\s*(\S+)", head)
    if status == 304:  # no body, by definition
        return status, b"", tag.group(1) if tag else etag
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    if length is None:
        raise RuntimeError(f"{path}: the answer has no Content-Length (chunked answers are not expected)")
    return status, await reader.readexactly(int(length.group(1))), tag.group(1) if tag else None


async def _load(
    port: int, paths: list[str], clients: int, seconds: float, warmup: float, revalidate: bool
) -> tuple[list[float], int, int]:
    """Latencies, errors and 304s of ``clients`` keep-alive clients cycling through ``paths``.

    ``revalidate``: the clients share one cache of the ETag of every path fetched (as a caching
    proxy in front of the server does, or many returning browsers) and send it back in
    ``If-None-Match``; a 304 counts as a good answer.
    """
    latencies: list[float] = []
    errors = not_modified = 0
    tags: dict[str, bytes | None] = {}
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + seconds

    async def client(n: int) -> None:
        nonlocal errors, not_modified
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = n
        try:
            while True:
                sent = time.perf_counter()
                if sent >= stop_at:
                    return
                path = paths[i % len(paths)]
                status, _, tag = await _get(reader, writer, f"127.0.0.1:{port}", path, tags.get(path))
                if revalidate:
                    tags[path] = tag
                done = time.perf_counter()
                if sent >= measure_from:
                    latencies.append(done - sent)
                    errors += status not in (200, 304)
                    not_modified += status == 304
                i += clients
        finally:
            writer.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, errors, not_modified


def measure(name: str, port: int, paths: list[str], clients: int, seconds: float, revalidate: bool = False) -> Result:
    latencies, errors, not_modified = asyncio.run(
        _load(port, paths, clients, seconds, min(2.0, seconds / 2), revalidate)
    )
    ordered = sorted(latencies)
    return Result(
        name,
        clients,
        len(ordered),
        seconds,
        1000 * statistics.median(ordered),
        1000 * ordered[int(0.95 * (len(ordered) - 1))],
        errors,
        not_modified,
    )


def median_round(runs: list[Result]) -> Result:
    """The round with the median request rate (its latencies belong to it)."""
    return sorted(runs, key=lambda r: r.rate)[len(runs) // 2]


# -- the servers ------------------------------------------------------------------------------------


def season_database(target: Path) -> Path:
    from bench_storage import one_run, season_document

    one_run(season_document(), f"sqlite:///{target}")
    return target


class Server:
    """A server under load: its name, port and process id (for its memory), and how to stop it."""

    def __init__(self, name: str, port: int, pid: int, stop: Callable[[], None]) -> None:
        self.name, self.port, self.pid, self.stop = name, port, pid, stop


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=5) as answer:
            return answer.status == 200
    except (urllib.error.URLError, ConnectionError):
        return False


def start_ours(database: Path, work: Path) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    port = free_port()
    # --quiet: no access log line per request (what a deployment behind a proxy's log would run).
    service = spawn(
        "serve",
        [
            sys.executable,
            str(ROOT / "main.py"),
            "serve",
            "--port",
            str(port),
            "--quiet",
            "--database",
            f"sqlite:///{database}",
        ],
        work / "serve.log",
        ready=lambda: _answers(port),
        env=env,
    )
    return Server("ours", port, service.process.pid, service.stop)


def start_original(webapp: Path, database: Path, work: Path) -> Server:
    """The original API (tests/webapp.py runs it as the tests do) on a copy of ``database``."""
    runtime = unpack(webapp / API_RUNTIME, work / "api")
    copy = work / "original.db"
    shutil.copy(database, copy)
    api = WebApi(runtime, copy, "production", work / "original.log", env={"LOG_LEVEL": "error"})
    return Server("original", api.port, api.pid, api.stop)


def start_servers(database: Path, work: Path, webapp_arg: str | None, servers: dict[str, Server]) -> None:
    """Ours, then the original Node API where its files and node are here, into ``servers`` (the
    caller stops what was started, whatever happens half-way)."""
    servers["ours"] = start_ours(database, work)
    webapp = Path(webapp_arg) if webapp_arg else webapp_dir(API_RUNTIME)
    if webapp is None:
        print("original web API: not run (no ../shared/webapp; set NBA_WEBAPP_DIR or --webapp)")
    elif shutil.which("node") is None:
        print(f"original web API: not run ({NODE_MISSING})")
    else:
        servers["original"] = start_original(webapp, database, work)


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return float("nan")
    found = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
    return int(found.group(1)) / 1024 if found else float("nan")


# -- the run ----------------------------------------------------------------------------------------


def _same_answer(ports: dict[str, int], path: str) -> None:
    import http.client

    bodies = {}
    for name, port in ports.items():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path)
        bodies[name] = json.loads(conn.getresponse().read())
    if len({json.dumps(b, sort_keys=True) for b in bodies.values()}) != 1:
        raise RuntimeError(f"the servers answer {path} differently: {bodies}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per server and concurrency")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is reported")
    parser.add_argument("--database", help="an existing SQLite database URL (default: build a season)")
    parser.add_argument("--webapp", help="the original web app's folder (default: $NBA_WEBAPP_DIR or ../shared/webapp)")
    args = parser.parse_args()
    if args.webapp and not (Path(args.webapp) / API_RUNTIME).is_file():
        parser.error(f"--webapp {args.webapp}: no {API_RUNTIME} there (give the original web app's folder)")

    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        work = Path(tmp)
        if args.database:
            database = Path(args.database.removeprefix("sqlite:///"))
        else:
            started = time.perf_counter()
            database = season_database(work / "season.db")
            print(f"season database: {time.perf_counter() - started:.1f} s to store", file=sys.stderr)
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
            dates = [
                d
                for (d,) in conn.execute(
                    "SELECT DISTINCT date FROM games WHERE prediction_rating IS NOT NULL ORDER BY date"
                )
            ]
            games = conn.execute("SELECT count(*) FROM games WHERE prediction_rating IS NOT NULL").fetchone()[0]
        loads = {
            "api": [f"/api/v1/predictions?date={d}" for d in dates],
            "page": [f"/?date={d}" for d in dates],  # ours only: the original API has no page
        }
        paths = loads["api"]
        print(
            f"{games} rated games on {len(dates)} dates; loads: GET /api/v1/predictions?date=D and (ours) "
            f"GET /?date=D over those dates, plain and revalidating (If-None-Match), {args.seconds:g} s per run, "
            f"{os.cpu_count()} cores shared by servers and client"
        )

        servers: dict[str, Server] = {}
        try:
            start_servers(database, work, args.webapp, servers)
            _same_answer({name: server.port for name, server in servers.items()}, paths[len(paths) // 2])

            rounds: dict[tuple[str, int], list[Result]] = {}
            memory: dict[str, float] = {}
            # Rounds interleave the servers and modes, so a burst of load from elsewhere on the
            # machine falls on all of them; the median round is reported.
            for _ in range(args.rounds):
                for clients in CONCURRENCY:
                    for load, mode, name in RUNS:
                        if name not in servers:
                            continue
                        label = f"{name} {load} {mode}"
                        rounds.setdefault((label, clients), []).append(
                            measure(
                                label, servers[name].port, loads[load], clients, args.seconds, mode == "revalidating"
                            )
                        )
                        memory[name] = max(memory.get(name, 0.0), rss_mib(servers[name].pid))
            results = [median_round(runs) for runs in rounds.values()]
        finally:
            for server in servers.values():
                server.stop()
    report(results, memory, args.rounds)


def report(results: list[Result], memory: dict[str, float], rounds: int) -> None:
    print(f"\nmedian of {rounds} rounds")
    print(f"{'server, load, client':<34}{'clients':>8}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'304s':>7}{'errors':>8}")
    for r in results:
        share = f"{100 * r.not_modified / r.requests:.0f} %" if r.requests else "-"
        print(f"{r.server:<34}{r.clients:>8}{r.rate:>10.0f}{r.p50_ms:>9.2f}{r.p95_ms:>9.2f}{share:>7}{r.errors:>8}")
    print("\nresident memory after the load: " + ", ".join(f"{k} {v:.0f} MiB" for k, v in memory.items()))
    by = {(r.server, r.clients): r for r in results}
    print("\nrevalidating / plain, same server and load (requests/s: > 1 is faster)")
    for label in sorted({r.server.rsplit(" ", 1)[0] for r in results}):
        for clients in CONCURRENCY:
            plain, cond = by.get((f"{label} plain", clients)), by.get((f"{label} revalidating", clients))
            if plain and cond:
                print(f"  {label:<12} {clients:>2} clients: x{cond.rate / plain.rate:.2f}")
    if "original" in memory:
        print("\nours / original, API load (requests/s: > 1 is faster; latency: < 1 is faster)")
        for mode in ("plain", "revalidating"):
            for clients in CONCURRENCY:
                o, t = by[f"ours api {mode}", clients], by[f"original api {mode}", clients]
                print(
                    f"  {mode:<13}{clients:>2} client{'s' if clients > 1 else ' '}: requests/s x{o.rate / t.rate:.2f}, "
                    f"p50 x{o.p50_ms / t.p50_ms:.2f}, p95 x{o.p95_ms / t.p95_ms:.2f}"
                )
        print(f"  memory: x{memory['ours'] / memory['original']:.2f}")


if __name__ == "__main__":
    main()
