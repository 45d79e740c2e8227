"""The one specification of every feature: name, type, range, meaning, in column order.

Everything else that names the features derives from :data:`FEATURES`:

* the ``GameFeatures`` document model (:mod:`nba_predictions.documents.models` generates its fields
  from :func:`FeatureSpec.field_definition`, hence the JSON Schemas in ``schemas/``);
* the column order of every feature matrix (:data:`ALL_FEATURES`: the features of the score,
  :data:`SCORE_FEATURES`, the first models' inputs, then the stakes and the
  performances of issue 23; a model takes its own columns by name);
* the range checks: per value (the document model, :func:`valid_feature_rows` on whole columns) and
  the windows of the seconds features against the game's length (the input rules,
  :mod:`nba_predictions.documents.rules`);
* the feature table of ``docs/DOCUMENTS.md`` (:func:`markdown_table`, kept current by a test).

Each feature's computation lives next to it in this package, a one-game function and a vectorised
one side by side (:mod:`nba_predictions.features.context` for the record and context features,
:mod:`nba_predictions.features.timeline` for the timeline ones,
:mod:`nba_predictions.features.stakes` and :mod:`nba_predictions.features.performance`); see
docs/FEATURES.md ("Adding a feature").  The stakes and performance specifications live here, not
beside their computations, because those modules import this one.  Standard library only:
pydantic and numpy are imported by the functions that need them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from nba_predictions.core.domain import CONFERENCE_SIZE, OVERTIME_SECONDS, REGULATION_SECONDS

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

# --- The limits the features are defined with, named once ----------------------------------------

MAX_DIFF_RANKS = CONFERENCE_SIZE - 1
"""``diff_ranks`` of the first against the last team of a conference."""
MAX_POSITION_SCORE = 2
"""``position_score``'s upper bound: ``2 - (1 + 1) / 15`` is its largest value, below 2."""
CLUTCH_WINDOW_SECONDS = 300
"""Clutch time: the last 5:00 of regulation, and every overtime."""
SECOND_HALF_WINDOW_SECONDS = REGULATION_SECONDS // 2
"""The second half: the last 24:00 of regulation, and every overtime."""

CLOSE_GAME_POINTS = 10
"""A regular-season meeting decided by at most this many points counts as close (``rivalry_score``)."""
LATE_MARGIN_SECONDS = (10, 30, 60)
"""The winner's margin is read this many seconds before the final buzzer (one feature each)."""

# Stakes (issue 23, computed in :mod:`nba_predictions.features.stakes`)
FEW_GAMES_LEFT = 10
"""A seeding race counts only when the team has at most this many regular-season games left."""
RACE_GAMES_BEHIND = 1.0
"""... and is within this many games of the team on the other side of a seed line."""

# Performances (issue 23, computed in :mod:`nba_predictions.features.performance`)
FIFTY_POINTS = 50
DUEL_POINTS = 40
TRIPLE_DOUBLE = 10

Kind = Literal["int", "float", "flag"]
"""``int`` and ``float`` values; ``flag``: an int that is 0 or 1."""
Window = Literal["game", "second_half", "clutch"]
"""The stretch of game clock a seconds feature counts in (it can never exceed it)."""

_WINDOW_REGULATION_SECONDS: dict[Window, int] = {
    "game": REGULATION_SECONDS,
    "second_half": SECOND_HALF_WINDOW_SECONDS,
    "clutch": CLUTCH_WINDOW_SECONDS,
}


@dataclass(frozen=True)
class FeatureSpec:
    """One feature: what a document, a matrix column, a range check and the docs say of it."""

    name: str
    kind: Kind
    meaning: str
    """One line for the docs table."""
    ge: float | None = 0
    le: float | None = None
    description: str | None = None
    """The JSON Schema's description of the field (``None``: the spec's own features have none)."""
    in_spec: bool = False
    """One of the spec's seven (``engineered_features.json`` as specified); the others are additions."""
    window: Window | None = None
    """For a seconds feature: the stretch it counts in, checked by the input rules."""

    @property
    def is_integer(self) -> bool:
        return self.kind != "float"

    def field_definition(self) -> tuple[Any, Any]:
        """``(annotation, FieldInfo)`` of this feature's field in the ``GameFeatures`` model."""
        from pydantic import Field

        if self.kind == "flag":
            return Literal[0, 1], Field(description=self.description)
        annotation: Any = {"int": int, "float": float}[self.kind]
        return annotation, Field(ge=self.ge, le=self.le, description=self.description)

    def in_range(self, value: float) -> bool:
        """``value`` within ``ge``/``le`` (and 0 or 1 for a flag)."""
        if self.kind == "flag":
            return value in (0, 1)
        return (self.ge is None or value >= self.ge) and (self.le is None or value <= self.le)

    def window_seconds(self, overtime_periods: int) -> int | None:
        """The length of this feature's window in a game with ``overtime_periods``, or None."""
        if self.window is None:
            return None
        return _WINDOW_REGULATION_SECONDS[self.window] + OVERTIME_SECONDS * overtime_periods


