"""The date listing under load: ``nba-predictions serve`` against the original Node web API.

Usage::

    python benchmarks/bench_web.py [--seconds S] [--rounds N] [--database URL] [--webapp DIR]

A season database (the real 2023-24 regular season's ids, dates and teams, stored by our storage
step; see bench_storage.py) is served by ``python main.py serve`` (one uvicorn process, as
deployed) and, when ``node`` and the original web app (``../shared/webapp``, or ``--webapp``)
are here, by the original API on a copy of the same file.  ``--database`` benchmarks an existing
SQLite database instead (e.g. one ``nba-predictions backfill`` wrote).

The load is ``GET /api/v1/predictions?date=D`` (what the front end asks), cycling through the
season's dates, from 1 and from 50 concurrent keep-alive clients for ``--seconds`` each (after a
warm-up), sent by a small asyncio HTTP/1.1 client in this process, in ``--rounds`` rounds that
take turns between the servers (the median round is reported).  Prints requests/s, p50 and
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
import signal
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

CONCURRENCY = (1, 50)


@dataclass(frozen=True)
class Result:
    server: str
    clients: int
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


# -- a minimal keep-alive HTTP/1.1 client (the load generator must cost less than the servers) ------


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str) -> tuple[int, bytes]:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    if length is None:
        raise RuntimeError(f"{path}: the answer has no Content-Length (chunked answers are not expected)")
    return status, await reader.readexactly(int(length.group(1)))


async def _load(port: int, paths: list[str], clients: int, seconds: float, warmup: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + seconds

    async def client(n: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = n
        try:
            while True:
                sent = time.perf_counter()
                if sent >= stop_at:
                    return
                status, _ = await _get(reader, writer, f"127.0.0.1:{port}", paths[i % len(paths)])
                done = time.perf_counter()
                if sent >= measure_from:
                    latencies.append(done - sent)
                    errors += status != 200
                i += clients
        finally:
            writer.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, errors


def measure(name: str, port: int, paths: list[str], clients: int, seconds: float) -> Result:
    latencies, errors = asyncio.run(_load(port, paths, clients, seconds, warmup=min(2.0, seconds / 2)))
    ordered = sorted(latencies)
    return Result(name, clients, len(ordered), seconds, 1000 * statistics.median(ordered),
                  1000 * ordered[int(0.95 * (len(ordered) - 1))], errors)


def median_round(runs: list[Result]) -> Result:
    """The round with the median request rate (its latencies belong to it)."""
    return sorted(runs, key=lambda r: r.rate)[len(runs) // 2]


# -- the servers ------------------------------------------------------------------------------------


def season_database(target: Path) -> Path:
    from bench_storage import one_run, season_document

    one_run(season_document(), f"sqlite:///{target}")
    return target


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen) -> None:
    import http.client

    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not answer its health route")


def _start(name: str, command: Callable[[int], list[str]], env: dict[str, str], cwd: Path | None = None,
           ) -> tuple[subprocess.Popen, int]:
    """``command(port)`` started on a free port (retried if another process takes the port first)."""
    for _ in range(5):
        port = _free_port()
        proc = subprocess.Popen(command(port), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for(port, proc)
            return proc, port
        except RuntimeError:
            proc.kill()
            proc.wait()
    raise RuntimeError(f"{name} did not start")


def start_ours(database: Path) -> tuple[subprocess.Popen, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    # --quiet: no access log line per request (what a deployment behind a proxy's log would run).
    return _start("nba-predictions serve", lambda port: [
        sys.executable, str(ROOT / "main.py"), "serve", "--port", str(port), "--quiet",
        "--database", f"sqlite:///{database}"], env)


def start_original(webapp: Path, database: Path, work: Path) -> tuple[subprocess.Popen, int]:
    with tarfile.open(webapp / "api-runtime.tar.gz") as archive:
        archive.extractall(work / "api", filter="data")
    copy = work / "original.db"
    shutil.copy(database, copy)
    env = {**os.environ, "DB_PATH": str(copy), "NODE_ENV": "production", "RATE_LIMIT_MAX_REQUESTS": "1000000000",
           "LOG_LEVEL": "error", "LOG_FILE": str(work / "api.log")}
    server = str(work / "api" / "dist" / "server.js")
    return _start("the original web API", lambda port: ["env", f"PORT={port}", "node", server], env, cwd=work)


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return float("nan")
    found = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
    return int(found.group(1)) / 1024 if found else float("nan")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def find_webapp(given: str | None) -> Path | None:
    if given:
        return Path(given)
    for parent in ROOT.parents:
        if (parent / "shared" / "webapp" / "api-runtime.tar.gz").is_file():
            return parent / "shared" / "webapp"
    return None


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
    parser.add_argument("--webapp", help="the original web app's folder (default: ../shared/webapp)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        work = Path(tmp)
        if args.database:
            database = Path(args.database.removeprefix("sqlite:///"))
        else:
            started = time.perf_counter()
            database = season_database(work / "season.db")
            print(f"season database: {time.perf_counter() - started:.1f} s to store", file=sys.stderr)
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
            dates = [d for (d,) in conn.execute("SELECT DISTINCT date FROM games WHERE prediction_rating IS NOT NULL "
                                                "ORDER BY date")]
            games = conn.execute("SELECT count(*) FROM games WHERE prediction_rating IS NOT NULL").fetchone()[0]
        paths = [f"/api/v1/predictions?date={d}" for d in dates]
        print(f"{games} rated games on {len(dates)} dates; load: GET /api/v1/predictions?date=D over those dates, "
              f"{args.seconds:g} s per run, {os.cpu_count()} cores shared by servers and client")

        servers: dict[str, tuple[subprocess.Popen, int]] = {}
        try:
            servers["ours"] = start_ours(database)
            webapp = find_webapp(args.webapp)
            if webapp is not None and shutil.which("node"):
                servers["original"] = start_original(webapp, database, work)
            else:
                print("original web API: not run (needs node and ../shared/webapp, or --webapp)")
            _same_answer({name: port for name, (_, port) in servers.items()}, paths[len(paths) // 2])

            rounds: dict[tuple[str, int], list[Result]] = {}
            memory: dict[str, float] = {}
            # Rounds interleave the servers, so a burst of load from elsewhere on the machine
            # falls on both; the median round is reported.
            for _ in range(args.rounds):
                for clients in CONCURRENCY:
                    for name, (proc, port) in servers.items():
                        rounds.setdefault((name, clients), []).append(measure(name, port, paths, clients, args.seconds))
                        memory[name] = max(memory.get(name, 0.0), rss_mib(proc.pid))
            results = [median_round(runs) for runs in rounds.values()]
        finally:
            for proc, _ in servers.values():
                stop(proc)

    print(f"\nmedian of {args.rounds} rounds")
    print(f"{'server':<10}{'clients':>8}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for r in results:
        print(f"{r.server:<10}{r.clients:>8}{r.rate:>10.0f}{r.p50_ms:>9.2f}{r.p95_ms:>9.2f}{r.errors:>8}")
    print("\nresident memory after the load: " + ", ".join(f"{k} {v:.0f} MiB" for k, v in memory.items()))
    if "original" in servers:
        print("\nours / original (requests/s: > 1 is faster; latency: < 1 is faster)")
        by = {(r.server, r.clients): r for r in results}
        for clients in CONCURRENCY:
            o, t = by["ours", clients], by["original", clients]
            print(f"  {clients:>2} client{'s' if clients > 1 else ' '}: requests/s x{o.rate / t.rate:.2f}, "
                  f"p50 x{o.p50_ms / t.p50_ms:.2f}, p95 x{o.p95_ms / t.p95_ms:.2f}")
        print(f"  memory: x{memory['ours'] / memory['original']:.2f}")


if __name__ == "__main__":
    main()
