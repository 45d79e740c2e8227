"""What the training run reports of the worth-watching label (issue 23): the Done-when figures and goals,
the acclaimed set rated, and how much each stakes and performance feature moves the median held-out game.

* :func:`same_decile_gap`: the mean rating of a group of games minus that of other games with the same
  Excitement Index (the same EI-label decile), decile by decile, weighted by the group's games, with its
  standard error;
* :func:`acclaimed_rows` / :func:`acclaimed_check`: the acclaimed development set, per game and its share
  rated >= 80;
* :func:`worth_figures` and :func:`worth_goal_checks`: the figures of one model and the goals of the
  issue's Done-when, each met or not with its figure (as :func:`~.bias.goal_checks` does for the others);
* :func:`feature_moves`: the median held-out game rated again with its stakes or performance changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from nba_predictions.features.spec import FIFTY_POINTS
from nba_predictions.model.training.acclaimed import AcclaimedGame
from nba_predictions.model.training.worth import FINALS_ROUND

ACCLAIMED_RATING = 80.0
GOAL_ACCLAIMED_SHARE = 0.90
GOAL_WORTH_SPEARMAN = 0.95
GOAL_WORTH_MAE = 5.0
GOAL_EI_SPEARMAN = 0.85
GOAL_GAP_STANDARD_ERRORS = 2.0
"""A same-decile gap must exceed this many of its standard errors: higher on average beyond chance."""

# Each scenario: what the median held-out game is made, and the feature values that make it so.
SCENARIOS: tuple[tuple[str, dict[str, float]], ...] = (
    ("a first-round Game 1 (0-0)", {"playoff_round": 1, "series_game": 1}),
    (
        "a first-round Game 5 (2-2)",
        {"playoff_round": 1, "series_game": 5, "series_leader_wins": 2, "series_trailer_wins": 2},
    ),
    (
        "a first-round Game 6 (3-2): elimination",
        {
            "playoff_round": 1,
            "series_game": 6,
            "series_leader_wins": 3,
            "series_trailer_wins": 2,
            "elimination_game": 1,
        },
    ),
    (
        "a first-round Game 7 (3-3)",
        {
            "playoff_round": 1,
            "series_game": 7,
            "series_leader_wins": 3,
            "series_trailer_wins": 3,
            "elimination_game": 1,
            "game_seven": 1,
        },
    ),
    ("a Finals Game 1 (0-0)", {"playoff_round": 4, "series_game": 1}),
    (
        "a Finals Game 7 (3-3)",
        {
            "playoff_round": 4,
            "series_game": 7,
            "series_leader_wins": 3,
            "series_trailer_wins": 3,
            "elimination_game": 1,
            "game_seven": 1,
        },
    ),
    ("a play-in game whose loser is out", {"play_in": 1, "elimination_game": 1}),
    ("the NBA Cup final", {"cup_final": 1}),
    ("both teams in a seeding race", {"seed_race_teams": 2}),
    ("a 50-point scorer", {"top_points": 50}),
    ("a 60-point scorer", {"top_points": 60}),
    ("a 70-point scorer", {"top_points": 70}),
    ("a duel: both top scorers 40", {"top_points": 40, "duel_points": 40}),
    ("a triple-double (10-10-10 or better)", {"all_round": 10}),
)


def _r(x: float, digits: int = 3) -> float:
    return float(round(float(x), digits))


def same_decile_gap(
    rating: np.ndarray, ei_label: np.ndarray, group: np.ndarray, others: np.ndarray, rows: np.ndarray
) -> dict[str, Any]:
    """Mean rating of ``group`` minus ``others`` among ``rows``, decile of the EI label by decile, weighted
    by the group's games (deciles where both have games): gap, its standard error, games and deciles."""
    decile = np.minimum(np.asarray(ei_label, dtype=float) // 10, 9).astype(int)
    gaps, counts, variances = [], [], []
    for d in range(10):
        a, b = rows & group & (decile == d), rows & others & (decile == d)
        if a.any() and b.any():
            gaps.append(float(rating[a].mean() - rating[b].mean()))
            counts.append(int(a.sum()))
            variances.append(float(rating[a].var() / a.sum() + rating[b].var() / b.sum()))
    if not counts:
        return {"gap": float("nan"), "standard_error": float("nan"), "games": 0, "deciles": 0}
    w = np.asarray(counts, dtype=float) / sum(counts)
    return {
        "gap": _r(float(np.dot(w, gaps)), 2),
        "standard_error": _r(float(np.sqrt(np.dot(w**2, variances))), 2),
        "games": sum(counts),
        "deciles": len(counts),
    }


def acclaimed_rows(game_ids: Sequence[str], acclaimed: Sequence[AcclaimedGame]) -> np.ndarray:
    """True for the games of ``game_ids`` in the acclaimed set."""
    wanted = {a.game_id for a in acclaimed}
    return np.array([g in wanted for g in game_ids], dtype=bool)


def acclaimed_check(
    acclaimed: Sequence[AcclaimedGame],
    game_ids: Sequence[str],
    where: Callable[[int], str],
    ei_label: np.ndarray,
    label: np.ndarray,
    rating: np.ndarray,
    threshold: float = ACCLAIMED_RATING,
) -> dict[str, Any]:
    """Each acclaimed game with a row (EI label, label, rating, ``where(row)``: training, held out or never
    used) and the share rated >= ``threshold``; the games with no row are named in ``missing``."""
    index = {g: i for i, g in enumerate(game_ids)}
    games: list[dict[str, Any]] = []
    missing: list[str] = []
    for a in acclaimed:
        i = index.get(a.game_id)
        if i is None:
            missing.append(a.game_id)
            continue
        games.append(
            {
                "game_id": a.game_id,
                "date": a.date,
                "kind": a.kind,
                "description": a.description,
                "source": a.source,
                "verified": a.verified,
                "where": where(i),
                "ei_label": _r(ei_label[i], 1),
                "label": _r(label[i], 1),
                "rating": _r(float(np.clip(rating[i], 0.0, 100.0)), 1),
            }
        )
    high = sum(float(g["rating"]) >= threshold for g in games)
    outside = [g for g in games if g["where"] != "training"]
    return {
        "games": games,
        "missing": missing,
        "rated_high": high,
        "share": _r(high / len(games), 4) if games else float("nan"),
        "outside_training_rated_high": sum(float(g["rating"]) >= threshold for g in outside),
        "outside_training": len(outside),
    }


def worth_figures(
    rating: np.ndarray,
    label: np.ndarray,
    ei_label: np.ndarray,
    columns: Mapping[str, np.ndarray],
    season_text: np.ndarray,
    test_seasons: Sequence[str],
    acclaimed: Mapping[str, Any],
) -> dict[str, Any]:
    """The Done-when figures of one model's ``rating`` against its ``label`` (held-out seasons)."""
    rating = np.clip(np.asarray(rating, dtype=float), 0.0, 100.0)
    test = np.isin(season_text, list(test_seasons))
    round_ = columns["playoff_round"]
    big = (round_ == FINALS_ROUND) | ((columns["elimination_game"] > 0) & (round_ > 0))
    regular = (round_ == 0) & (columns["play_in"] == 0) & (columns["cup_final"] == 0)
    fifty = columns["top_points"] >= FIFTY_POINTS
    held = {}
    for season in test_seasons:
        r = season_text == season
        held[season] = {
            "spearman": _r(_spearman(rating[r], label[r]), 4),
            "mae": _r(float(np.mean(np.abs(rating[r] - label[r]))), 3),
            "ei_spearman": _r(_spearman(rating[r], ei_label[r]), 4),
        }
    return {
        "held_out": held,
        "stakes_gap": same_decile_gap(rating, ei_label, big, regular, test),
        "fifty_gap": same_decile_gap(rating, ei_label, fifty, ~fifty, test),
        "acclaimed_share": acclaimed["share"],
        "acclaimed_games": len(acclaimed["games"]),
        "acclaimed_rated_high": acclaimed["rated_high"],
    }


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b)[0]) if a.size >= 3 else float("nan")


