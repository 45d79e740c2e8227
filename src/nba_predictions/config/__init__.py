"""Settings: one immutable object, resolved once in :mod:`nba_predictions.cli`.

Precedence: command-line flag > environment variable (or ``.env``, read by python-dotenv) >
default.  Every variable is listed in ``.env.example``.  Steps never read the environment
themselves; they are handed what they need.

Each default is written once, in :data:`ENVIRONMENT`: :meth:`Settings.resolve` reads a missing
variable's default there, and the dataclasses' own defaults (``Settings()``, ``ApiSettings()``)
are that text parsed by the same function (:func:`_default`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from nba_predictions.config.values import (
    CHAIN_SOURCES as CHAIN_SOURCES,
)
from nba_predictions.config.values import (
    parse_bool,
    parse_float,
    parse_int,
    parse_networks,
    parse_notify_teams,
    parse_notify_url,
    parse_origins,
    parse_path,
    parse_path_or_none,
    parse_source_list,
    parse_text,
    parse_text_or_none,
)
from nba_predictions.config.values import (
    parse_number as parse_number,
)
from nba_predictions.errors import UsageError

logger = logging.getLogger(__name__)

EASTERN = ZoneInfo("America/New_York")
SOURCE_CHOICES = ("auto", "archive", "cdn", "nba_api")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Defaults of options that have no environment variable (the command line's help texts and the code
# that uses them both read these; the environment's defaults are in ENVIRONMENT below).
DEFAULT_CHUNK_GAMES = 1024  # backfill: games per storage transaction and per features chunk
DEFAULT_SEED = 42  # train: the seed of the shipped model
DEFAULT_SERVE_HOST = "127.0.0.1"  # serve: loopback only unless asked
DEFAULT_SERVE_PORT = 3001  # serve: where the original front end calls its API
DEFAULT_WATCH_INTERVAL_SECONDS = 120.0  # watch: seconds between scoreboard polls

# name -> (default, description); the single list that .env.example and the README mirror.
ENVIRONMENT = {
    "DATABASE_URL": (
        "sqlite:///data/nba_predictions.db",
        "SQLAlchemy URL of the ratings database (sqlite:///… or postgresql+psycopg://…)",
    ),
    "NBA_SOURCE": ("auto", "data source: auto, archive, cdn or nba_api"),
    "NBA_SOURCES": (
        "archive,cdn,nba_api",
        "--source auto: the sources tried for each date, in order (the first that can serve the date does)",
    ),
    "NBA_MODEL_PATH": ("", "XGBoost model JSON file; empty = the model shipped in the package"),
    "NBA_MODEL_CACHE_DIR": (
        "data/cache/model",
        "on-disk cache of the tables a backfill's contributions come from, "
        "one file per model (rebuilt when missing); empty = none",
    ),
    "NBA_ARCHIVE_DIR": (
        "data/archive",
        "the local archive: every final game a live source collects is also stored here (archive.sqlite, "
        "the bundled archive's format) and read with the bundled archive; empty = none",
    ),
    "NBA_BUNDLED_ARCHIVE": ("", "the bundled archive file; empty = the one shipped in the package"),
    "LOG_LEVEL": ("INFO", "DEBUG, INFO, WARNING or ERROR"),
    "BACKUP_ENABLED": ("false", "back up the SQLite database before each storage run"),
    "BACKUP_DIR": ("data/backups", "where SQLite backups go"),
    "BACKUP_KEEP": ("7", "how many SQLite backups to keep"),
    "NBA_API_TIMEOUT": ("30", "read timeout of one stats.nba.com call, seconds"),
    "NBA_API_MIN_INTERVAL": ("0.6", "minimum seconds between two stats.nba.com calls"),
    "NBA_API_RETRIES": ("4", "retries of a call that timed out or got 429/5xx"),
    "NBA_API_PROXY": ("", "HTTP(S) proxy for stats.nba.com, e.g. http://host:port"),
    "NBA_API_CACHE_DIR": ("data/cache", "on-disk cache of API responses that cannot change"),
    "NBA_API_STATS_URL": (
        "",
        "base URL of the stats API; empty = https://stats.nba.com/stats (tests point it at a local fake server)",
    ),
    "NBA_CDN_URL": (
        "",
        "base URL of the NBA's CDN (staticData schedule, liveData feeds); empty = https://cdn.nba.com/static/json",
    ),
    "NBA_API_CDN_URL": (
        "",
        "deprecated, use NBA_CDN_URL: the CDN's liveData URL (read when NBA_CDN_URL is empty, with a warning)",
    ),
    "RATING_GOOD_THRESHOLD": ("80", "ratings at or above this are 'good'"),
    "RATING_MEDIOCRE_THRESHOLD": ("60", "ratings at or above this (and below good) are 'mediocre'"),
    "NBA_S3_ATTEMPTS": (
        "3",
        "s3:// documents: attempts of one S3 request that got 500/503, timed out or lost its connection "
        "(botocore's standard retry mode; a read whose body breaks off is started over once more)",
    ),
    "NBA_S3_TIMEOUT": ("30", "s3:// documents: connect and read timeout of one S3 request, seconds"),
    "NBA_STEP_RETRIES": (
        "3",
        "Prefect workers: how often a step that hit a retryable source error (timeout, 429, 5xx) runs again",
    ),
    "NBA_STEP_RETRY_DELAY": (
        "300",
        "Prefect workers: seconds before a step's first retry (each later wait is three times longer)",
    ),
    "CORS_ORIGINS": (
        "",
        "origins the web API answers cross-origin (comma-separated, e.g. https://fans.example.org; "
        "* = any); empty = any http(s)://localhost or 127.0.0.1 origin, as the original API's development mode",
    ),
    "NBA_TRUSTED_PROXIES": (
        "",
        "serve: the reverse proxies (comma-separated IPs or CIDR networks, e.g. 127.0.0.1,10.0.0.0/8) whose "
        "X-Forwarded-For / X-Forwarded-Proto the web server believes; empty = none (the peer is the client)",
    ),
    "NBA_WEB_MAX_BODY_BYTES": (
        "65536",
        "serve: the largest request body the web server accepts (bytes); a longer one is refused with 413",
    ),
    "NBA_NOTIFY_URL": (
        "",
        "webhook the date run and watch post newly rated games to (Slack- and Discord-compatible JSON); empty = none",
    ),
    "NBA_NOTIFY_MIN": ("", "the least rating a game needs to be posted; empty = RATING_GOOD_THRESHOLD"),
    "NBA_NOTIFY_TEAMS": (
        "",
        "post only games of these teams (comma-separated abbreviations, e.g. LAL,BOS); empty = all",
    ),
    "NBA_NOTIFY_TIMEOUT": ("5", "seconds the webhook may take before the post is given up (the run goes on)"),
    "NBA_VOTE_SECRET": (
        "",
        "serve: the secret that signs the vote cookie and form tokens (a secret); empty = the one in "
        "NBA_VOTE_SECRET_FILE, made there on first use",
    ),
    "NBA_VOTE_SECRET_FILE": (
        "data/vote_secret",
        "serve: where the generated vote secret is kept when NBA_VOTE_SECRET is empty",
    ),
    "NBA_VOTE_DATABASE_URL": (
        "",
        "serve: the database URL votes are written with (on PostgreSQL a role that may only write fan_votes); "
        "empty = the served database's URL",
    ),
    "NBA_VOTE_RATE": ("30", "serve: votes one client address may send per minute (more are answered 429)"),
}


# Tests only: a fixed "now" for the default date (see now_eastern).  Not a setting: not in ENVIRONMENT.
CLOCK_VARIABLE = "NBA_NOW"


def now_eastern(env: Mapping[str, str] | None = None) -> datetime:
    """The current time in US Eastern, whatever the machine's own time zone.

    ``NBA_NOW`` (an ISO 8601 time with its UTC offset, e.g. ``2026-03-08T04:59:59Z``) fixes it, for
    tests of the default date around midnight and the daylight-saving changes in a subprocess (no
    waiting, no library that fakes the system clock).  It moves only the default date (nothing else
    reads this clock), each use says so in a WARNING line, and a value that is not such a time is a
    usage error: a stray one cannot go unnoticed.
    """
    text = (os.environ if env is None else env).get(CLOCK_VARIABLE, "")
    if not text:
        return datetime.now(tz=EASTERN)
    try:
        fixed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        fixed = None
    if fixed is None or fixed.tzinfo is None:
        raise UsageError(
            f"{CLOCK_VARIABLE}={text!r} is not a time with its UTC offset (e.g. 2026-03-08T04:59:59Z): "
            "fix it, or unset it (it fixes the clock of the default date, for tests only)"
        )
    logger.warning("%s=%s fixes the clock of the default date (tests only; unset it otherwise)", CLOCK_VARIABLE, text)
    return fixed.astimezone(EASTERN)


def yesterday_eastern(now: datetime | None = None) -> date:
    """Yesterday's date in US Eastern time: the default target of the daily job.

    ``now`` (default :func:`now_eastern`) must know its time zone: the Eastern calendar date it
    falls on, minus one day (a calendar day, so 23- and 25-hour days around the daylight-saving
    changes make no difference).
    """
    now = now if now is not None else now_eastern()
    if now.tzinfo is None:
        raise ValueError(f"yesterday_eastern needs a time with its time zone, not the naive {now.isoformat()}")
    return now.astimezone(EASTERN).date() - timedelta(days=1)


T = TypeVar("T")


def _default(name: str, parse: Callable[[str, str], T]) -> Callable[[], T]:
    """A dataclass field's default_factory: ENVIRONMENT's default of ``name``, parsed as resolve() does."""
    return lambda: parse(name, ENVIRONMENT[name][0])


@dataclass(frozen=True)
class ApiSettings:
    timeout_seconds: float = field(default_factory=_default("NBA_API_TIMEOUT", parse_float))
    min_interval_seconds: float = field(default_factory=_default("NBA_API_MIN_INTERVAL", parse_float))
    retries: int = field(default_factory=_default("NBA_API_RETRIES", parse_int))
    proxy: str | None = field(default_factory=_default("NBA_API_PROXY", parse_text_or_none))
    cache_dir: Path = field(default_factory=_default("NBA_API_CACHE_DIR", parse_path))
    stats_url: str | None = field(
        default_factory=_default("NBA_API_STATS_URL", parse_text_or_none)
    )  # None = the real one
    cdn_url: str | None = field(
        default_factory=_default("NBA_API_CDN_URL", parse_text_or_none)
    )  # deprecated: the liveData URL
    cdn_base_url: str | None = field(default_factory=_default("NBA_CDN_URL", parse_text_or_none))  # None = the real CDN


@dataclass(frozen=True)
class NotifySettings:
    """The webhook (``NBA_NOTIFY_*``): None ``url`` = no notifications; None ``least`` = the good threshold."""

    url: str | None = field(default_factory=_default("NBA_NOTIFY_URL", parse_notify_url))
    least: float | None = field(default_factory=lambda: None)
    teams: tuple[str, ...] = field(default_factory=_default("NBA_NOTIFY_TEAMS", parse_notify_teams))
    timeout_seconds: float = field(default_factory=_default("NBA_NOTIFY_TIMEOUT", parse_float))

    @classmethod
    def resolve(cls, var: Callable[[str], str]) -> NotifySettings:
        timeout = parse_float("NBA_NOTIFY_TIMEOUT", var("NBA_NOTIFY_TIMEOUT"))
        if timeout <= 0:
            raise UsageError(f"NBA_NOTIFY_TIMEOUT={timeout:g} must be more than 0 seconds")
        least = var("NBA_NOTIFY_MIN")
        return cls(
            url=parse_notify_url("NBA_NOTIFY_URL", var("NBA_NOTIFY_URL")),
            least=parse_float("NBA_NOTIFY_MIN", least) if least else None,
            teams=parse_notify_teams("NBA_NOTIFY_TEAMS", var("NBA_NOTIFY_TEAMS")),
            timeout_seconds=timeout,
        )


@dataclass(frozen=True)
class Settings:
    target_date: date = field(default_factory=yesterday_eastern)
    source: str = field(default_factory=_default("NBA_SOURCE", parse_text))
    database_url: str = field(default_factory=_default("DATABASE_URL", parse_text))
    model_path: Path | None = field(default_factory=_default("NBA_MODEL_PATH", parse_path_or_none))  # None = shipped
    # None = no cache of the model's contribution tables
    model_cache_dir: Path | None = field(default_factory=_default("NBA_MODEL_CACHE_DIR", parse_path_or_none))
    log_level: str = field(default_factory=_default("LOG_LEVEL", parse_text))
    quiet: bool = False  # flags only, no variable
    force: bool = False
    backup_enabled: bool = field(default_factory=_default("BACKUP_ENABLED", parse_bool))
    backup_dir: Path = field(default_factory=_default("BACKUP_DIR", parse_path))
    backup_keep: int = field(default_factory=_default("BACKUP_KEEP", parse_int))
    good_threshold: float = field(default_factory=_default("RATING_GOOD_THRESHOLD", parse_float))
    mediocre_threshold: float = field(default_factory=_default("RATING_MEDIOCRE_THRESHOLD", parse_float))
    # () = any localhost / 127.0.0.1 origin
    cors_origins: tuple[str, ...] = field(default_factory=_default("CORS_ORIGINS", parse_origins))
    # () = no proxy is trusted: X-Forwarded-* headers are ignored
    trusted_proxies: tuple[str, ...] = field(default_factory=_default("NBA_TRUSTED_PROXIES", parse_networks))
    web_max_body_bytes: int = field(default_factory=_default("NBA_WEB_MAX_BODY_BYTES", parse_int))
    api: ApiSettings = field(default_factory=ApiSettings)
    sources: tuple[str, ...] = field(
        default_factory=_default("NBA_SOURCES", parse_source_list)
    )  # --source auto's order
    archive_dir: Path | None = field(default_factory=_default("NBA_ARCHIVE_DIR", parse_path_or_none))  # None = no local
    # None = the archive shipped in the package
    bundled_archive: Path | None = field(default_factory=_default("NBA_BUNDLED_ARCHIVE", parse_path_or_none))
    notify: NotifySettings = field(default_factory=NotifySettings)
    vote_secret: str | None = field(default_factory=_default("NBA_VOTE_SECRET", parse_text_or_none), repr=False)
    vote_secret_file: Path = field(default_factory=_default("NBA_VOTE_SECRET_FILE", parse_path))
    vote_rate: int = field(default_factory=_default("NBA_VOTE_RATE", parse_int))
    vote_database_url: str | None = field(default_factory=_default("NBA_VOTE_DATABASE_URL", parse_text_or_none))

    @classmethod
    def resolve(cls, flags: Mapping[str, object], env: Mapping[str, str] | None = None) -> Settings:
        """Build the settings from flags (None = not given) over the environment over defaults."""
        env = os.environ if env is None else env

        def var(name: str) -> str:
            """The environment's value, else the documented default (ENVIRONMENT is the one list)."""
            return env.get(name, ENVIRONMENT[name][0])

        def pick(flag: str, name: str) -> str:
            value = flags.get(flag)
            return str(value) if value is not None else var(name)

        source = pick("source", "NBA_SOURCE")
        if source not in SOURCE_CHOICES:
            raise UsageError(f"NBA_SOURCE={source!r} is not a source: use one of {', '.join(SOURCE_CHOICES)}")
        log_level = pick("log_level", "LOG_LEVEL").upper()
        if log_level not in LOG_LEVELS:
            raise UsageError(f"LOG_LEVEL={log_level!r} is not a level: use one of {', '.join(LOG_LEVELS)}")
        model = pick("model", "NBA_MODEL_PATH")
        good = parse_float("RATING_GOOD_THRESHOLD", var("RATING_GOOD_THRESHOLD"))
        mediocre = parse_float("RATING_MEDIOCRE_THRESHOLD", var("RATING_MEDIOCRE_THRESHOLD"))
        if not mediocre <= good <= 100:
            raise UsageError(f"rating thresholds mediocre={mediocre} good={good} must satisfy mediocre <= good <= 100")
        timeout = parse_float("NBA_API_TIMEOUT", var("NBA_API_TIMEOUT"))
        if timeout <= 0:
            raise UsageError(f"NBA_API_TIMEOUT={timeout:g} must be more than 0 seconds")
        api = ApiSettings(
            timeout_seconds=timeout,
            min_interval_seconds=parse_float("NBA_API_MIN_INTERVAL", var("NBA_API_MIN_INTERVAL")),
            retries=parse_int("NBA_API_RETRIES", var("NBA_API_RETRIES")),
            proxy=parse_text_or_none("NBA_API_PROXY", var("NBA_API_PROXY")),
            cache_dir=parse_path("NBA_API_CACHE_DIR", var("NBA_API_CACHE_DIR")),
            stats_url=parse_text_or_none("NBA_API_STATS_URL", var("NBA_API_STATS_URL")),
            cdn_url=parse_text_or_none("NBA_API_CDN_URL", var("NBA_API_CDN_URL")),
            cdn_base_url=parse_text_or_none("NBA_CDN_URL", var("NBA_CDN_URL")),
        )
        sources = parse_source_list("NBA_SOURCES", var("NBA_SOURCES"))
        backup_keep = parse_int("BACKUP_KEEP", var("BACKUP_KEEP"))
        if backup_keep < 1:
            raise UsageError(
                f"BACKUP_KEEP={backup_keep} would keep no backup: set it to 1 or more, or BACKUP_ENABLED=false"
            )
        target = flags.get("date")
        return cls(
            target_date=target if isinstance(target, date) else yesterday_eastern(),
            source=source,
            database_url=pick("database", "DATABASE_URL"),
            model_path=parse_path_or_none("NBA_MODEL_PATH", model),
            model_cache_dir=parse_path_or_none("NBA_MODEL_CACHE_DIR", var("NBA_MODEL_CACHE_DIR")),
            log_level=log_level,
            quiet=bool(flags.get("quiet")),
            force=bool(flags.get("force")),
            backup_enabled=parse_bool("BACKUP_ENABLED", var("BACKUP_ENABLED")),
            backup_dir=parse_path("BACKUP_DIR", var("BACKUP_DIR")),
            backup_keep=backup_keep,
            good_threshold=good,
            mediocre_threshold=mediocre,
            cors_origins=parse_origins("CORS_ORIGINS", var("CORS_ORIGINS")),
            trusted_proxies=parse_networks("NBA_TRUSTED_PROXIES", var("NBA_TRUSTED_PROXIES")),
            web_max_body_bytes=parse_int("NBA_WEB_MAX_BODY_BYTES", var("NBA_WEB_MAX_BODY_BYTES")),
            api=api,
            sources=sources,
            archive_dir=parse_path_or_none("NBA_ARCHIVE_DIR", var("NBA_ARCHIVE_DIR")),
            bundled_archive=parse_path_or_none("NBA_BUNDLED_ARCHIVE", var("NBA_BUNDLED_ARCHIVE")),
            notify=NotifySettings.resolve(var),
            vote_secret=parse_text_or_none("NBA_VOTE_SECRET", var("NBA_VOTE_SECRET")),
            vote_secret_file=parse_path("NBA_VOTE_SECRET_FILE", var("NBA_VOTE_SECRET_FILE")),
            vote_rate=parse_int("NBA_VOTE_RATE", var("NBA_VOTE_RATE")),
            vote_database_url=parse_text_or_none("NBA_VOTE_DATABASE_URL", var("NBA_VOTE_DATABASE_URL")),
        )
