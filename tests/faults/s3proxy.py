"""A fault-injecting HTTP proxy on 127.0.0.1 in front of a real S3 server (moto's).

The client (s3fs through ``AWS_ENDPOINT_URL``) talks to the proxy; the proxy passes each request
on to the server unchanged, except the requests a test asked it to spoil.  Faults are decided by
request, never by time:

* ``status`` - answer the request with an S3 error (500 ``InternalError``, 503 ``SlowDown``)
  without passing it on;
* ``drop`` - a PUT: read half of its body, then close the connection (the server never sees it);
  a GET: pass it on, send the answer's headers and half of its body, then close the connection;
* ``hold`` - keep the request, unanswered, until :meth:`FaultProxy.release` (the client's read
  timeout ends it first), then close the connection without passing it on.

Each fault applies to the next ``times`` requests of one method whose path ends with a key.
:attr:`FaultProxy.seen` counts every request by ``(method, key path)``, spoiled or not.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ERROR_BODIES = {
    500: b"<Error><Code>InternalError</Code><Message>injected</Message></Error>",
    503: b"<Error><Code>SlowDown</Code><Message>injected</Message></Error>",
}
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "proxy-connection"}


@dataclass
class Fault:
    method: str
    key: str
    action: str  # "status", "drop" or "hold"
    times: int
    status: int = 503


class FaultProxy:
    """The proxy: ``url`` is what ``AWS_ENDPOINT_URL`` points at; stop it with :meth:`close`."""

    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.seen: Counter[tuple[str, str]] = Counter()
        self.held = threading.Semaphore(0)  # one release per request that reached a hold
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail(self, method: str, key: str, action: str, *, times: int = 1, status: int = 503) -> None:
        """Spoil the next ``times`` ``method`` requests whose path ends with ``key``."""
        if action not in ("status", "drop", "hold"):
            raise ValueError(f"unknown fault {action!r}")
        with self._lock:
            self._faults.append(Fault(method.upper(), key, action, times, status))

    def count(self, method: str, key: str) -> int:
        with self._lock:
            return sum(n for (m, path), n in self.seen.items() if m == method.upper() and path.endswith(key))

    def release(self) -> None:
        """Let every held request go (each is closed unanswered)."""
        self._release.set()

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def _take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            self.seen[(method, path)] += 1
            for fault in self._faults:
                if fault.method == method and fault.times > 0 and path.endswith(fault.key):
                    fault.times -= 1
                    return fault
        return None


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def _any(self) -> None:
            path = urlsplit(self.path).path
            fault = proxy._take(self.command, path)
            length = int(self.headers.get("Content-Length") or 0)
            if fault is not None and fault.action == "drop" and self.command == "PUT":
                self.rfile.read(length // 2)
                self._cut()
                return
            body = self.rfile.read(length) if length else b""
            if fault is not None and fault.action == "hold":
                proxy.held.release()
                proxy._release.wait()
                self._cut()
                return
            if fault is not None and fault.action == "status":
                answer = ERROR_BODIES[fault.status]
                self.send_response(fault.status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                return
            status, headers, payload = self._forward(body)
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in HOP_HEADERS and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if fault is not None and fault.action == "drop" and self.command != "HEAD":
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self._cut()
                return
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
            conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                answer = conn.getresponse()
                return answer.status, answer.getheaders(), answer.read()
            finally:
                conn.close()

        def _cut(self) -> None:
            """Close the connection at once (an RST, as a crashed server or a broken link)."""
            self.close_connection = True
            with contextlib.suppress(OSError):  # the client may have gone already
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.connection.shutdown(socket.SHUT_RDWR)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any  # noqa: N815 (http.server's names)

    return Handler
