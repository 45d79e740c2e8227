"""The HTTP transport's parts that hold state across requests: the spacing between requests
(:class:`Spacing`), the ``requests`` sessions, plain and conditional (:class:`Sessions`), and the
bounded name resolution (:class:`Resolver`).
:mod:`nba_predictions.sources.http` composes them; nothing here decides what is retried."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nba_predictions.errors import FatalSourceError, RetryableSourceError


class Spacing:
    """Politeness: at least ``min_interval_seconds`` from the end of one request to the start of the
    next, across threads; counts the requests sent."""

    def __init__(self, min_interval_seconds: float, sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        self.min_interval_seconds = min_interval_seconds
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._last_ended_at: float | None = None  # when the previous request ended (answer or failure)
        self.calls = 0

    def wait_turn(self) -> None:
        """Block until ``min_interval_seconds`` have passed since the previous request ended."""
        with self._lock:
            if self._last_ended_at is not None:
                wait = self._last_ended_at + self.min_interval_seconds - self._clock()
                if wait > 0:
                    self._sleep(wait)
            self.calls += 1

    def ended(self) -> None:
        with self._lock:
            self._last_ended_at = self._clock()


class Sessions:
    """The transport's ``requests`` sessions, made on first use (imports stay lazy): a plain one, and
    one whose answers CacheControl keeps under ``cache_dir`` for conditional requests (see the
    module doc; without a ``cache_dir`` conditional requests go through the plain session)."""

    def __init__(self, headers: Mapping[str, str], proxy: str | None, cache_dir: Path | None) -> None:
        self.headers = headers
        self.proxy = proxy
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._plain: Any = None
        self._conditional: Any = None

    def plain(self) -> Any:
        if self._plain is None:
            self._plain = new_session(self.headers, self.proxy)
        return self._plain

    def conditional(self) -> Any:
        if self.cache_dir is None:
            return self.plain()
        if self._conditional is None:
            from cachecontrol import CacheControl
            from cachecontrol.caches.file_cache import FileCache

            self._conditional = CacheControl(
                new_session(self.headers, self.proxy), cache=FileCache(str(self.cache_dir))
            )
        return self._conditional

    def forget(self, url: str) -> None:
        if self.cache_dir is None:
            return
        controller = self.conditional().get_adapter(url).controller
        controller.cache.delete(controller.cache_url(url))

    def close(self) -> None:
        for session in (self._plain, self._conditional):
            if session is not None:
                session.close()
        self._plain = self._conditional = None


def new_session(headers: Mapping[str, str], proxy: str | None) -> Any:
    """A ``requests.Session`` with these headers, through ``proxy`` if one is given."""
    import requests

    session = requests.Session()
    session.headers.update(headers)
    if proxy:
        session.proxies = {"http": proxy, "https": proxy}
    return session


class Resolver:
    """Resolve a host's name within the connect timeout: requests' connect timeout does not cover
    ``getaddrinfo``, which can hang for a host the resolver cannot reach (see the http module's
    docstring).  A host that resolved once is not checked again."""

    def __init__(self, resolve: Callable[[str, int], object], timeout: float, clock: Callable[[], float]) -> None:
        self._resolve = resolve
        self.timeout = timeout
        self._clock = clock
        self._resolved: set[str] = set()

    def check(self, url: str, where: str) -> None:
        import requests

        parts = urlsplit(url)
        host = parts.hostname
        if not host or host in self._resolved or requests.utils.get_environ_proxies(url):
            return  # through a proxy, the proxy resolves the name
        port = parts.port or (443 if parts.scheme == "https" else 80)
        started = self._clock()
        finished, error = _lookup(self._resolve, host, port, self.timeout)
        if not finished:  # still waiting on the resolver: abandon it (daemon thread)
            raise RetryableSourceError(
                f"{where}: connect timeout after {self._clock() - started:.1f} s resolving {host}", timeout=True
            )
        if isinstance(error, OSError):
            origin = f"{parts.scheme}://{parts.netloc}"
            raise FatalSourceError(f"{where}: cannot connect to {origin} (failed to resolve {host}: {error})")
        if error is not None:
            raise error
        self._resolved.add(host)


def _lookup(
    resolve: Callable[[str, int], object], host: str, port: int, timeout: float
) -> tuple[bool, BaseException | None]:
    """Run ``resolve(host, port)`` on a daemon thread for at most ``timeout`` seconds: (whether it
    finished, the exception it raised).  A lookup still running is left to finish on its own."""
    outcome: list[BaseException | None] = []

    def lookup() -> None:
        try:
            resolve(host, port)
            outcome.append(None)
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)

    worker = threading.Thread(target=lookup, name=f"resolve-{host}", daemon=True)
    worker.start()
    worker.join(timeout)
    return (bool(outcome), outcome[0] if outcome else None)
