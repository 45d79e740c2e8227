"""The bias figures of a label and of a model's ratings, and the goals they are held to.

A label should not follow how many points were scored, and the ratings should not drift from the
label with scoring, by season or on the games decided in the last seconds.  :func:`bias_figures`
measures that on any set of games; :func:`goal_checks` turns the figures of a run into the goals of
``docs/MODEL.md`` (each with its measured figure and whether it is met).

Definitions (all from the score timeline and the final score):

* **tight game**: regulation, final margin <= :data:`TIGHT_FINAL_MARGIN`, within 5 points for the whole
  last 5:00 (``clutch_seconds`` = 300);
* **decided in the final seconds**: the winner took the lead for good with at most
  :data:`DECIDED_SECONDS` left (``go_ahead_seconds_left``);
* **widest blowouts**: final margin >= :data:`BLOWOUT_POINTS` (with the worth-watching label, without an
  exceptional performance: ``Games(..., exceptional=...)``, a 50-point scorer);
* **level check**: among regulation games of :data:`LEVEL_SEASON` with final margin <= 3, the mean
  rating of the lowest- and the highest-scoring third.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nba_predictions.documents.models import ALL_FEATURES

TIGHT_FINAL_MARGIN = 4
DECIDED_SECONDS = 10.0
BLOWOUT_POINTS = 45
LEVEL_SEASON = "2023-24"
LEVEL_FINAL_MARGIN = 3

# The games fans remember best: acclaimed classics and buzzer-beaters (game id -> description).
FAMOUS_GAMES: dict[str, str] = {
    "0041500407": "2016 Finals Game 7, CLE 93-89 at GSW: tied 89-89 from 4:39 to 0:53",
    "0041800217": "2019 East semifinals Game 7, PHI 90-92 at TOR: Kawhi Leonard's buzzer-beater",
    "0021500874": "2016-02-27, GSW 121-118 at OKC in overtime: Stephen Curry's 38-footer with 0.6 s left",
    "0042200306": "2023 East finals Game 6, BOS 104-103 at MIA: Derrick White's tip-in at the buzzer",
    "0041800165": "2019 first round Game 5, OKC 115-118 at POR: Damian Lillard's series-winner",
    "0041900312": "2020 West finals Game 2, DEN 103-105 at LAL: Anthony Davis's buzzer-beater",
}
CLASSIC_RATING = 80.0
BLOWOUT_RATING = 20.0

# The goals (issue 15), in the order the run prints them.
GOAL_LABEL_POINTS = 0.30  # tight games: Spearman(label, total points) <= this
GOAL_RESIDUAL_POINTS = 0.20  # tight games: |Spearman(residual, total points)| <= this
GOAL_SEASON_RESIDUAL = 1.5  # every season: |mean residual| <= this
GOAL_DECIDED_MAE = 5.0  # decided in the final seconds: mean |residual| <= this
GOAL_SPEARMAN = 0.95  # held-out seasons, against the label
GOAL_MAE = 7.5
GOAL_OLD_LABEL_SPEARMAN = 0.90  # held-out seasons, the new ratings against the old label


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if a.size < 3:
        return float("nan")
    return float(spearmanr(a, b)[0])


def _r(x: float, digits: int = 4) -> float:
    return float(round(float(x), digits))


class Games:
    """What the figures need about each game, as columns (row ``i`` = game ``i``)."""

    def __init__(
        self,
        features: np.ndarray,
        total_points: np.ndarray,
        seasons: Sequence[str] | np.ndarray,
        game_ids: Sequence[str],
        exceptional: np.ndarray | None = None,
        exceptional_text: str = "",
    ) -> None:
        col = {name: features[:, i] for i, name in enumerate(ALL_FEATURES)}
        self.total_points = np.asarray(total_points, dtype=float)
        self.seasons = np.asarray(seasons)
        self.game_ids = list(game_ids)
        regulation = col["overtime_periods"] == 0
        self.tight = regulation & (col["scores_diff"] <= TIGHT_FINAL_MARGIN) & (col["clutch_seconds"] >= 300)
        self.decided_late = col["go_ahead_seconds_left"] <= DECIDED_SECONDS
        self.blowout = col["scores_diff"] >= BLOWOUT_POINTS
        # With the worth-watching label a blowout with an exceptional performance may rate high.
        self.blowout_excludes = exceptional_text if exceptional is not None else ""
        if exceptional is not None:
            self.blowout = self.blowout & ~np.asarray(exceptional, dtype=bool)
        self.level = regulation & (col["scores_diff"] <= LEVEL_FINAL_MARGIN) & (self.seasons == LEVEL_SEASON)


def _thirds(values: np.ndarray, points: np.ndarray) -> tuple[float, float]:
    """Mean of ``values`` in the lowest- and in the highest-scoring third (by ``points``)."""
    if values.size < 3:
        return float("nan"), float("nan")
    low, high = np.quantile(points, [1 / 3, 2 / 3])
    return float(values[points < low].mean()), float(values[points > high].mean())


def label_figures(label: np.ndarray, games: Games, rows: np.ndarray) -> dict[str, Any]:
    """The label's dependence on scoring among the tight games of ``rows``."""
    t = rows & games.tight
    low, high = _thirds(label[t], games.total_points[t])
    return {
        "tight_games": int(t.sum()),
        "tight_label_points_spearman": _r(_spearman(label[t], games.total_points[t])),
        "tight_label_low_third": _r(low, 2),
        "tight_label_high_third": _r(high, 2),
    }


