"""Typed values that travel between sources and steps.

All are pydantic models with ``extra="forbid"`` so a document that carries them is validated
field by field.  ``game_id`` is always a 10-character string ("0022300001"): never an int.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

GameId = Annotated[str, Field(pattern=r"^\d{10}$", description="stats.nba.com game id, e.g. 0022300001")]
Conference = Literal["East", "West"]
SeasonType = Literal["Regular Season", "Playoffs", "Play-In", "NBA Cup Final"]

REGULATION_SECONDS = 2880
OVERTIME_SECONDS = 300
CONFERENCE_SIZE = 15
"""Teams in a conference (since 2004-05; the West had 14 before): conference ranks are 1..15."""


def game_length_seconds(periods: int) -> int:
    """Game-clock length: 2,880 s in regulation plus 300 s per overtime period."""
    return REGULATION_SECONDS + OVERTIME_SECONDS * max(0, periods - 4)


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class GameRecord(Frozen):
    """One completed game with the spec's collection fields (the ``raw_data`` of later documents)."""

    game_id: GameId
    date: Date
    home_team_id: int
    away_team_id: int
    home_team_abbreviation: str = Field(min_length=2, max_length=3)
    away_team_abbreviation: str = Field(min_length=2, max_length=3)
    season_id: str = Field(pattern=r"^[1-6]\d{4}$", description="season-type digit + start year, e.g. 22023")
    home_team_score: int = Field(ge=0)
    away_team_score: int = Field(ge=0)
    lead_changes: int = Field(ge=0)
    times_tied: int = Field(ge=0)
    game_status: str
    attendance: int | None = Field(default=None, ge=0, description="null where unknown")
    start_time_utc: datetime | None = Field(
        default=None,
        description="scheduled tip-off, ISO 8601 in UTC ('2025-10-21T23:30:00Z'); null where the source gives none",
    )

    @model_validator(mode="after")
    def _check(self) -> GameRecord:
        if self.start_time_utc is not None and self.start_time_utc.utcoffset() != timedelta(0):
            raise ValueError(f"start_time_utc {self.start_time_utc.isoformat()} is not in UTC (end it in Z)")
        if self.home_team_id == self.away_team_id:
            raise ValueError(f"home_team_id and away_team_id are both {self.home_team_id}: a game needs two teams")
        # "0022300559" is a 2023-24 regular-season game: its season_id must be "22023".
        if self.season_id[0] != self.game_id[2] or self.season_id[3:] != self.game_id[3:5]:
            raise ValueError(
                f"season_id {self.season_id} does not match game_id {self.game_id} "
                f"(expected {self.game_id[2]}20{self.game_id[3:5]} or {self.game_id[2]}19{self.game_id[3:5]})"
            )
        return self


class LeaderLine(Frozen):
    """One player's points, rebounds and assists in one game, summed from the play-by-play, and his side.

    A timeline's ``player_lines`` hold each side's leading lines (its top scorer and its best
    all-round line, :func:`nba_predictions.features.performance.leading_lines`): what the performance
    features need, and no player's identity.
    """

    side: Literal["home", "away"]
    points: int = Field(ge=0)
    rebounds: int = Field(ge=0)
    assists: int = Field(ge=0)


class ScoreTimeline(Frozen):
    """Score after every change of score.

    ``events`` are ``[elapsed_seconds, home_score, away_score]`` with ``elapsed_seconds`` the
    game-clock seconds since tip-off (overtime periods are 300 s each), non-decreasing, and
    scores non-decreasing (same-second score corrections are resolved by the source).  Every
    event changes the score, so a game has at most as many events as points.  The 0-0 start is
    implicit (it may be listed as the first event).
    """

    periods: int = Field(ge=4, le=10)
    events: list[tuple[float, int, int]]
    player_lines: list[LeaderLine] | None = Field(
        default=None,
        description="each side's leading players' lines from the same play-by-play (top scorer, best all-round "
        "line); null where the source's play-by-play names no players",
    )

    @model_validator(mode="after")
    def _check(self) -> ScoreTimeline:
        length = game_length_seconds(self.periods)
        last_t, last_h, last_a = 0.0, 0, 0
        for i, (t, h, a) in enumerate(self.events):
            if not (0 <= t <= length):
                raise ValueError(f"events[{i}]: time {t} outside 0..{length} s for {self.periods} periods")
            if t < last_t or h < last_h or a < last_a:
                raise ValueError(f"events[{i}]: time and scores must not decrease")
            if (h, a) == (last_h, last_a) and (i > 0 or (h, a) != (0, 0)):  # a listed 0-0 start is allowed
                raise ValueError(f"events[{i}]: the score {h}-{a} does not change (events are changes of score)")
            last_t, last_h, last_a = t, h, a
        for i, line in enumerate(self.player_lines or ()):
            side_score = last_h if line.side == "home" else last_a
            if line.points > side_score:
                raise ValueError(
                    f"player_lines[{i}]: {line.points} points for one {line.side} player, more than the {line.side} "
                    f"side's final {side_score}"
                )
        return self

    @property
    def length_seconds(self) -> int:
        return game_length_seconds(self.periods)

    @property
    def final_score(self) -> tuple[int, int]:
        if not self.events:
            return (0, 0)
        return (self.events[-1][1], self.events[-1][2])


class HeadToHead(Frozen):
    """Meetings of a game's two teams in the ``window_years`` before the game date (exclusive)."""

    window_years: int = 5
    playoff_games: int = Field(ge=0)
    regular_season_games: int = Field(ge=0)
    close_regular_season_games: int = Field(ge=0, description="regular-season meetings decided by <= 10 points")

    @model_validator(mode="after")
    def _check(self) -> HeadToHead:
        if self.close_regular_season_games > self.regular_season_games:
            raise ValueError("close_regular_season_games exceeds regular_season_games")
        return self


class StakesContext(Frozen):
    """What the stakes features need beyond the game id, all from games before this one
    (:func:`nba_predictions.features.history.stakes_context`)."""

    home_series_wins: int = Field(
        default=0, ge=0, le=3, description="the home team's wins in the series' earlier games"
    )
    away_series_wins: int = Field(
        default=0, ge=0, le=3, description="the away team's wins in the series' earlier games"
    )
    seed_race_teams: int = Field(
        default=0, ge=0, le=2, description="how many of the two teams are in a late-season seeding race"
    )


class GameContext(Frozen):
    """What the features step needs beyond the game itself, as of the game date."""

    home_conference: Conference
    away_conference: Conference
    home_conference_rank: int = Field(ge=1, le=CONFERENCE_SIZE)
    away_conference_rank: int = Field(ge=1, le=CONFERENCE_SIZE)
    head_to_head: HeadToHead
    stakes: StakesContext | None = Field(
        default=None,
        description="series state and seeding races before the game; null in a document from before the stakes "
        "features (the features step then rebuilds the context from the source)",
    )


class GameResult(Frozen):
    """A final result, used for standings and head-to-head history."""

    game_id: GameId
    date: Date
    season_type: SeasonType
    home_team_id: int
    away_team_id: int
    home_score: int = Field(ge=0)
    away_score: int = Field(ge=0)
