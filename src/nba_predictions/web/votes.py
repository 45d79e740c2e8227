"""'Worth it?' votes: one 👍 or 👎 per browser per game, the one thing ``serve`` writes.

* **Who votes**: a browser gets a random voter id in a signed cookie (``nba_voter``: the id and
  its HMAC-SHA256 under the vote secret, ``NBA_VOTE_SECRET`` or a secret generated into
  ``NBA_VOTE_SECRET_FILE`` on first use).  The table stores an HMAC of the id (``voter_hash``),
  never the id, and a unique ``(game_id, voter_hash)``: one vote per browser per game.
* **CSRF**: the form carries a token, the HMAC of the cookie's id, so a POST without the cookie
  and its own token is refused (403).
* **Rate limit**: at most ``NBA_VOTE_RATE`` votes per client address per minute (a counter per
  address and minute window); more are answered 429 in the API's error shape.
* **Shown after voting**: the page shows a game's counts only to a browser that voted on it.
* **Writes**: through their own engine (:func:`open_vote_writer`), never the read-only one; no
  other table is written.  Plain HTML forms that redirect back (303), so it works without
  JavaScript.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from starlette.concurrency import run_in_threadpool

from nba_predictions.config import Settings
from nba_predictions.core.atomic import write_text_atomic
from nba_predictions.errors import StorageError
from nba_predictions.storage.engine import make_engine, parse_url, sqlite_path
from nba_predictions.storage.schema import VOTES, fan_votes
from nba_predictions.web import api, queries
from nba_predictions.web.context import WebContext

logger = logging.getLogger(__name__)

R = TypeVar("R", bound=Response)

COOKIE = "nba_voter"
COOKIE_MAX_AGE_SECONDS = 400 * 24 * 3600  # the most browsers keep a cookie
WINDOW_SECONDS = 60.0
MAX_FORM_BYTES = 2048

router = APIRouter(include_in_schema=False)


def load_secret(settings: Settings) -> bytes:
    """``NBA_VOTE_SECRET``, else the secret kept in ``NBA_VOTE_SECRET_FILE`` (made there, mode 600, on first use)."""
    if settings.vote_secret:
        return settings.vote_secret.encode()
    path = settings.vote_secret_file
    try:
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, secrets.token_hex(32) + "\n")
            os.chmod(path, 0o600)
            logger.info("votes: generated a vote secret in %s", path)
        return path.read_text(encoding="utf-8").strip().encode()
    except OSError as exc:
        raise StorageError(
            f"cannot read or create the vote secret {path} ({exc.strerror}): set NBA_VOTE_SECRET or "
            "NBA_VOTE_SECRET_FILE to a writable place"
        ) from None


def open_vote_writer(database_url: str) -> Engine:
    """The engine votes are written through (the server's other engine is read-only).  On
    PostgreSQL give its role INSERT on ``fan_votes`` only (docs/WEB.md)."""
    url = parse_url(database_url)
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise StorageError(f"no database at {path}: rate some games first")
    return make_engine(url)


@dataclass
class RateLimiter:
    """At most ``limit`` events per key in each window of ``WINDOW_SECONDS`` (a counter per key)."""

    limit: int
    clock: Callable[[], float] = time.monotonic
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)

    def allow(self, key: str) -> bool:
        now = self.clock()
        if len(self._windows) > 10_000:  # forget windows that are over
            self._windows = {k: w for k, w in self._windows.items() if now - w[0] < WINDOW_SECONDS}
        start, count = self._windows.get(key, (now, 0))
        if now - start >= WINDOW_SECONDS:
            start, count = now, 0
        self._windows[key] = (start, count + 1)
        return count < self.limit


@dataclass(frozen=True)
class VoteView:
    mine: str | None  # "up", "down", or None before this browser voted
    up: int = 0
    down: int = 0


@dataclass
class VoteBox:
    """The votes' state in one app: the write engine, the secret, the limiter."""

    engine: Engine
    secret: bytes
    limiter: RateLimiter

    def _mac(self, purpose: str, voter_id: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{voter_id}".encode(), hashlib.sha256).hexdigest()

    def cookie_value(self, voter_id: str) -> str:
        return f"{voter_id}.{self._mac('cookie', voter_id)}"

    def voter_id(self, request: Request) -> str | None:
        """The voter id of the request's cookie, if its signature holds."""
        value = request.cookies.get(COOKIE, "")
        voter_id, _, signature = value.partition(".")
        if voter_id and hmac.compare_digest(signature, self._mac("cookie", voter_id)):
            return voter_id
        return None

    def voter_hash(self, voter_id: str) -> str:
        return self._mac("voter", voter_id)

    def csrf_token(self, voter_id: str) -> str:
        return self._mac("csrf", voter_id)


def page_state(conn: Connection, request: Request, game_ids: Sequence[str]) -> tuple[str | None, dict[str, VoteView]]:
    """(the form's CSRF token, each game's vote view) for a page; sets ``request.state.new_voter``
    when the browser has no voter cookie yet (:func:`remember_voter` then sets it)."""
    box: VoteBox | None = request.app.state.votes
    if box is None:
        return None, {}
    voter_id = box.voter_id(request)
    if voter_id is None:
        voter_id = secrets.token_urlsafe(18)
        request.state.new_voter = voter_id
    return box.csrf_token(voter_id), _views(conn, box.voter_hash(voter_id), game_ids)


def remember_voter(request: Request, response: R) -> R:
    """Set the voter cookie on a page's response when :func:`page_state` made a new voter."""
    voter_id = getattr(request.state, "new_voter", None)
    box: VoteBox | None = request.app.state.votes
    if voter_id is not None and box is not None:
        response.set_cookie(
            COOKIE, box.cookie_value(voter_id), max_age=COOKIE_MAX_AGE_SECONDS, httponly=True, samesite="lax"
        )
    return response


def _views(conn: Connection, voter_hash: str, game_ids: Sequence[str]) -> dict[str, VoteView]:
    if not game_ids:
        return {}
    mine = dict(
        conn.execute(
            select(fan_votes.c.game_id, fan_votes.c.vote).where(
                fan_votes.c.game_id.in_(list(game_ids)), fan_votes.c.voter_hash == voter_hash
            )
        ).all()
    )
    counts: dict[str, dict[str, int]] = {}
    voted = sorted(mine)
    if voted:
        query = (
            select(fan_votes.c.game_id, fan_votes.c.vote, func.count())
            .where(fan_votes.c.game_id.in_(voted))
            .group_by(fan_votes.c.game_id, fan_votes.c.vote)
        )
        for game_id, vote, count in conn.execute(query):
            counts.setdefault(game_id, {})[vote] = int(count)
    views = {}
    for game_id in game_ids:
        counted = counts.get(game_id, {})
        views[game_id] = VoteView(mine.get(game_id), counted.get("up", 0), counted.get("down", 0))
    return views


def _back(target: str) -> str:
    """Where to send the browser after its vote: a path of ours only."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.post("/games/{game_id}/vote")
async def vote(request: Request, game_id: str) -> Response:
    box: VoteBox | None = request.app.state.votes
    if box is None:
        return api.error_response(404, "NOT_FOUND", "voting is not enabled on this server")
    client = request.client.host if request.client else "unknown"
    if not box.limiter.allow(client):
        return api.error_response(429, "RATE_LIMITED", f"too many votes from {client}: wait a minute and vote again")
    body = await request.body()
    form = {k: v[0] for k, v in parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace")).items()}
    voter_id = box.voter_id(request)
    if voter_id is None or not hmac.compare_digest(form.get("csrf", ""), box.csrf_token(voter_id)):
        return api.error_response(403, "FORBIDDEN", "the vote has no valid form token: reload the page and vote again")
    choice = form.get("vote", "")
    if choice not in VOTES:
        return api.error_response(400, "INVALID_REQUEST", f"invalid vote {choice!r}: expected up or down")
    web = WebContext.of(request)
    if await web.read(queries.game, game_id) is None:
        return api.error_response(404, "GAME_NOT_FOUND", f"Game with ID '{game_id}' not found")
    if not await run_in_threadpool(_insert, box.engine, game_id, choice, box.voter_hash(voter_id)):
        return api.error_response(409, "ALREADY_VOTED", f"this browser has already voted on game {game_id}")
    return RedirectResponse(_back(form.get("back", "/")), status_code=303)


def _insert(engine: Engine, game_id: str, choice: str, voter_hash: str) -> bool:
    """Insert the vote; False when this voter has already voted on the game."""
    insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
    row = {"game_id": game_id, "vote": choice, "voter_hash": voter_hash, "created_at": datetime.now(timezone.utc)}
    with engine.begin() as conn:
        done = conn.execute(insert(fan_votes).values(row).on_conflict_do_nothing().returning(fan_votes.c.id))
        return done.first() is not None
