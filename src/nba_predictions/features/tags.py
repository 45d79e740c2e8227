"""Spoiler-safe tags: short reasons a game was worth watching that say nothing about its result.

:data:`TAGS` is the one table of tags (name, the text a fan reads, the feature and threshold that
decides it).  A tag ships only if it carries no information about the result: over the whole
bundled archive, the home team's win rate among the games with the tag, and the better-record
team's win rate among them, are each within :data:`MAX_LEAK_POINTS` percentage points of their
rates over all games.  :data:`REJECTED_TAGS` are the candidates that failed (kept so the leak
table in docs/WEB.md shows their figures); :func:`leak_table` computes the figures from whole
columns, ``tests/integration/test_tag_leak.py`` fails when a shipped tag moves more than the
limit, and ``scripts/tag_leak_table.py`` prints the table.

Only side-symmetric features are candidates (neither side named), and none about overtime, the
margin, a last shot or who led.  A game shows at most :data:`MAX_TAGS_SHOWN` tags, in table order.
Standard library only, except :func:`tag_masks` and :func:`leak_table` (numpy, imported when called).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nba_predictions.features.spec import ALL_FEATURES

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

MAX_LEAK_POINTS = 3.0
"""A shipped tag's home and better-record win rates stay within this many points of the overall rates."""
MAX_TAGS_SHOWN = 3


@dataclass(frozen=True)
class Tag:
    """A tag: ``feature >= at``."""

    name: str
    text: str
    """What the page shows."""
    feature: str
    at: float

    def applies(self, features: Mapping[str, float]) -> bool:
        return float(features[self.feature]) >= self.at

    @property
    def rule(self) -> str:
        return f"`{self.feature} >= {self.at:g}`"


TAGS: tuple[Tag, ...] = (
    Tag("back-and-forth", "back-and-forth", "lead_changes", 6),
    Tag("level-often", "level again and again", "times_tied", 5),
    Tag("playoff-history", "playoff history", "rivalry_score", 2),
    Tag("strong-teams", "two top-half teams", "position_score", 1),
)
"""The shipped tags, in the order a game shows them."""

REJECTED_TAGS: tuple[Tag, ...] = (
    Tag("many-lead-changes", "lead changing hands all night", "lead_changes", 10),
    Tag("tied-often", "tied again and again", "times_tied", 8),
    Tag("close-throughout", "close all game", "competitive_seconds", 1700),
    Tag("tight-second-half", "tight second half", "second_half_close_seconds", 400),
    Tag("close-late", "close late", "clutch_seconds", 176),
    Tag("big-swings", "big swings", "largest_lead", 20),
    Tag("top-teams", "two top teams", "position_score", 1.4),
)
"""Candidates that failed the leak test (their figures are in docs/WEB.md); never shown."""

TAGS_BY_NAME: dict[str, Tag] = {tag.name: tag for tag in TAGS}


def tags_of(features: Mapping[str, float]) -> tuple[str, ...]:
    """The names of the shipped tags ``features`` (a game's feature values) earn, at most three."""
    return tuple(tag.name for tag in TAGS if tag.applies(features))[:MAX_TAGS_SHOWN]


def tag_texts(names: str | None) -> list[str]:
    """The texts of stored tag names (comma-separated); names no longer shipped are dropped."""
    if not names:
        return []
    return [TAGS_BY_NAME[name].text for name in names.split(",") if name in TAGS_BY_NAME][:MAX_TAGS_SHOWN]


def tag_masks(matrix: np.ndarray, tags: tuple[Tag, ...]) -> dict[str, np.ndarray]:
    """Per tag, which rows of a feature matrix (columns :data:`ALL_FEATURES`) carry it."""
    return {tag.name: matrix[:, ALL_FEATURES.index(tag.feature)] >= tag.at for tag in tags}


@dataclass(frozen=True)
class LeakRow:
    """One tag's figures over the archive: win rates in percent among the games with the tag
    and among those without it, and their differences from the rates over all games."""

    tag: Tag
    games: int
    home_win: float
    better_win: float
    home_delta: float
    better_delta: float
    home_delta_without: float
    better_delta_without: float

    @property
    def deltas(self) -> tuple[float, float, float, float]:
        return (self.home_delta, self.better_delta, self.home_delta_without, self.better_delta_without)

    @property
    def passes(self) -> bool:
        return all(abs(delta) <= MAX_LEAK_POINTS for delta in self.deltas)


@dataclass(frozen=True)
class LeakTable:
    games: int
    home_win: float
    better_games: int
    better_win: float
    rows: list[LeakRow]

    def markdown(self) -> str:
        lines = [
            f"Over {self.games:,} archive games: the home team won {self.home_win:.1f} %, the team with the "
            f"better record before the game {self.better_win:.1f} % (of the {self.better_games:,} games whose "
            "records differ).",
            "",
            "| tag | shown as | rule | games | home win % | Δ | better-record win % | Δ | Δ home, without | "
            "Δ better, without | verdict |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in self.rows:
            verdict = "shipped" if row.tag in TAGS else "rejected"
            lines.append(
                f"| {row.tag.name} | {row.tag.text} | {row.tag.rule} | {row.games:,} | {row.home_win:.1f} | "
                f"{row.home_delta:+.1f} | {row.better_win:.1f} | {row.better_delta:+.1f} | "
                f"{row.home_delta_without:+.1f} | {row.better_delta_without:+.1f} | {verdict} |"
            )
        return "\n".join(lines)


def leak_table(matrix: np.ndarray, home_won: np.ndarray, better_won: np.ndarray) -> LeakTable:
    """The leak figures of every candidate tag, on whole columns.

    ``home_won``: 1 where the home team won.  ``better_won``: 1 where the team with the better
    record before the game won, 0 where the other did, NaN where the records were equal (left out
    of the better-record rates).
    """
    import numpy as np

    def pct(values: np.ndarray) -> float:
        return 100.0 * float(np.mean(values)) if len(values) else float("nan")

    decided = ~np.isnan(better_won)
    home_all, better_all = pct(home_won), pct(better_won[decided])
    rows = []
    for tag in TAGS + REJECTED_TAGS:
        mask = tag_masks(matrix, (tag,))[tag.name]
        home, better = pct(home_won[mask]), pct(better_won[mask & decided])
        home_without, better_without = pct(home_won[~mask]), pct(better_won[~mask & decided])
        rows.append(
            LeakRow(
                tag,
                int(mask.sum()),
                home,
                better,
                home - home_all,
                better - better_all,
                home_without - home_all,
                better_without - better_all,
            )
        )
    return LeakTable(len(home_won), home_all, int(decided.sum()), better_all, rows)
