"""The webhook: after storage, post the newly rated games worth watching (``NBA_NOTIFY_*``).

Only the date run (the daily job), the dated storage step (``nba-predictions step storage``, the
Prefect storage worker: :mod:`nba_predictions.runs.dated`) and ``watch`` notify, once per
storage: a backfill rates past seasons and would flood a channel, so it never posts (docs/WEB.md,
"Notifications").  A game is posted when its row was written by this storage (new, or re-rated
with ``--force``; a rerun that skips stored games posts nothing), its rating is at least
``NBA_NOTIFY_MIN`` (default the good threshold) and, with ``NBA_NOTIFY_TEAMS``, one of its teams is listed.

One POST per storage, a JSON body Slack and Discord both read (``text`` for Slack, ``content``
for Discord): one line per game with the teams, the date, the class of its rating and its tags.
No score, no margin, no winner, no rating number.  A webhook that fails (refused, an HTTP error,
no answer within ``NBA_NOTIFY_TIMEOUT`` seconds) is logged as a warning and reported in the run
summary (``notification``); it never fails the run or changes its exit code.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Collection, Sequence

from nba_predictions.config import Settings
from nba_predictions.documents.models import Prediction
from nba_predictions.features.tags import TAGS_BY_NAME, tags_of

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1900
"""Discord refuses a ``content`` over 2,000 characters; longer messages are cut at a line."""


def chosen(settings: Settings, predictions: Sequence[Prediction], written: Collection[str]) -> list[Prediction]:
    """The predictions to post: written by this storage, rated at least the threshold, of the teams."""
    notify = settings.notify
    least = settings.good_threshold if notify.least is None else notify.least
    teams = set(notify.teams)
    return [
        p
        for p in predictions
        if p.game_id in written
        and p.rating >= least
        and (not teams or {p.raw_data.home_team_abbreviation, p.raw_data.away_team_abbreviation} & teams)
    ]


def message(predictions: Sequence[Prediction]) -> str:
    """The post's text: one spoiler-free line per game, best first."""
    lines = ["Worth watching:"]
    for p in sorted(predictions, key=lambda p: (-p.rating, p.game_id)):
        raw = p.raw_data
        tags = [TAGS_BY_NAME[name].text for name in tags_of(p.features.model_dump())]
        why = f" ({', '.join(tags)})" if tags else ""
        line = f"- {raw.away_team_abbreviation} at {raw.home_team_abbreviation}, {raw.date}: {p.classification}{why}"
        if len("\n".join([*lines, line])) > MAX_MESSAGE_CHARS:
            lines.append(f"- and {len(predictions) - len(lines) + 1} more")
            break
        lines.append(line)
    return "\n".join(lines)


def notify_stored(settings: Settings, predictions: Sequence[Prediction], written: Collection[str]) -> str | None:
    """Post the chosen games; the outcome for the run summary (None: nothing to post or no webhook)."""
    url = settings.notify.url
    if url is None:
        return None
    games = chosen(settings, predictions, written)
    if not games:
        return None
    text = message(games)
    body = json.dumps({"text": text, "content": text}).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": "nba-predictions"}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.notify.timeout_seconds) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        return _failed(f"the webhook answered HTTP {exc.code}", len(games))
    except (urllib.error.URLError, OSError) as exc:  # refused, unreachable, timed out
        return _failed(f"the webhook could not be reached ({getattr(exc, 'reason', exc)})", len(games))
    logger.info("notify: posted %d game(s) to the webhook", len(games))
    return f"posted {len(games)} game(s)"


def _failed(reason: str, count: int) -> str:
    outcome = f"failed: {reason}; {count} game(s) not posted (the ratings are stored)"
    logger.warning("notify: %s", outcome)
    return outcome
