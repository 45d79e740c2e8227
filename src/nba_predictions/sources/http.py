"""HTTP transport for the NBA stats API: returns decoded JSON, nothing else.

This is the only module that sorts HTTP outcomes into errors:

* timeouts (connect or read), HTTP 429 and HTTP 5xx -> :class:`RetryableSourceError`, retried
  with exponential backoff and jitter (``Retry-After`` is honoured on 429, capped);
* any other 4xx, a body that is not JSON, and a host that cannot be reached at all (DNS failure,
  connection refused) -> :class:`FatalSourceError`, never retried.  Retrying a refused connection
  or an unknown host only makes an unreachable API slower to report.

Name resolution is bounded too: requests' connect timeout does not cover it (``getaddrinfo``
blocks for as long as the system resolver waits -- often 5 s per attempt and name server -- on a
machine whose DNS times out instead of answering), so the first request to a host resolves the
name in a daemon thread and gives up at the connect timeout (a connect timeout, retried like one).

Calls go one at a time and are spaced by a minimum interval (polite to stats.nba.com, which
throttles bursts) that is shared by retries -- and, given a ``spacing_file`` (the sources use
``NBA_API_CACHE_DIR/spacing/<source>.lock``), by every process on the machine naming that file:
two collection runs at once keep the limit together (:class:`~.sessions.Spacing`).
The interval runs from when the previous request *ended* (its answer read, or
its failure), not from when it started: a request whose name lookup or connect took long arrives
late, and a gap measured from its start would let the next one follow it closer than the interval.
The worst case of one call is therefore bounded:
``(retries + 1) * (connect + read timeout) + connect timeout + sum of backoffs`` -- see
:meth:`HttpTransport.worst_case_seconds`.

Two options serve the source chain and the CDN source (``--source auto``, :mod:`.chain`):

* ``give_up_on_timeout``: a timeout is not retried, and the host is remembered as unresponsive:
  every later request to it fails at once with :class:`UnresponsiveSourceError` (a source that
  hangs costs one timeout per run, then the chain passes it over);
* ``conditional_cache``: requests made with ``conditional=True`` (the CDN's season schedule) go
  through CacheControl, a maintained HTTP caching library for requests: the answer is kept on disk
  with its ``ETag`` / ``Last-Modified`` and the next request for it is conditional
  (``If-None-Match`` / ``If-Modified-Since``; a 304 costs no body).  An answer that is not valid
  JSON is dropped from that cache at once, and a caller that finds an answer incomplete drops it
  with :meth:`HttpTransport.forget`.

Why not nba_api's own HTTP layer (``NBAStatsHTTP.send_api_request``)?  In nba_api 1.12 it never
looks at the status code (a 429 or an HTML 500 page comes back as a "response"), has no retries,
backoff or spacing, raises bare ``Exception`` for invalid JSON, and keeps ``base_url`` and the
``requests.Session`` as *class* attributes, so pointing it at another server means mutating
process-global state shared by every caller and thread.  nba_api still builds each request (endpoint
name and parameters) and flattens each response; see :mod:`nba_predictions.sources.nba_api`.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nba_predictions.errors import FatalSourceError, RetryableSourceError, UnresponsiveSourceError
from nba_predictions.sources.sessions import Resolver, Sessions, Spacing

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/145.0.0.0 Safari/537.36"
)


def default_headers() -> dict[str, str]:
    """Browser-like headers stats.nba.com requires (it stalls requests without Referer/User-Agent).

    Taken from the installed nba_api, whose maintainers keep them current, minus ``Host`` (requests
    derives it from the URL, so a proxy or a local server works) and with an ``Accept-Encoding``
    that requests can decode without the optional brotli package.
    """
    try:
        from nba_api.stats.library.http import STATS_HEADERS
    except ImportError:  # nba_api is a dependency; this only guards a broken install
        nba_api_headers: dict[str, str] = {}
    else:
        nba_api_headers = STATS_HEADERS
    headers = {k: v for k, v in nba_api_headers.items() if k.lower() != "host"}
    headers.setdefault("User-Agent", DEFAULT_USER_AGENT)
    headers.setdefault("Referer", "https://www.nba.com/")
    headers.setdefault("Accept", "application/json, text/plain, */*")
    headers["Origin"] = "https://www.nba.com"
    headers["Accept-Encoding"] = "gzip, deflate"
    return headers


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before retrying a retryable failure."""

    retries: int = 4
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 30.0
    retry_after_cap_seconds: float = 60.0

    def delay(self, attempt: int, rng: Callable[[], float], retry_after: float | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 0).

        Exponential backoff with "equal jitter": half the step is fixed, half random, so retries from
        several clients spread out but never collapse to zero wait.
        """
        step = min(self.backoff_cap_seconds, self.backoff_base_seconds * (2**attempt))
        delay = step / 2 + rng() * step / 2
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.retry_after_cap_seconds))
        return delay

    def worst_case_seconds(self, connect_timeout: float, read_timeout: float, retries: int | None = None) -> float:
        """Upper bound on the wall time of one request with these timeouts and its retries
        (spacing and ``Retry-After`` waits beyond the backoff excluded).

        Each attempt either gives up resolving the host's name at the connect timeout or connects
        and reads within both timeouts; the one attempt whose name lookup succeeds may add up to a
        connect timeout to that.
        """
        retries = self.retries if retries is None else retries
        waits = sum(max(min(self.backoff_cap_seconds, self.backoff_base_seconds * 2**i), 0.0) for i in range(retries))
        return (retries + 1) * (connect_timeout + read_timeout) + connect_timeout + waits


class HttpTransport:
    """GET JSON documents with timeouts, spacing, classification and bounded retries.

    ``calls`` counts HTTP requests actually sent (retries included), for logs and benchmarks.
    """

    def __init__(
        self,
        *,
        timeout_seconds: float = 30.0,
        connect_timeout_seconds: float | None = None,
        min_interval_seconds: float = 0.6,
        retry: RetryPolicy | None = None,
        proxy: str | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
        resolve: Callable[[str, int], object] = socket.getaddrinfo,
        give_up_on_timeout: bool = False,
        conditional_cache: Path | None = None,
        spacing_file: Path | None = None,
    ) -> None:
        if timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds={timeout_seconds} must be positive")
        if min_interval_seconds < 0:
            raise ValueError(f"min_interval_seconds={min_interval_seconds} must not be negative")
        self.read_timeout_seconds = float(timeout_seconds)
        self.connect_timeout_seconds = float(
            connect_timeout_seconds if connect_timeout_seconds is not None else min(timeout_seconds, 10.0)
        )
        self.min_interval_seconds = float(min_interval_seconds)
        self.retry = retry or RetryPolicy()
        self.proxy = proxy or None
        self.headers = dict(headers) if headers is not None else default_headers()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._resolver = Resolver(resolve, self.connect_timeout_seconds, clock)
        self._spacing = Spacing(self.min_interval_seconds, sleep, clock, spacing_file)
        self.give_up_on_timeout = give_up_on_timeout
        self._unresponsive: dict[str, str] = {}  # host -> the timeout that made it unresponsive
        self._sessions = Sessions(self.headers, self.proxy, conditional_cache)
        self.revalidated = 0  # conditional requests answered from the cache (a 304: the cached body reused)

    @property
    def calls(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return self._spacing.calls

    @property
    def conditional_cache(self) -> Path | None:
        return self._sessions.cache_dir

    def worst_case_seconds(self, retries: int | None = None, read_timeout_seconds: float | None = None) -> float:
        """Upper bound on the wall time of one :meth:`get_json` call with the same arguments."""
        read = self.read_timeout_seconds if read_timeout_seconds is None else read_timeout_seconds
        return self.retry.worst_case_seconds(self.connect_timeout_seconds, read, retries)

    def forget(self, url: str) -> None:
        """Drop the conditional cache's copy of ``url`` (an answer found incomplete is never kept)."""
        self._sessions.forget(url)

    def unresponsive(self, url: str) -> str | None:
        """Why requests to ``url``'s host are no longer sent this run, or None."""
        return self._unresponsive.get(_host(url))

    def close(self) -> None:
        self._sessions.close()

    def get_json(
        self,
        url: str,
        params: Mapping[str, object] | None = None,
        *,
        retries: int | None = None,
        read_timeout_seconds: float | None = None,
        conditional: bool = False,
    ) -> Any:
        """The decoded JSON body of ``GET url?params``; retries retryable failures.

        ``conditional``: through the conditional cache (when the transport has one).  Under
        ``give_up_on_timeout`` a timeout is final and a host that timed out is not asked again
        (:class:`UnresponsiveSourceError`).

        Raises :class:`RetryableSourceError` once retries are exhausted (the message says how many
        attempts were made) and :class:`FatalSourceError` at once for a permanent failure.
        ``retries`` and ``read_timeout_seconds`` override the transport's for this call (a
        reachability probe makes one short attempt).
        """
        read_timeout = self.read_timeout_seconds if read_timeout_seconds is None else float(read_timeout_seconds)
        passed_over = self.unresponsive(url)
        if passed_over is not None:
            raise UnresponsiveSourceError(f"{_describe(url, [])}: not asked ({passed_over})")
        # nba_api sorts parameters by name ("for some reason this matters for some requests"),
        # and it keeps URLs stable for logs; None becomes an empty value as stats.nba.com expects.
        query = sorted(((k, "" if v is None else str(v)) for k, v in (params or {}).items()))
        attempts = (self.retry.retries if retries is None else retries) + 1
        last_error: RetryableSourceError | None = None
        for attempt in range(attempts):
            try:
                return self._attempt(url, query, read_timeout, conditional)
            except RetryableSourceError as exc:
                if self.give_up_on_timeout and exc.timeout:
                    self._unresponsive[_host(url)] = f"{_host(url)} did not answer within its timeout earlier this run"
                    raise UnresponsiveSourceError(f"{exc}; not asked again this run") from exc
                last_error = exc
                if attempt + 1 >= attempts:
                    break
                delay = self.retry.delay(attempt, self._rng, exc.retry_after)
                logger.warning("%s (attempt %d of %d); retrying in %.2f s", exc, attempt + 1, attempts, delay)
                self._sleep(delay)
        assert last_error is not None
        raise RetryableSourceError(f"{last_error} -- gave up after {attempts} attempts") from last_error

    def _attempt(self, url: str, query: list[tuple[str, str]], read_timeout: float, conditional: bool = False) -> Any:
        import requests

        session = self._sessions.conditional() if conditional else self._sessions.plain()
        where = _describe(url, query)
        self._spacing.wait_turn()  # the turn is ours until ended(), in the finally below
        started = self._clock()
        try:
            if not self.proxy:  # through a proxy, the proxy resolves the name
                self._resolver.check(url, where)
            response = session.get(url, params=query, timeout=(self.connect_timeout_seconds, read_timeout))
        except requests.exceptions.Timeout as exc:
            kind = "connect" if isinstance(exc, requests.exceptions.ConnectTimeout) else "read"
            raise RetryableSourceError(
                f"{where}: {kind} timeout after {self._clock() - started:.1f} s", timeout=True
            ) from None
        except requests.exceptions.ConnectionError as exc:
            raise FatalSourceError(f"{where}: cannot connect to {_host(url)} ({_reason(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise FatalSourceError(f"{where}: request failed ({_reason(exc)})") from None
        finally:
            self._spacing.ended()  # the body is read by now (no streaming): the next interval starts here
        logger.debug("GET %s -> HTTP %d in %.2f s", where, response.status_code, self._clock() - started)
        _check_status(response, where)
        if conditional and getattr(response, "from_cache", False):
            self.revalidated += 1
            logger.debug("GET %s: not modified, the cached answer reused", where)
        try:
            return json.loads(response.content)
        except ValueError as exc:
            if conditional:
                self.forget(url)
            raise FatalSourceError(f"{where}: response is not valid JSON ({exc})") from None


def _check_status(response: Any, where: str) -> None:
    """A retryable error for 429 and 5xx, a fatal one (with its status) for any other non-200."""
    status = response.status_code
    if status == 429 or 500 <= status <= 599:
        raise RetryableSourceError(
            f"{where}: HTTP {status}", retry_after=_retry_after(response.headers.get("Retry-After"))
        )
    if status != 200:
        raise FatalSourceError(f"{where}: HTTP {status} {response.reason or ''}".rstrip(), status=status)


def _describe(url: str, query: list[tuple[str, str]]) -> str:
    path = urlsplit(url).path.rsplit("/", 1)[-1] or url
    args = "&".join(f"{k}={v}" for k, v in query if v != "")
    return f"{path}?{args}" if args else path


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, on one line."""
    text = str(exc)
    for marker in ("Failed to resolve", "Name or service not known", "Connection refused", "Network is unreachable"):
        if marker in text:
            return marker.lower()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
