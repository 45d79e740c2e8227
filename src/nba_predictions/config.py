"""Settings: one immutable object, resolved once in :mod:`nba_predictions.cli`.

Precedence: command-line flag > environment variable (or ``.env``, read by python-dotenv) >
default.  Every variable is listed in ``.env.example``.  Steps never read the environment
themselves; they are handed what they need.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from nba_predictions.errors import UsageError

EASTERN = ZoneInfo("America/New_York")
DEFAULT_DATABASE_URL = "sqlite:///data/nba_predictions.db"
SOURCE_CHOICES = ("auto", "archive", "cdn", "nba_api")
CHAIN_SOURCES = ("archive", "cdn", "nba_api")  # what NBA_SOURCES may list
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

# name -> (default, description); the single list that .env.example and the README mirror.
ENVIRONMENT = {
    "DATABASE_URL": (
        DEFAULT_DATABASE_URL,
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
}


def yesterday_eastern(now: datetime | None = None) -> date:
    """Yesterday's date in US Eastern time: the default target of the daily job."""
    now = now or datetime.now(tz=EASTERN)
    return (now.astimezone(EASTERN) - timedelta(days=1)).date()


def _origins(name: str, text: str) -> tuple[str, ...]:
    """``CORS_ORIGINS``: comma-separated origins (scheme://host[:port]), ``*`` for any; empty = ()."""
    origins = tuple(part.strip().rstrip("/") for part in text.split(",") if part.strip())
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/?#\s:]+(:\d{1,5})?", origin):
            raise UsageError(
                f"{name} entry {origin!r} is not an origin: write it as scheme://host[:port], "
                "e.g. http://localhost:5173"
            )
    return origins


def _bool(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise UsageError(f"{name}={text!r} is not a boolean: use true or false")


def _number(name: str, text: str, kind: type) -> float:
    try:
        value = kind(text)
    except ValueError:
        raise UsageError(f"{name}={text!r} is not a number: fix it in the environment or .env") from None
    if value < 0:
        raise UsageError(f"{name}={text!r} must not be negative")
    return value


@dataclass(frozen=True)
class ApiSettings:
    timeout_seconds: float = 30.0
    min_interval_seconds: float = 0.6
    retries: int = 4
    proxy: str | None = None
    cache_dir: Path = Path("data/cache")
    stats_url: str | None = None  # None = the real stats.nba.com
    cdn_url: str | None = None  # NBA_API_CDN_URL (deprecated): the liveData URL; None = from cdn_base_url
    cdn_base_url: str | None = None  # NBA_CDN_URL; None = https://cdn.nba.com/static/json


@dataclass(frozen=True)
class Settings:
    target_date: date = field(default_factory=yesterday_eastern)
    source: str = "auto"
    database_url: str = DEFAULT_DATABASE_URL
    model_path: Path | None = None  # None = the shipped model
    model_cache_dir: Path | None = Path("data/cache/model")  # None = no cache of the model's contribution tables
    log_level: str = "INFO"
    quiet: bool = False
    force: bool = False
    backup_enabled: bool = False
    backup_dir: Path = Path("data/backups")
    backup_keep: int = 7
    good_threshold: float = 80.0
    mediocre_threshold: float = 60.0
    cors_origins: tuple[str, ...] = ()  # () = any localhost / 127.0.0.1 origin
    api: ApiSettings = field(default_factory=ApiSettings)
    sources: tuple[str, ...] = CHAIN_SOURCES  # NBA_SOURCES: the order --source auto tries

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
        good = _number("RATING_GOOD_THRESHOLD", var("RATING_GOOD_THRESHOLD"), float)
        mediocre = _number("RATING_MEDIOCRE_THRESHOLD", var("RATING_MEDIOCRE_THRESHOLD"), float)
        if not mediocre <= good <= 100:
            raise UsageError(f"rating thresholds mediocre={mediocre} good={good} must satisfy mediocre <= good <= 100")
        timeout = _number("NBA_API_TIMEOUT", var("NBA_API_TIMEOUT"), float)
        if timeout <= 0:
            raise UsageError(f"NBA_API_TIMEOUT={timeout:g} must be more than 0 seconds")
        api = ApiSettings(
            timeout_seconds=timeout,
            min_interval_seconds=_number("NBA_API_MIN_INTERVAL", var("NBA_API_MIN_INTERVAL"), float),
            retries=int(_number("NBA_API_RETRIES", var("NBA_API_RETRIES"), int)),
            proxy=var("NBA_API_PROXY") or None,
            cache_dir=Path(var("NBA_API_CACHE_DIR")),
            stats_url=var("NBA_API_STATS_URL") or None,
            cdn_url=var("NBA_API_CDN_URL") or None,
            cdn_base_url=var("NBA_CDN_URL") or None,
        )
        sources = tuple(name.strip() for name in var("NBA_SOURCES").split(",") if name.strip())
        if not sources or any(name not in CHAIN_SOURCES for name in sources) or len(set(sources)) < len(sources):
            raise UsageError(
                f"NBA_SOURCES={var('NBA_SOURCES')!r} is not a list of sources: name each of {', '.join(CHAIN_SOURCES)} "
                "at most once, comma-separated, e.g. cdn,nba_api"
            )
        backup_keep = int(_number("BACKUP_KEEP", var("BACKUP_KEEP"), int))
        if backup_keep < 1:
            raise UsageError(
                f"BACKUP_KEEP={backup_keep} would keep no backup: set it to 1 or more, or BACKUP_ENABLED=false"
            )
        target = flags.get("date")
        return cls(
            target_date=target if isinstance(target, date) else yesterday_eastern(),
            source=source,
            database_url=pick("database", "DATABASE_URL"),
            model_path=Path(model) if model else None,
            model_cache_dir=Path(var("NBA_MODEL_CACHE_DIR")) if var("NBA_MODEL_CACHE_DIR") else None,
            log_level=log_level,
            quiet=bool(flags.get("quiet")),
            force=bool(flags.get("force")),
            backup_enabled=_bool("BACKUP_ENABLED", var("BACKUP_ENABLED")),
            backup_dir=Path(var("BACKUP_DIR")),
            backup_keep=backup_keep,
            good_threshold=good,
            mediocre_threshold=mediocre,
            cors_origins=_origins("CORS_ORIGINS", var("CORS_ORIGINS")),
            api=api,
            sources=sources,
        )
