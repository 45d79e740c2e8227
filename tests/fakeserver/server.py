"""A small threaded HTTP server on 127.0.0.1 that answers like stats.nba.com and cdn.nba.com.

Routes (``{url}`` is ``http://127.0.0.1:<ephemeral port>``):

* ``{url}/stats/<endpoint>?<params>``   -- scoreboardv3, playbyplayv3, boxscoresummaryv3, leaguegamelog
* ``{url}/cdn/static/json/liveData/playbyplay/playbyplay_<game id>.json`` -- live CDN play-by-play

Recorded responses are replayed when they answer the request; otherwise a response of the same
shape is built from the facts source (see :mod:`tests.fakeserver.payloads`).  Like the real site it
wants ``Referer`` and ``User-Agent`` headers (403 without them) and rejects requests without the
endpoint's required parameters (400).  Unknown games or seasons get the site's 500 error body.

Faults are injected per endpoint (optionally only for matching parameters) for a number of requests
or for good, and are decided by request, never by timing: the server counts the matching requests
and faults the first ``times`` of them, whatever the machine's speed.  Kinds: ``hang`` (never
answer: the request is held until the client gives up and closes the connection, or the server
stops -- the client's read timeout is the only clock involved), ``delay`` (answer normally, but
only after ``seconds``: a slow answer, not a lost one), ``429``, ``500``, ``503``, ``404``,
``malformed`` (truncated JSON, HTTP 200), ``empty`` (the same document with empty result sets) and
``replace`` (HTTP 200 with a document the test gives: an API answering with wrong facts).
Every request is counted per endpoint, faulted or not, and ``log`` keeps each request's endpoint
and parameters in arrival order; ``timings`` keeps, per request, when it arrived and when its
answer started to be sent (server clock, ``time.monotonic``), for tests of client-side spacing.
"""

from __future__ import annotations

import json
import logging
import select
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from nba_predictions.core.season import Season
from nba_predictions.sources.base import Source
from tests.fakeserver.payloads import FIXTURES, Builder, Facts, empty_like, load_json, recorded_index, recorded_key

logger = logging.getLogger(__name__)

REQUIRED_PARAMS = {
    "scoreboardv3": ("GameDate", "LeagueID"),
    "playbyplayv3": ("GameID", "StartPeriod", "EndPeriod"),
    "boxscoresummaryv3": ("GameID",),
    "leaguegamelog": ("Season", "SeasonType", "PlayerOrTeam", "LeagueID"),
}
CDN_PREFIX = "/cdn/static/json/liveData/playbyplay/playbyplay_"
FAULT_KINDS = ("hang", "delay", "429", "500", "503", "404", "malformed", "empty", "replace")
HANG_CAP_SECONDS = 120.0  # a hung request is released after this even if the client never gives up
ERROR_BODY = '{"Message":"An error has occurred."}'


@dataclass
class Fault:
    endpoint: str
    kind: str
    times: int | None = 1  # None: every matching request
    seconds: float = 0.0
    match: dict[str, str] = field(default_factory=dict)
    retry_after: str | None = None
    payload: Any = None  # what a "replace" fault answers with

    def applies(self, endpoint: str, params: dict[str, str]) -> bool:
        if self.endpoint != endpoint or self.times == 0:
            return False
        return all(params.get(k) == v for k, v in self.match.items())