def bias_figures(label: np.ndarray, pred: np.ndarray, games: Games, rows: np.ndarray) -> dict[str, Any]:
    """Label and residual (rating - label) figures over the games of ``rows``."""
    rating = np.clip(pred, 0.0, 100.0)
    res = rating - label
    t = rows & games.tight
    d = rows & games.decided_late
    low, high = _thirds(rating[t], games.total_points[t])
    out = label_figures(label, games, rows)
    out.update(
        {
            "tight_residual_points_spearman": _r(_spearman(res[t], games.total_points[t])),
            "tight_rating_low_third": _r(low, 2),
            "tight_rating_high_third": _r(high, 2),
            "decided_late_games": int(d.sum()),
            "decided_late_mean_abs_residual": _r(float(np.abs(res[d]).mean()) if d.any() else float("nan"), 3),
            "decided_late_mean_residual": _r(float(res[d].mean()) if d.any() else float("nan"), 3),
            "season_mean_residual": {
                str(s): _r(float(res[rows & (games.seasons == s)].mean()), 3)
                for s in sorted(set(games.seasons[rows].tolist()))
            },
        }
    )
    return out


def rating_figures(label: np.ndarray, pred: np.ndarray, games: Games) -> dict[str, Any]:
    """Famous games, widest blowouts and the level check, over every game."""
    rating = np.clip(pred, 0.0, 100.0)
    where = {g: i for i, g in enumerate(games.game_ids)}
    famous = {
        g: {"label": _r(label[where[g]], 2), "rating": _r(rating[where[g]], 2), "season": str(games.seasons[where[g]])}
        for g in FAMOUS_GAMES
        if g in where
    }
    low, high = _thirds(rating[games.level], games.total_points[games.level])
    excludes = {"blowout_excludes": games.blowout_excludes} if games.blowout_excludes else {}
    return {
        **excludes,
        "famous_games": famous,
        "blowout_games": int(games.blowout.sum()),
        "blowout_max_rating": _r(float(rating[games.blowout].max()) if games.blowout.any() else float("nan"), 2),
        "level_games": int(games.level.sum()),
        "level_rating_low_third": _r(low, 2),
        "level_rating_high_third": _r(high, 2),
    }


def _within(x: float, bound: float) -> bool:
    return bool(np.isfinite(x) and abs(x) <= bound)


