"""On-disk cache of API responses that cannot change any more.

What is kept and for how long is the caller's decision, made per response when it is stored:

* ``FOREVER``: a final game's play-by-play or summary, a scoreboard whose games are all final, a
  past season's game log -- read from disk on every later run, never fetched again;
* ``TODAY``: the current season's game log -- reused while it was fetched on the same (US Eastern)
  calendar day as now, fetched again on the next day.

Entries are gzip-compressed JSON envelopes ``{"fetched_at", "keep", "endpoint", "params", "payload"}``
written atomically by :func:`nba_predictions.core.atomic.write_bytes_atomic` (temporary file in the same
directory, then ``os.replace``; the permissions ``open()`` would give), so a crash never leaves half
an entry and concurrent readers see either the old or the new one.  An unreadable entry
is logged and treated as missing, then overwritten by the next fetch.
"""

from __future__ import annotations

import enum
import gzip
import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from nba_predictions.config import EASTERN
from nba_predictions.core.atomic import write_bytes_atomic

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")


class Keep(enum.Enum):
    FOREVER = "forever"
    TODAY = "today"


def _now() -> datetime:
    return datetime.now(tz=EASTERN)


class ResponseCache:
    """Responses under ``root/<endpoint>/<params>.json.gz``."""

    def __init__(self, root: Path, *, now: Callable[[], datetime] = _now) -> None:
        self.root = Path(root)
        self._now = now
        self.hits = 0
        self.misses = 0

    def path(self, endpoint: str, params: Mapping[str, object]) -> Path:
        parts = [f"{k}={'' if v is None else v}" for k, v in sorted(params.items())]
        name = _UNSAFE.sub("_", "&".join(parts)) or "_"
        return self.root / _UNSAFE.sub("_", endpoint.lower()) / f"{name}.json.gz"

    def get(self, endpoint: str, params: Mapping[str, object]) -> Any | None:
        """The cached payload, or ``None`` when absent, unreadable or stale."""
        path = self.path(endpoint, params)
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                envelope = json.load(f)
            fetched_at = datetime.fromisoformat(envelope["fetched_at"])
            keep = Keep(envelope["keep"])
            payload = envelope["payload"]
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            logger.warning("cache entry %s is unreadable (%s); fetching it again", path, exc)
            self.misses += 1
            return None
        if keep is Keep.TODAY and fetched_at.astimezone(EASTERN).date() != self._now().astimezone(EASTERN).date():
            logger.debug("cache entry %s was fetched %s; refreshing it today", path, fetched_at.date())
            self.misses += 1
            return None
        self.hits += 1
        return payload

    def discard(self, endpoint: str, params: Mapping[str, object]) -> None:
        """Remove an entry found wrong after it was stored (absent is fine)."""
        self.path(endpoint, params).unlink(missing_ok=True)

    def put(self, endpoint: str, params: Mapping[str, object], payload: Any, keep: Keep) -> Path:
        """Store ``payload`` atomically, to be reused as ``keep`` says, and return its path."""
        path = self.path(endpoint, params)
        envelope = {
            "fetched_at": self._now().isoformat(),
            "keep": keep.value,
            "endpoint": endpoint,
            "params": {k: v for k, v in sorted(params.items())},
            "payload": payload,
        }
        data = gzip.compress(json.dumps(envelope, separators=(",", ":")).encode("utf-8"), mtime=0)
        write_bytes_atomic(path, data)
        return path