def late_margin_name(seconds: int) -> str:
    """The name of the feature of the winner's margin ``seconds`` before the final buzzer."""
    return f"winner_margin_{seconds}s_left"


def _late_margin(seconds: int) -> FeatureSpec:
    return FeatureSpec(
        late_margin_name(seconds),
        "int",
        f"the winner's margin {seconds} seconds before the final buzzer (negative when it trailed)",
        ge=None,
        description=f"the winner's margin {seconds} seconds before the end (negative: it trailed)",
    )


SCORE_FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        "diff_ranks",
        "int",
        "`abs(home conference rank - away conference rank)`, ranks as of the game date",
        le=MAX_DIFF_RANKS,
        in_spec=True,
    ),
    FeatureSpec(
        "inter_conference", "flag", "1 if the teams play in different conferences, else 0", ge=None, in_spec=True
    ),
    FeatureSpec("scores_diff", "int", "`abs(home final score - away final score)`", in_spec=True),
    FeatureSpec(
        "position_score",
        "float",
        f"`2 - (home rank + away rank) / {CONFERENCE_SIZE}`, rounded to 6 decimals",
        le=MAX_POSITION_SCORE,
        in_spec=True,
    ),
    FeatureSpec(
        "competitive_seconds",
        "float",
        "game-clock seconds (2,880 + 300 per overtime) with `abs(home - away) <= 5`",
        in_spec=True,
        window="game",
    ),
    FeatureSpec("lead_changes", "int", "switches of the leading side (the official box-score rule)", in_spec=True),
    FeatureSpec(
        "rivalry_score",
        "float",
        "`0.7 x playoff meetings + 0.3 x share of regular-season meetings decided by <= 10 points` in the "
        "5 years before the game, rounded to 6 decimals",
        in_spec=True,
    ),
    FeatureSpec("times_tied", "int", "moves from a non-zero margin to a tie (the 0-0 start is not counted)"),
    FeatureSpec("overtime_periods", "int", "periods beyond the fourth"),
    FeatureSpec(
        "clutch_seconds",
        "float",
        "like `competitive_seconds`, in the last 5:00 of regulation and all overtime",
        description="seconds within 5 points in the last 5:00 of regulation and in overtime",
        window="clutch",
    ),
    FeatureSpec(
        "largest_lead", "int", "the largest margin either side held", description="largest margin either side held"
    ),
    FeatureSpec(
        "comeback_points",
        "int",
        "the largest deficit the winner overcame",
        description="largest deficit the winner overcame",
    ),
    FeatureSpec(
        "second_half_close_seconds",
        "float",
        "like `competitive_seconds`, from the start of the second half through all overtime",
        description="seconds within 5 points from the start of the second half through overtime",
        window="second_half",
    ),
    FeatureSpec(
        "decided_seconds",
        "float",
        "game-clock seconds from the last moment the margin was within 3 points to the end (0 when the game "
        "ended within 3)",
        description="seconds from the last moment the margin was within 3 points to the end "
        "(0 if the game ended within 3)",
        window="game",
    ),
    FeatureSpec(
        "go_ahead_seconds_left",
        "float",
        "seconds left when the winner took the lead for good (0 for a shot at the buzzer)",
        description="seconds left when the winner took the lead for good",
    ),
    FeatureSpec(
        "last_lead_change_seconds_left",
        "float",
        "seconds left at the last lead change (the whole game when there was none)",
        description="seconds left at the last lead change (the whole game if the lead never changed hands)",
    ),
    FeatureSpec(
        "last_tie_seconds_left",
        "float",
        "seconds left when the score was last level (the 0-0 start counts)",
        description="seconds left when the score was last level (0-0 counts)",
    ),
    *(_late_margin(seconds) for seconds in LATE_MARGIN_SECONDS),
)
"""The features of the score (the spec's seven first): the first models' inputs, in their order."""