def goal_checks(figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The goals, each with the figures it was judged on and whether it is met.

    ``figures`` has ``all`` and ``unseen`` (:func:`bias_figures` over every game and over the games
    outside the training seasons), ``ratings`` (:func:`rating_figures`), and ``held_out``: per test
    season ``spearman``, ``mae`` and ``old_label_spearman``.  A goal on residuals must hold on every
    game *and* on the unseen ones (the training seasons' residuals are in-sample).
    """
    every, unseen, ratings = figures["all"], figures["unseen"], figures["ratings"]
    held = figures["held_out"]
    seasons = {**every["season_mean_residual"]}
    worst_season = max(seasons, key=lambda s: abs(seasons[s]))
    famous = ratings["famous_games"]
    lowest = min(famous, key=lambda g: famous[g]["rating"]) if famous else None
    without = f" without {ratings['blowout_excludes']}" if ratings.get("blowout_excludes") else ""
    goals = [
        (
            "tight games: Spearman(label, total points) <= 0.30",
            f"{every['tight_label_points_spearman']:.3f} over {every['tight_games']:,} tight games "
            f"(low-scoring third {every['tight_label_low_third']:.1f}, high-scoring third "
            f"{every['tight_label_high_third']:.1f})",
            every["tight_label_points_spearman"] <= GOAL_LABEL_POINTS,
        ),
        (
            "tight games: Spearman(residual, total points) within +-0.20",
            f"{every['tight_residual_points_spearman']:+.3f} over all {every['tight_games']:,}, "
            f"{unseen['tight_residual_points_spearman']:+.3f} over the {unseen['tight_games']} outside the training "
            "seasons",
            _within(every["tight_residual_points_spearman"], GOAL_RESIDUAL_POINTS)
            and _within(unseen["tight_residual_points_spearman"], GOAL_RESIDUAL_POINTS),
        ),
        (
            "mean residual of every season within +-1.5",
            f"worst {worst_season} {seasons[worst_season]:+.2f} (every season in the season table)",
            all(_within(v, GOAL_SEASON_RESIDUAL) for v in seasons.values()),
        ),
        (
            "games decided in the final 10 seconds: mean absolute residual <= 5",
            f"{every['decided_late_mean_abs_residual']:.2f} over all {every['decided_late_games']:,}, "
            f"{unseen['decided_late_mean_abs_residual']:.2f} over the {unseen['decided_late_games']} outside the "
            "training seasons",
            every["decided_late_mean_abs_residual"] <= GOAL_DECIDED_MAE
            and unseen["decided_late_mean_abs_residual"] <= GOAL_DECIDED_MAE,
        ),
        (
            "held-out seasons: Spearman >= 0.95 and MAE <= 7.5 against the new label",
            ", ".join(f"{s}: {v['spearman']:.3f} / {v['mae']:.2f}" for s, v in held.items()),
            all(v["spearman"] >= GOAL_SPEARMAN and v["mae"] <= GOAL_MAE for v in held.values()),
        ),
        (
            "held-out seasons: Spearman >= 0.90 against the old label",
            ", ".join(f"{s}: {v['old_label_spearman']:.3f}" for s, v in held.items()),
            all(v["old_label_spearman"] >= GOAL_OLD_LABEL_SPEARMAN for v in held.values()),
        ),
        (
            "acclaimed classics rate >= 80",
            f"lowest: {FAMOUS_GAMES[lowest].split(':')[0]} {famous[lowest]['rating']:.1f}"
            if lowest
            else "no famous game found",
            bool(famous) and all(v["rating"] >= CLASSIC_RATING for v in famous.values()),
        ),
        (
            f"the widest blowouts (won by {BLOWOUT_POINTS}+){without} stay <= 20",
            f"highest rating {ratings['blowout_max_rating']:.1f} over {ratings['blowout_games']} games",
            ratings["blowout_max_rating"] <= BLOWOUT_RATING,
        ),
    ]
    return [{"goal": g, "figure": f, "met": bool(m)} for g, f, m in goals]
