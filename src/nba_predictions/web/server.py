"""``nba-predictions serve``: bind the address, open the database read-only once, run uvicorn.

The socket is bound and listening here, before uvicorn starts, so a taken port is one clear line
and exit 1 (not a traceback) and ``--port 0`` picks a free port (the log line says which).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import uvicorn

import errno
import logging
import signal
import socket
import threading

from nba_predictions.config import Settings
from nba_predictions.errors import ServeError
from nba_predictions.storage.engine import masked

logger = logging.getLogger(__name__)

GRACEFUL_SHUTDOWN_SECONDS = 5


LISTEN_BACKLOG = 2048  # uvicorn's default


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port``; :class:`ServeError` when it cannot be.

    It listens from here on, so a client that connects as soon as the "serving" line is logged
    waits in the backlog until uvicorn accepts, rather than being refused.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ServeError(
            f"cannot listen on {host!r} ({exc.strerror}): use an address of this machine, "
            "e.g. --host 127.0.0.1 (local only) or --host 0.0.0.0 (every interface)"
        ) from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
    except OSError as exc:
        sock.close()
        where = f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(
                f"{where} is already in use by another server: stop it, or serve on another port with "
                "--port (the original front end calls port 3001)"
            ) from None
        if exc.errno == errno.EACCES:
            raise ServeError(f"no permission to listen on {where}: use a port above 1023, e.g. --port 3001") from None
        raise ServeError(f"cannot listen on {where}: {exc.strerror}") from None
    return sock


def forwarded_allow_ips(trusted: tuple[str, ...]) -> list[str] | None:
    """uvicorn's ``forwarded_allow_ips`` for ``NBA_TRUSTED_PROXIES`` (with ``proxy_headers`` on only if any).

    uvicorn believes ``X-Forwarded-For`` / ``X-Forwarded-Proto`` from 127.0.0.1 unless told
    otherwise (or whatever ``FORWARDED_ALLOW_IPS`` says): none trusted turns the headers off
    altogether (``proxy_headers=False``), so a client cannot pose as another address, whatever
    the environment holds.  With proxies listed, only a direct peer among them is believed, and
    the client address is the right-most entry of ``X-Forwarded-For`` that is not itself a
    trusted proxy.
    """
    return list(trusted) if trusted else None


def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the page and the API until interrupted (SIGINT / SIGTERM stop it gracefully)."""
    try:
        import uvicorn

        from nba_predictions.web.app import create_app
        from nba_predictions.web.database import open_read_only
        from nba_predictions.web.votes import RateLimiter, VoteBox, load_secret, open_vote_writer
    except ModuleNotFoundError as exc:
        raise ServeError(
            f"the web server needs {exc.name}, which is not installed: pip install 'nba-predictions[web]'"
        ) from None
    engine = open_read_only(settings.database_url)
    try:
        # Votes are the one thing serve writes: their own engine (docs/WEB.md, "Votes").
        writer = open_vote_writer(settings.vote_database_url or settings.database_url)
        vote_box = VoteBox(writer, load_secret(settings), RateLimiter(settings.vote_rate))
    except BaseException:
        engine.dispose()
        raise
    try:
        sock = bind(host, port)
        bound_host, bound_port = sock.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        app = create_app(engine, settings, database_name=masked(settings.database_url), vote_box=vote_box)
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=True,
            lifespan="off",
            server_header=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=forwarded_allow_ips(settings.trusted_proxies),
        )
        logger.info(
            "serving %s read-only on http://%s:%d/ (page /, API /api/v1, docs /docs); Ctrl-C stops",
            masked(settings.database_url),
            shown,
            bound_port,
        )
        if settings.trusted_proxies:
            logger.info("X-Forwarded-For/-Proto believed from %s only", ", ".join(settings.trusted_proxies))
        _run_until_signalled(uvicorn.Server(config), sock)
    finally:
        engine.dispose()
        vote_box.engine.dispose()


def _run_until_signalled(server: uvicorn.Server, sock: socket.socket) -> None:
    """Run until SIGINT or SIGTERM; both end in a graceful shutdown and a normal return (exit 0).

    uvicorn handles the signal itself, shuts down, then raises it again for the previous
    handler: SIGTERM is pointed at the same handler as SIGINT (KeyboardInterrupt) meanwhile, so
    a service manager's stop and Ctrl-C both come back here as a clean stop.
    """
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler) if main_thread else None
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    logger.info("stopped")