STAKES_FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("playoff_round", "int", "playoff round 1-4 (4 = the Finals), 0 outside the playoffs", le=4),
    FeatureSpec("series_game", "int", "game number in the playoff series 1-7, 0 outside the playoffs", le=7),
    FeatureSpec("series_leader_wins", "int", "wins before this game of the team leading the series", le=3),
    FeatureSpec("series_trailer_wins", "int", "wins before this game of the other team of the series", le=3),
    FeatureSpec(
        "elimination_game",
        "flag",
        "1 when a team can be eliminated: a playoff team on 3 wins can clinch, or a play-in game whose loser is out",
        ge=None,
    ),
    FeatureSpec("game_seven", "flag", "1 for a Game 7 (both teams facing elimination)", ge=None),
    FeatureSpec("play_in", "flag", "1 for a play-in game", ge=None),
    FeatureSpec("cup_final", "flag", "1 for the NBA Cup final (game id `006...`)", ge=None),
    FeatureSpec(
        "seed_race_teams",
        "int",
        f"teams (0-2) within {RACE_GAMES_BEHIND:g} game of a seed line with <= {FEW_GAMES_LEFT} regular-season "
        "games left, standings as of the day",
        le=2,
    ),
)
"""What was at stake, known before tip-off (:mod:`nba_predictions.features.stakes`), in column order."""

PERFORMANCE_FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("top_points", "int", f"the most points by one player (a {FIFTY_POINTS}-point game: >= {FIFTY_POINTS})"),
    FeatureSpec(
        "duel_points",
        "int",
        f"the smaller of the two teams' top scorers' points (a duel: >= {DUEL_POINTS})",
    ),
    FeatureSpec(
        "all_round",
        "int",
        f"the largest over players of min(points, rebounds, assists) (a triple-double: >= {TRIPLE_DOUBLE})",
    ),
)
"""What a player did (:mod:`nba_predictions.features.performance`), from the timeline's ``player_lines``
(all 0 where they are unknown), in column order."""

FEATURES: tuple[FeatureSpec, ...] = (*SCORE_FEATURES, *STAKES_FEATURES, *PERFORMANCE_FEATURES)
"""Every feature, in column order: the score's, then the stakes, then the performances."""

ALL_FEATURES: tuple[str, ...] = tuple(f.name for f in FEATURES)
SCORE_NAMES: tuple[str, ...] = tuple(f.name for f in SCORE_FEATURES)
STAKES_NAMES: tuple[str, ...] = tuple(f.name for f in STAKES_FEATURES)
PERFORMANCE_NAMES: tuple[str, ...] = tuple(f.name for f in PERFORMANCE_FEATURES)
EXTRA_FEATURES: tuple[str, ...] = tuple(f.name for f in FEATURES if not f.in_spec)
LAST_SECONDS_FEATURES: tuple[str, ...] = SCORE_NAMES[SCORE_NAMES.index("go_ahead_seconds_left") :]
"""The extras that see the last seconds (added with the possession-aware label, see docs/MODEL.md)."""
WINDOWED_FEATURES: tuple[FeatureSpec, ...] = tuple(f for f in FEATURES if f.window is not None)
"""The seconds features that count within a window of the game clock."""


def out_of_range(values: dict[str, float]) -> str | None:
    """The first feature of ``values`` outside its specified range, as ``name value``, else None."""
    for spec in FEATURES:
        if spec.name in values and not spec.in_range(values[spec.name]):
            return f"{spec.name} {values[spec.name]!r}"
    return None


def valid_feature_rows(matrix: np.ndarray) -> np.ndarray:
    """Per row of a feature matrix (columns :data:`ALL_FEATURES`): finite and every value in its
    specified range, checked on whole columns (numpy is imported when called)."""
    import numpy as np

    good = np.isfinite(matrix).all(axis=1)
    for i, spec in enumerate(FEATURES):
        column = matrix[:, i]
        if spec.kind == "flag":
            good &= np.isin(column, (0, 1))
            continue
        if spec.ge is not None:
            good &= column >= spec.ge
        if spec.le is not None:
            good &= column <= spec.le
    return good


def _group(spec: FeatureSpec) -> str:
    if spec in STAKES_FEATURES:
        return "stakes"
    if spec in PERFORMANCE_FEATURES:
        return "performance"
    return "addition"


def markdown_table() -> str:
    """The feature table of docs/DOCUMENTS.md (between its ``features-table`` markers)."""

    def bound(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    lines = ["| # | feature | type | range | meaning |", "|---|---|---|---|---|"]
    for i, spec in enumerate(FEATURES, start=1):
        kind = "0 or 1" if spec.kind == "flag" else spec.kind
        if spec.kind == "flag":
            limits = "0, 1"
        elif spec.ge is None and spec.le is None:
            limits = "any"
        else:
            limits = f"{bound(spec.ge)} to {bound(spec.le)}" if spec.le is not None else f">= {bound(spec.ge)}"
        origin = "" if spec.in_spec else f" ({_group(spec)})"
        lines.append(f"| {i} | `{spec.name}`{origin} | {kind} | {limits} | {spec.meaning} |")
    return "\n".join(lines) + "\n"
