"""A forward HTTP proxy for the browser tests: the front end's fixed ``127.0.0.1:3001`` without port 3001.

The original front end calls its API at ``http://127.0.0.1:3001``, fixed in its built files,
which we serve unchanged.  Port 3001 may be taken on a shared machine (another test run, another
server), and tests never bind fixed ports.  So Chromium is started with this proxy
(``--proxy-server``, and ``--proxy-bypass-list=<-loopback>`` so loopback goes through it too),
and the proxy forwards a request for ``127.0.0.1:3001`` to our server on whatever port it got.
Nothing else changes: the browser still sends the page's ``Origin``, makes its own CORS
decisions on our server's answers, and sees ``127.0.0.1:3001`` in every URL.  Other loopback
addresses are passed through as they are; anything else (Chromium's background requests to the
internet) is refused, so the tests stay offline.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "proxy-authenticate",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}
LOOPBACK = {"127.0.0.1", "localhost"}


@dataclass
class Forwarded:
    method: str
    url: str  # as the browser asked for it
    status: int
    request_headers: dict[str, str]
    response_headers: dict[str, str]


@dataclass
class PortProxy:
    port: int
    routes: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)  # (host, port) -> (host, port)
    seen: list[Forwarded] = field(default_factory=list)

    @property
    def chromium_args(self) -> list[str]:
        return [f"--proxy-server=http://127.0.0.1:{self.port}", "--proxy-bypass-list=<-loopback>"]


def _handler(proxy: PortProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            asked = urlsplit(self.path)
            host, port = asked.hostname or "", asked.port or 80
            if asked.scheme != "http" or host not in LOOPBACK:
                self.send_error(502, "the test proxy only forwards to loopback")
                return
            target = proxy.routes.get((host, port), (host, port))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream = http.client.HTTPConnection(*target, timeout=60)
            try:
                upstream.request(
                    self.command, asked.path + (f"?{asked.query}" if asked.query else ""), body=body, headers=headers
                )
                answer = upstream.getresponse()
                data = answer.read()
            finally:
                upstream.close()
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP | {"content-length"}]
            proxy.seen.append(Forwarded(self.command, self.path, answer.status, headers, dict(kept)))
            self.send_response(answer.status, answer.reason)
            for key, value in kept:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_HEAD = do_OPTIONS = do_POST = _forward  # noqa: N815 -- BaseHTTPRequestHandler's names

        def do_CONNECT(self) -> None:
            self.send_error(502, "the test proxy makes no tunnels")

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def port_proxy() -> Iterator[PortProxy]:
    proxy = PortProxy(0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    proxy.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def static_files(directory: str) -> Iterator[int]:
    """The built front end served as plain files (what ``python -m http.server`` does); yields the port."""
    import functools
    from http.server import SimpleHTTPRequestHandler

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=directory))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
