"""The NBA season as a value: built and formatted in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Season-type digit used in stats.nba.com game ids and season ids.
SEASON_TYPE_DIGITS = {
    "Preseason": "1",
    "Regular Season": "2",
    "All-Star": "3",
    "Playoffs": "4",
    "Play-In": "5",
    # The NBA Cup's final (0062500001): rated like any game, but not counted in the standings (the
    # NBA counts the Cup's group games, quarterfinals and semifinals as regular-season games, 002).
    "NBA Cup Final": "6",
}
DIGIT_SEASON_TYPES = {v: k for k, v in SEASON_TYPE_DIGITS.items()}


@dataclass(frozen=True, order=True)
class Season:
    """An NBA season, identified by the calendar year it starts in (2023 -> "2023-24")."""

    start_year: int

    def __str__(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @classmethod
    def parse(cls, text: str) -> Season:
        """Parse ``"2023-24"``."""
        try:
            start, end = text.split("-")
            season = cls(int(start))
        except ValueError:
            raise ValueError(f"invalid season {text!r}: expected the form 2023-24") from None
        if f"{(season.start_year + 1) % 100:02d}" != end:
            raise ValueError(f"invalid season {text!r}: expected the form 2023-24")
        return season

    @classmethod
    def of_date(cls, day: date) -> Season:
        """The season a game played on ``day`` belongs to.

        Seasons turn over on 1 September, except in 2020 when the 2019-20 playoffs ran in the
        Orlando bubble until 11 October and 2020-21 began on 22 December.
        """
        if day.year == 2020 and day < date(2020, 11, 1):
            return cls(2019)
        return cls(day.year if day.month >= 9 else day.year - 1)

    @classmethod
    def of_game_id(cls, game_id: str) -> Season:
        """The season encoded in a stats.nba.com game id (``"0022300001"`` -> 2023-24)."""
        yy = int(game_id[3:5])
        return cls(2000 + yy if yy < 90 else 1900 + yy)

    def season_id(self, season_type: str = "Regular Season") -> str:
        """The stats.nba.com season id, e.g. ``"22023"`` for the 2023-24 regular season."""
        return f"{SEASON_TYPE_DIGITS[season_type]}{self.start_year}"

    def previous(self) -> Season:
        return Season(self.start_year - 1)


def season_type_of_game_id(game_id: str) -> str:
    """``"0042300101"`` -> ``"Playoffs"``."""
    try:
        return DIGIT_SEASON_TYPES[game_id[2]]
    except (IndexError, KeyError):
        raise ValueError(f"invalid game id {game_id!r}: expected 10 digits like 0022300001") from None
