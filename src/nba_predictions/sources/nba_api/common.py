"""What every parser of the live source shares: nba_api's flattening of a decoded response into
named data sets, and the checks that turn a missing data set or value into an error.

No request is built here and nothing is fetched: the parsers take decoded JSON (from
:class:`~nba_predictions.sources.http.HttpTransport` or the disk cache) and return domain values.
API column names appear only in the parser modules.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from nba_predictions.errors import FatalSourceError

Rows = list[dict[str, Any]]


@functools.cache
def _decoded_response_class() -> type:
    """nba_api's stats response class, fed an already decoded document instead of a body."""
    from nba_api.stats.library.http import NBAStatsResponse

    class DecodedResponse(NBAStatsResponse):
        def __init__(self, payload: dict[str, Any]) -> None:
            super().__init__(response="", status_code=200, url=None)
            self._payload = payload

        def get_dict(self) -> dict[str, Any]:
            return self._payload

    return DecodedResponse


def data_sets(endpoint: str, payload: Any, root: str) -> dict[str, Rows]:
    """nba_api's flattening of a decoded ``endpoint`` response: data set name -> rows (dicts).

    nba_api's response class does the flattening (its V3 parser for the endpoint's nested
    document, or the ``resultSets`` tables of the older endpoints), handed the decoded payload
    directly: no request object is built for it.  ``root`` is the top-level key the document must
    have -- nba_api's V3 parsers read a missing one as "no rows", which would turn a wrong document
    into a day without games or a game without actions.
    """
    if not isinstance(payload, dict):
        raise FatalSourceError(f"{endpoint}: expected a JSON object, got {type(payload).__name__}")
    if root not in payload:
        keys = ", ".join(sorted(map(str, payload))[:5]) or "none"
        raise FatalSourceError(f"{endpoint}: response has no {root!r} (top-level keys: {keys})")
    response = _decoded_response_class()(payload)
    try:
        sets = response.get_data_sets(None if root == "resultSets" else endpoint)
        return {
            str(name): [dict(zip(data["headers"], row, strict=True)) for row in data["data"] or []]
            for name, data in sets.items()
        }
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise FatalSourceError(
            f"{endpoint}: response does not have the expected shape ({type(exc).__name__}: {exc})"
        ) from None


def rows(sets: dict[str, Rows], name: str, endpoint: str) -> Rows:
    if name not in sets:
        raise FatalSourceError(f"{endpoint}: data set {name} is missing from the response")
    return sets[name]


def required(row: dict[str, Any], column: str, where: str) -> Any:
    value = row[column]  # a missing column is a KeyError: caught by the caller as a bad payload
    if value is None or value == "":
        raise FatalSourceError(f"{where}: {column} is missing")
    return value


def endpoint_name(module: str, cls: str) -> str:
    """The endpoint name nba_api's class ``cls`` requests (its class attribute, no instance)."""
    return str(getattr(importlib.import_module(f"nba_api.stats.endpoints.{module}"), cls).endpoint)
