"""Query-string values to typed values, or an :class:`InvalidRequestError` naming the field.

The API and the page share these, so a date or a team code is judged the same way in both.
Pure functions: whether a well-formed team code names a team is for the caller to ask the
database.  Every pattern is ASCII only (``[0-9]``, not ``\\d``, which takes other scripts'
digits), and a date must lie in :data:`EARLIEST` .. :data:`LATEST`, so a week before or after it
is still a date (``9999-12-31`` plus 7 days is not).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nba_predictions.errors import InvalidRequestError

DATE_EXAMPLE = "2024-01-15"
TEAM_EXAMPLE = "LAL"
TZ_EXAMPLE = "Europe/Paris"
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
GAME_ID_LONGEST = 32
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TEAM = re.compile(r"[A-Za-z]{2,4}")
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}")
_WHOLE = re.compile(r"[0-9]+")
_GAME_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{GAME_ID_LONGEST}}}")


def parse_date(text: str, field: str = "date") -> date:
    if not _DATE.fullmatch(text):
        raise InvalidRequestError(
            field, text, f"invalid {field} {text!r}: expected YYYY-MM-DD, e.g. {DATE_EXAMPLE}", DATE_EXAMPLE
        )
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(
            field,
            text,
            f"invalid {field} {text!r}: there is no such day; expected a real date as YYYY-MM-DD, e.g. {DATE_EXAMPLE}",
            DATE_EXAMPLE,
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidRequestError(
            field,
            text,
            f"invalid {field} {text!r}: expected a date from {EARLIEST} to {LATEST}, e.g. {DATE_EXAMPLE}",
            f"{EARLIEST}..{LATEST}",
        )
    return day


def parse_zone(text: str, field: str = "tz") -> ZoneInfo:
    """An IANA time zone name (``Europe/Paris``, ``Asia/Tokyo``, ``UTC``) as the system's tz database knows it."""
    zone = None
    if len(text) <= 64 and _ZONE.fullmatch(text):
        try:
            zone = ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            zone = None
    if zone is None:
        raise InvalidRequestError(
            field,
            text,
            f"invalid {field} {text!r}: expected an IANA time zone name, e.g. {TZ_EXAMPLE}, or leave {field} out "
            "for US Eastern time (the browser then shows its own)",
            TZ_EXAMPLE,
        )
    return zone


def could_be_game_id(text: str) -> bool:
    """Whether ``text`` could be a stored game id (NBA ids are 10 digits; at most 32 letters, digits, - or _).

    Anything else names no game, so it is not worth a query (a NUL byte would even fail one on PostgreSQL).
    """
    return _GAME_ID.fullmatch(text) is not None


def parse_team(text: str, field: str = "team") -> str:
    """A team abbreviation in upper case (``lal`` -> ``LAL``), as the original API accepts it."""
    if not _TEAM.fullmatch(text):
        raise InvalidRequestError(
            field, text, f"invalid {field} {text!r}: expected a team abbreviation, e.g. {TEAM_EXAMPLE}", TEAM_EXAMPLE
        )
    return text.upper()


def unknown_team(
    abbreviation: str, known: Sequence[str], field: str = "team", listed_after: str | None = None
) -> InvalidRequestError:
    """The 400 for a team the database does not know; ``listed_after``: a message the known teams end."""
    listed = ", ".join(known) if known else "none: the database has no teams yet"
    said = f"unknown {field} {abbreviation!r}: expected a team abbreviation, e.g. {TEAM_EXAMPLE}"
    message = f"{listed_after} {listed}" if listed_after else said
    return InvalidRequestError(field, abbreviation, message, f"one of {listed}")


def parse_whole(text: str, field: str, lowest: int, highest: int | None = None) -> int:
    """A whole number in ``lowest..highest`` written in plain digits (``+5``, ``2.0``, ``1e2`` are refused)."""
    span = f"from {lowest} to {highest}" if highest is not None else f"of {lowest} or more"
    value = int(text) if _WHOLE.fullmatch(text) and len(text) <= 9 else None
    if value is None or value < lowest or (highest is not None and value > highest):
        raise InvalidRequestError(
            field,
            text,
            f"invalid {field} {text!r}: expected a whole number {span}",
            f"{lowest}..{highest}" if highest is not None else f">= {lowest}",
        )
    return value


def single_values(query: Mapping[str, Sequence[str]], allowed: Collection[str]) -> dict[str, str]:
    """Each parameter's one value; an unknown parameter or one given twice is refused."""
    values: dict[str, str] = {}
    for field, given in query.items():
        if field not in allowed:
            raise InvalidRequestError(
                field, given[0], f"unknown query parameter {field!r}: expected {', '.join(allowed)}", ", ".join(allowed)
            )
        if len(given) > 1:
            raise InvalidRequestError(
                field, ", ".join(given), f"{field} is given {len(given)} times: give it once", "one value"
            )
        values[field] = given[0]
    return values