class FakeStatsServer:
    """``with FakeStatsServer(facts_source) as server: ... server.stats_url ...``"""

    def __init__(
        self,
        facts: Source | None = None,
        *,
        fixtures: Path = FIXTURES,
        replay_recorded: bool = True,
        today: date | None = None,
    ) -> None:
        """``today``: the server's clock -- built game logs then hold only games played before it,
        as the real log would on that day (recorded responses are replayed as they are)."""
        self.builder = Builder(Facts(facts) if facts is not None else None, fixtures)
        self.today = today
        self.recorded = recorded_index(fixtures) if replay_recorded else {}
        self.counts: Counter[str] = Counter()
        self.log: list[tuple[str, dict[str, str]]] = []
        self.timings: list[tuple[str, float, float | None]] = []  # (endpoint, arrived, answered or None)
        self.hung = 0  # requests held by a hang fault so far
        self.abandoned = 0  # of those, the ones the client gave up on (closed) before the server let go
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeStatsServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("fake stats server: " + format, *args)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-stats-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeStatsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def stats_url(self) -> str:
        return f"{self.url}/stats"

    @property
    def cdn_url(self) -> str:
        return f"{self.url}/cdn/static/json/liveData"

    # -- test controls -------------------------------------------------------------------------

    fault_kinds = FAULT_KINDS

    def inject(
        self,
        endpoint: str,
        kind: str,
        *,
        times: int | None = 1,
        seconds: float = 0.0,
        retry_after: str | None = None,
        payload: Any = None,
        **match: str,
    ) -> Fault:
        if kind not in self.fault_kinds:
            raise ValueError(f"unknown fault {kind!r}: use one of {', '.join(self.fault_kinds)}")
        if (kind == "replace") != (payload is not None):
            raise ValueError("a 'replace' fault needs a payload, and only it takes one")
        fault = Fault(endpoint, kind, times, seconds, dict(match), retry_after, payload)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def reset_counts(self) -> None:
        with self._lock:
            self.counts.clear()
            self.log.clear()
            self.timings.clear()

    def requests_for(self, endpoint: str, **match: str) -> int:
        """How many requests to ``endpoint`` with these parameters arrived (faulted or not)."""
        with self._lock:
            return sum(1 for e, p in self.log if e == endpoint and all(p.get(k) == v for k, v in match.items()))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    # -- request handling ----------------------------------------------------------------------

    def _take_fault(self, endpoint: str, params: dict[str, str]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.applies(endpoint, params):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if parts.path.startswith(CDN_PREFIX) and parts.path.endswith(".json"):
            endpoint = "cdn:playbyplay"
            params = {"gameId": parts.path[len(CDN_PREFIX) : -len(".json")]}
        elif parts.path.startswith("/stats/"):
            endpoint = parts.path[len("/stats/") :].lower()
        else:
            endpoint = parts.path
        with self._lock:
            self.counts[endpoint] += 1
            self.log.append((endpoint, params))
            index = len(self.timings)
            self.timings.append((endpoint, time.monotonic(), None))
        request._fake_timing_index = index  # type: ignore[attr-defined]

        if not request.headers.get("User-Agent") or not request.headers.get("Referer"):
            return self._send(request, 403, '{"Message":"Access denied: Referer and User-Agent required."}')
        missing = [p for p in REQUIRED_PARAMS.get(endpoint, ()) if p not in params]
        if missing:
            return self._send(request, 400, json.dumps({"Message": f"{', '.join(missing)} is required"}))

        fault = self._take_fault(endpoint, params)
        if fault is not None and fault.kind == "hang":
            with self._lock:
                self.hung += 1
            self._hold_until_client_leaves(request)
            return None
        if fault is not None and fault.kind == "delay":
            if self._stopping.wait(fault.seconds):
                return None
            fault = None  # then answer normally: the client has given up by now
        if fault is not None and fault.kind in ("429", "500", "503", "404"):
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return self._send(request, int(fault.kind), ERROR_BODY, headers)
        if fault is not None and fault.kind == "replace":
            return self._send(request, 200, json.dumps(fault.payload))
        try:
            payload = self._payload(endpoint, params, empty=fault is not None and fault.kind == "empty")
        except (LookupError, ValueError) as exc:
            logger.debug("fake stats server: %s %s: %s", endpoint, params, exc)
            payload = None
        if payload is None:
            return self._send(request, 500 if endpoint != "cdn:playbyplay" else 404, ERROR_BODY)
        body = json.dumps(payload)
        if fault is not None and fault.kind == "malformed":
            body = body[: max(1, len(body) // 2)]
        return self._send(request, 200, body)

    def response(self, endpoint: str, **params: str) -> Any:
        """The document the server answers ``endpoint`` with for ``params`` (no fault, not counted),
        for tests that derive a wrong answer from the right one."""
        return self._payload(endpoint, params, empty=False)

    def _payload(self, endpoint: str, params: dict[str, str], *, empty: bool) -> Any:
        key = recorded_key(endpoint, params)
        path = self.recorded.get((endpoint, key)) if key else None
        if path is not None:
            payload = load_json(path)
            return empty_like(payload) if empty else payload
        if endpoint == "scoreboardv3":
            return self.builder.scoreboard(date.fromisoformat(params["GameDate"]), empty=empty)
        if endpoint == "playbyplayv3":
            return self.builder.play_by_play(params["GameID"], empty=empty)
        if endpoint == "boxscoresummaryv3":
            return self.builder.summary(params["GameID"], empty=empty)
        if endpoint == "leaguegamelog":
            return self.builder.game_log(
                Season.parse(params["Season"]), params["SeasonType"], empty=empty, before=self.today
            )
        if endpoint == "cdn:playbyplay":
            return self.builder.cdn_play_by_play(params["gameId"], empty=empty)
        return None

    def settle_abandoned(self, expected: int, guard_seconds: float = 60.0) -> int:
        """``abandoned`` once it reaches ``expected`` (the client's close reaches the server's
        thread a moment after the client's call returns).  The guard only ends a broken test."""
        deadline = time.monotonic() + guard_seconds
        while self.abandoned < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.abandoned

    def _hold_until_client_leaves(self, request: BaseHTTPRequestHandler) -> None:
        """Answer nothing until the client closes the connection (its read timeout fired) or the
        server stops; then drop the connection.  No timer decides when the request fails."""
        connection = request.connection
        released_at = time.monotonic() + HANG_CAP_SECONDS
        while not self._stopping.is_set() and time.monotonic() < released_at:
            readable, _, _ = select.select([connection], [], [], 0.05)
            if readable:
                try:
                    closed = not connection.recv(1, socket.MSG_PEEK)  # b"": the client closed its end
                except OSError:
                    closed = True
                if closed:
                    with self._lock:
                        self.abandoned += 1
                    break
        request.close_connection = True

    def _send(
        self, request: BaseHTTPRequestHandler, status: int, body: str, headers: dict[str, str] | None = None
    ) -> None:
        data = body.encode("utf-8")
        # The answer's time is taken before its first byte is written: the client has it only after,
        # so a busy machine delaying this thread can only widen the gap a test measures before the next
        # request, never narrow it (taken after the write, a thread descheduled there narrowed it).
        index = getattr(request, "_fake_timing_index", None)
        if index is not None:
            with self._lock:
                endpoint, arrived, _ = self.timings[index]
                self.timings[index] = (endpoint, arrived, time.monotonic())
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json; charset=utf-8")
            request.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(data)
            request.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("fake stats server: client went away before the answer (status %d)", status)
