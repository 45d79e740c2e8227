"""How the live stats source asks: the stats API's and the live CDN's base URLs, the transport that
sends the requests, the cache that keeps the answers, the one-line hint a failure carries, and
``--validate``'s probe.

Requests are built by nba_api's endpoint classes (their endpoint name and parameters); what to
fetch, what to trust and what to keep is decided above this module (:mod:`.listing`,
:mod:`.game_feeds`, :mod:`.season_logs`).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from nba_predictions.errors import SourceError
from nba_predictions.sources.cache import ResponseCache
from nba_predictions.sources.http import HttpTransport
from nba_predictions.sources.nba_api.hints import failure_hint
from nba_predictions.sources.nba_api.scoreboard import parse_scoreboard, scoreboard_request

DEFAULT_STATS_URL = "https://stats.nba.com/stats"
DEFAULT_CDN_URL = "https://cdn.nba.com/static/json/liveData"  # NBA_CDN_URL + /liveData

PROBE_DAY = date(2025, 11, 5)  # a past date with final games: its scoreboard can never change
PROBE_READ_TIMEOUT_SECONDS = 10.0  # --validate waits at most this long for the answer


class StatsApi:
    """The stats API (``stats_url``) and the live CDN (``cdn_url``) as one source reaches them."""

    def __init__(self, *, stats_url: str, cdn_url: str, transport: HttpTransport, cache: ResponseCache) -> None:
        self.stats_url = stats_url
        self.cdn_url = cdn_url
        self.transport = transport
        self.cache = cache
        self.last_day: date | None = None  # the date of the last completed_games call, for hints

    def fetch(self, base: str, endpoint: str, params: dict[str, Any]) -> Any:
        """The decoded answer of ``base/endpoint`` (never from the cache)."""
        return self.transport.get_json(f"{base}/{endpoint}", params)

    def stats(self, request: Any) -> tuple[str, dict[str, Any], Any | None]:
        """(endpoint, parameters, cached payload or None) of an nba_api request object."""
        params = dict(request.parameters)
        return request.endpoint, params, self.cache.get(request.endpoint, params)

    def stats_target(self, request: Any) -> tuple[str, str, dict[str, Any]]:
        """(base URL, endpoint, parameters) of an nba_api request object."""
        return self.stats_url, request.endpoint, dict(request.parameters)

    def with_hint(self, exc: SourceError, day: date | None = None) -> SourceError:
        """``exc`` on one line with the source's URL and what to try (for the run's target date:
        ``day``, else the last date whose games were asked for)."""
        hint = failure_hint(day or self.last_day)
        return type(exc)(f"nba_api source ({self.stats_url}): {exc}; {hint}")

    # -- checks (--validate) ----------------------------------------------------------------

    def describe(self) -> str:
        """Where the source asks: the configured stats API base URL."""
        return self.stats_url

    def probe_bound_seconds(self) -> float:
        """Upper bound on the wall time of :meth:`probe`."""
        return self.transport.worst_case_seconds(retries=0, read_timeout_seconds=self._probe_read_timeout())

    def _probe_read_timeout(self) -> float:
        return min(self.transport.read_timeout_seconds, PROBE_READ_TIMEOUT_SECONDS)

    def probe(self, day: date | None = None) -> str:
        """Ask the API once whether it answers: ScoreboardV3 of :data:`PROBE_DAY`, never from the
        cache, one attempt (no retries), within :meth:`probe_bound_seconds`.

        Returns a one-line description; raises :class:`SourceError` with the one-line hint (for
        ``day``, the run's target date) when the API cannot be reached or answers wrongly.
        """
        request = scoreboard_request(PROBE_DAY)
        started = time.monotonic()
        try:
            payload = self.transport.get_json(
                f"{self.stats_url}/{request.endpoint}",
                dict(request.parameters),
                retries=0,
                read_timeout_seconds=self._probe_read_timeout(),
            )
            games = parse_scoreboard(payload)
        except SourceError as exc:
            raise self.with_hint(exc, day) from exc
        return (
            f"live NBA API at {self.describe()} answered ScoreboardV3 for {PROBE_DAY} "
            f"({len(games)} games) in {time.monotonic() - started:.2f} s"
        )
