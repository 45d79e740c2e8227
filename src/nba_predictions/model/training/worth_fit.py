"""The worth-watching label inside the training run (issue 23): choose its weights, fit it, report it.

:func:`fit_worth_label` runs when the feature matrix has the stakes and performance columns
(:func:`~.worth.worth_columns`): it chooses the weights on the validation seasons against the acclaimed
games of the training seasons (:func:`~.worth.choose_weights`) and labels every game.
:func:`worth_details` then measures the trained model (and the first model, the "before") against the
issue's Done-when and returns what the metadata records: the form, the weights and how they were
chosen, the acclaimed set rated, the figures, and how much each stakes and performance feature moves
the median held-out game.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nba_predictions.features.spec import FIFTY_POINTS
from nba_predictions.model.training import worth as wt
from nba_predictions.model.training import worth_report as wr
from nba_predictions.model.training.acclaimed import AcclaimedGame, load_acclaimed

TARGET = "100 x percentile of the worth-watching raw score among the training games, lifted to the performance floor"


@dataclass(frozen=True)
class WorthFit:
    """The chosen weights, the fitted label and what it was chosen against."""

    choice: wt.WorthChoice
    fitted: wt.FittedWorth
    columns: Mapping[str, np.ndarray]
    acclaimed: Sequence[AcclaimedGame]

    @property
    def label(self) -> np.ndarray:
        return self.fitted.label


def fit_worth_label(
    ei_label: np.ndarray,
    columns: Mapping[str, np.ndarray],
    game_ids: Sequence[str],
    train_rows: np.ndarray,
    val_rows: np.ndarray,
    acclaimed: Sequence[AcclaimedGame] | None = None,
) -> WorthFit:
    """Choose the weights (validation seasons, acclaimed training games) and label every game."""
    games = load_acclaimed() if acclaimed is None else acclaimed
    terms = wt.worth_terms(columns)
    choice = wt.choose_weights(ei_label, terms, train_rows, val_rows, wr.acclaimed_rows(game_ids, games))
    return WorthFit(choice, wt.fit_worth(ei_label, terms, choice.weights, train_rows), columns, games)


def worth_details(
    worth: WorthFit,
    *,
    predict: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    names: Sequence[str],
    ratings: tuple[np.ndarray, np.ndarray],
    labels: tuple[np.ndarray, np.ndarray],
    ei_label: np.ndarray,
    game_ids: Sequence[str],
    season_text: np.ndarray,
    rows: tuple[np.ndarray, np.ndarray],
    test_seasons: Sequence[str],
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """(the metadata's ``worth`` details, the Done-when goals of this model, those of the first model).

    ``ratings`` and ``labels``: (this model, the first model); ``rows``: (training, test)."""
    train, test = rows

    def where(i: int) -> str:
        return "training" if train[i] else ("held out" if test[i] else "never used")

    figures, checks, accl = {}, {}, {}
    for which, rating, label in (("after", ratings[0], labels[0]), ("before", ratings[1], labels[1])):
        accl[which] = wr.acclaimed_check(worth.acclaimed, game_ids, where, ei_label, label, rating)
        figures[which] = wr.worth_figures(
            rating, label, ei_label, worth.columns, season_text, test_seasons, accl[which]
        )
        checks[which] = wr.worth_goal_checks(figures[which])
    moves = wr.feature_moves(predict, x, names, np.clip(ratings[0], 0.0, 100.0), test)
    moves["game_id"] = game_ids[moves.pop("row")]
    fifty = worth.columns["top_points"] >= FIFTY_POINTS
    details = {
        "form": wt.WORTH_FORM,
        "weights": worth.choice.weights.to_dict(),
        "choice": worth.choice.to_dict(),
        "grid": {name: list(values) for name, values in wt.WORTH_GRID},
        "min_ei_spearman": wt.MIN_EI_SPEARMAN,
        "acclaimed_label": wt.ACCLAIMED_LABEL,
        "reference_quantiles": list(worth.fitted.scale.quantiles),
        "columns": list(wt.WORTH_COLUMNS),
        "games_with_player_lines": int((worth.columns["top_points"] > 0).sum()),
        "fifty_point_games": int(fifty.sum()),
        "acclaimed": accl["after"]["games"],
        "acclaimed_missing": accl["after"]["missing"],
        "acclaimed_before": {g["game_id"]: g["rating"] for g in accl["before"]["games"]},
        "figures": figures,
        "moves": moves,
    }
    return details, checks["after"], checks["before"]
