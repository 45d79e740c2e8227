"""The parsers of the settings' values: each takes a variable's name and its text and returns the
value, or raises a :class:`UsageError` that names the variable and the fix."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from nba_predictions.errors import UsageError

CHAIN_SOURCES = ("archive", "cdn", "nba_api")  # what NBA_SOURCES may list


def parse_origins(name: str, text: str) -> tuple[str, ...]:
    """``CORS_ORIGINS``: comma-separated origins (scheme://host[:port]), ``*`` for any; empty = ()."""
    origins = tuple(part.strip().rstrip("/") for part in text.split(",") if part.strip())
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/?#\s:]+(:\d{1,5})?", origin):
            raise UsageError(
                f"{name} entry {origin!r} is not an origin: write it as scheme://host[:port], "
                "e.g. http://localhost:5173"
            )
    return origins


def parse_networks(name: str, text: str) -> tuple[str, ...]:
    """``NBA_TRUSTED_PROXIES``: comma-separated IP addresses or CIDR networks; empty = ()."""
    entries = tuple(part.strip() for part in text.split(",") if part.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry) if "/" in entry else ipaddress.ip_address(entry)
        except ValueError:
            raise UsageError(
                f"{name} entry {entry!r} is not an IP address or network (host bits zero): "
                "write e.g. 127.0.0.1 or 10.0.0.0/8"
            ) from None
    return entries


def parse_bool(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise UsageError(f"{name}={text!r} is not a boolean: use true or false")


def parse_number(name: str, text: str, kind: type) -> float:
    """``text`` (variable ``name``'s value) as a ``kind`` (int or float) of at least 0, else a UsageError."""
    try:
        value = kind(text)
    except ValueError:
        raise UsageError(f"{name}={text!r} is not a number: fix it in the environment or .env") from None
    if value < 0:
        raise UsageError(f"{name}={text!r} must not be negative")
    return value


def parse_float(name: str, text: str) -> float:
    return float(parse_number(name, text, float))


def parse_int(name: str, text: str) -> int:
    return int(parse_number(name, text, int))


def parse_text(_name: str, text: str) -> str:
    return text


def parse_text_or_none(_name: str, text: str) -> str | None:
    return text or None


def parse_path(_name: str, text: str) -> Path:
    return Path(text)


def parse_path_or_none(_name: str, text: str) -> Path | None:
    return Path(text) if text else None


def parse_source_list(name: str, text: str) -> tuple[str, ...]:
    """``NBA_SOURCES``: each of :data:`CHAIN_SOURCES` at most once, comma-separated, in the order tried."""
    sources = tuple(part.strip() for part in text.split(",") if part.strip())
    if not sources or any(source not in CHAIN_SOURCES for source in sources) or len(set(sources)) < len(sources):
        raise UsageError(
            f"{name}={text!r} is not a list of sources: name each of {', '.join(CHAIN_SOURCES)} "
            "at most once, comma-separated, e.g. cdn,nba_api"
        )
    return sources


def parse_notify_teams(name: str, text: str) -> tuple[str, ...]:
    teams = tuple(part.strip().upper() for part in text.split(",") if part.strip())
    for team in teams:
        if not re.fullmatch(r"[A-Z]{2,4}", team):
            raise UsageError(f"{name} entry {team!r} is not a team abbreviation: list them like LAL,BOS")
    return teams


def parse_notify_url(name: str, text: str) -> str | None:
    if text and not re.match(r"https?://[^/\s]+", text):
        raise UsageError(f"{name}={text!r} is not an http(s) URL: e.g. https://hooks.slack.com/services/...")
    return text or None
