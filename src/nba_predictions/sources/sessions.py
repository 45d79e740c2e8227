"""The HTTP transport's parts that hold state across requests: the spacing between requests
(:class:`Spacing`), the ``requests`` sessions, plain and conditional (:class:`Sessions`), and the
bounded name resolution (:class:`Resolver`).
:mod:`nba_predictions.sources.http` composes them; nothing here decides what is retried."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nba_predictions.errors import FatalSourceError, RetryableSourceError

logger = logging.getLogger(__name__)


class Spacing:
    """Politeness: one request at a time, and at least ``min_interval_seconds`` from the end of one
    request to the start of the next, across threads -- and, with a ``shared`` lock file, across
    every process on the machine that names the same file (two collection runs at once, a watch
    beside a daily run).  Counts the requests sent.

    ``wait_turn`` takes the turn (the thread lock, then an exclusive ``flock`` on ``shared``) and
    holds it until ``ended``, which records when the request ended, in memory and in the file (the
    ``clock``'s reading: ``time.monotonic``, which is system-wide on Linux and macOS, so every
    process reads the same clock).  A recorded end later than now (a reboot, another clock) is
    ignored.  Without ``fcntl`` (Windows), or when the file cannot be opened (a read-only cache
    folder: said once in a warning), the spacing is per process, as it was before.
    """

    def __init__(
        self,
        min_interval_seconds: float,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        shared: Path | None = None,
    ) -> None:
        self.min_interval_seconds = min_interval_seconds
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._last_ended_at: float | None = None  # when the previous request ended (answer or failure)
        self.shared = shared
        self._file: Any = None  # the open lock file while this process holds the turn
        self.calls = 0

    def wait_turn(self) -> None:
        """Block until no other request is in flight and ``min_interval_seconds`` have passed since
        the previous one ended (in any process sharing the file); the caller then owns the turn
        until :meth:`ended`."""
        self._lock.acquire()
        try:
            self._file = _lock_file(self.shared) if self.shared is not None else None
            last = [t for t in (self._last_ended_at, _read_time(self._file)) if t is not None and t <= self._clock()]
            if last:
                wait = max(last) + self.min_interval_seconds - self._clock()
                if wait > 0:
                    self._sleep(wait)
            self.calls += 1
        except BaseException:
            self._release()
            raise

    def ended(self) -> None:
        """The request of the turn ended (answered or failed): record when, and give the turn up."""
        try:
            self._last_ended_at = self._clock()
            if self._file is not None:
                _write_time(self._file, self._last_ended_at)
        finally:
            self._release()

    def _release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            handle.close()  # closing the file releases its flock
        self._lock.release()


_warned: set[Path] = set()


def spacing_file(cache_dir: Path | str, source: str) -> Path:
    """The lock file every process's transport to ``source`` (``cdn``, ``nba_api``) shares."""
    return Path(cache_dir) / "spacing" / f"{source}.lock"


def _lock_file(path: Path) -> Any:
    """``path`` opened and exclusively locked (blocking), or None where that is not possible."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+b")  # noqa: SIM115 - held open across the request, closed by _release
    except OSError as exc:
        if path not in _warned:
            _warned.add(path)
            logger.warning("cannot open %s (%s): requests are spaced within this process only", path, exc)
        return None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    except BaseException:
        handle.close()
        raise
    return handle


def _read_time(handle: Any) -> float | None:
    if handle is None:
        return None
    handle.seek(0)
    text = handle.read().decode("ascii", "replace").strip()
    try:
        return float(text) if text else None
    except ValueError:  # a torn or foreign file: start the spacing afresh
        return None


def _write_time(handle: Any, value: float) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(repr(value).encode("ascii"))
    handle.flush()


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