def _gap_met(gap: Mapping[str, Any]) -> bool:
    return bool(gap["games"] and gap["gap"] > GOAL_GAP_STANDARD_ERRORS * gap["standard_error"])


def _gap_text(gap: Mapping[str, Any]) -> str:
    return (
        f"{gap['gap']:+.1f} (standard error {gap['standard_error']:.1f}; {gap['games']} games in "
        f"{gap['deciles']} deciles)"
    )


def worth_goal_checks(figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The issue's Done-when goals not among :func:`~.bias.goal_checks`, each with its figure and whether it is met."""
    held = figures["held_out"]
    k = GOAL_GAP_STANDARD_ERRORS
    goals = [
        (
            f"held-out seasons: Spearman >= {GOAL_WORTH_SPEARMAN} and MAE <= {GOAL_WORTH_MAE:g} against the worth "
            f"label, Spearman >= {GOAL_EI_SPEARMAN} against the Excitement Index label",
            ", ".join(f"{s}: {v['spearman']:.3f} / {v['mae']:.2f}; {v['ei_spearman']:.3f}" for s, v in held.items()),
            all(
                v["spearman"] >= GOAL_WORTH_SPEARMAN
                and v["mae"] <= GOAL_WORTH_MAE
                and v["ei_spearman"] >= GOAL_EI_SPEARMAN
                for v in held.values()
            ),
        ),
        (
            f"held-out, same EI decile: Finals and elimination games rate above regular-season games by more than "
            f"{k:g} standard errors",
            _gap_text(figures["stakes_gap"]),
            _gap_met(figures["stakes_gap"]),
        ),
        (
            f"held-out, same EI decile: games with a {FIFTY_POINTS}-point scorer rate above the others by more than "
            f"{k:g} standard errors",
            _gap_text(figures["fifty_gap"]),
            _gap_met(figures["fifty_gap"]),
        ),
        (
            f"the acclaimed set: at least {GOAL_ACCLAIMED_SHARE:.0%} rated >= {ACCLAIMED_RATING:g}",
            f"{figures['acclaimed_rated_high']} of {figures['acclaimed_games']} ({figures['acclaimed_share']:.0%})",
            figures["acclaimed_share"] >= GOAL_ACCLAIMED_SHARE,
        ),
    ]
    return [{"goal": g, "figure": f, "met": bool(m)} for g, f, m in goals]


def feature_moves(
    predict: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    names: Sequence[str],
    rating: np.ndarray,
    rows: np.ndarray,
) -> dict[str, Any]:
    """The game of ``rows`` rated closest to their median, rated again as each of :data:`SCENARIOS` (its
    other features kept): how much each stakes and performance feature moves it."""
    candidates = np.flatnonzero(rows)
    row = int(candidates[np.argmin(np.abs(rating[candidates] - np.median(rating[candidates])))])
    base = float(np.clip(predict(x[row][None, :]), 0.0, 100.0)[0])
    moves = []
    for text, changes in SCENARIOS:
        changed = x[row].copy()
        for name, value in changes.items():
            changed[list(names).index(name)] = value
        after = float(np.clip(predict(changed[None, :]), 0.0, 100.0)[0])
        moves.append({"scenario": text, "features": dict(changes), "move": _r(after - base, 1)})
    return {"row": row, "rating": _r(base, 1), "moves": moves}
