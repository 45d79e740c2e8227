"""The worth-watching label (issue 23): its form, the weight choice and the Done-when checks, on hand-made arrays."""

from __future__ import annotations

import numpy as np
import pytest

from nba_predictions.errors import ModelError
from nba_predictions.model.training import bias
from nba_predictions.model.training import worth as wt
from nba_predictions.model.training import worth_report as wr
from nba_predictions.model.training.acclaimed import AcclaimedGame
from nba_predictions.model.training.worth_report import acclaimed_check, same_decile_gap


def columns(n: int, **values: object) -> dict[str, np.ndarray]:
    out = {name: np.zeros(n) for name in wt.WORTH_COLUMNS}
    for name, v in values.items():
        out[name] = np.asarray(v, dtype=float)
    return out


def test_columns_are_taken_by_name_and_missing_ones_give_none() -> None:
    names = ["scores_diff", *reversed(wt.WORTH_COLUMNS)]
    x = np.arange(len(names), dtype=float)[None, :].repeat(2, axis=0)
    cols = wt.worth_columns(x, names)
    assert cols is not None
    assert cols["top_points"][0] == names.index("top_points") and cols["playoff_round"][0] == names.index(
        "playoff_round"
    )
    assert wt.worth_columns(x[:, :-1], names[:-1]) is None
    with pytest.raises(ModelError, match="playoff_round"):
        wt.worth_terms({k: v for k, v in cols.items() if k != "playoff_round"})


def test_stakes_scale_with_the_excitement_index_and_extras_add() -> None:
    e = np.array([50.0, 10.0, 80.0, 40.0])
    terms = wt.worth_terms(
        columns(
            4,
            playoff_round=[4, 4, 1, 0],
            elimination_game=[1, 0, 0, 0],
            all_round=[0, 0, 0, 12],
            duel_points=[0, 0, 41, 0],
        )
    )
    w = wt.WorthWeights(playoffs=10, finals=40, elimination=20, triple_double=5, duel=3)
    raw = wt.raw_worth(e, terms, w)
    # A close Finals elimination game gains 70 % of its EI label, a blown-out Finals game 50 % of a small one.
    assert raw.tolist() == pytest.approx([50 * 1.7, 10 * 1.5, 80 * 1.1 + 3, 40 + 5])
    assert wt.raw_worth(e, terms, wt.WorthWeights()).tolist() == e.tolist()


def test_the_performance_floor_lifts_fifty_point_games_only() -> None:
    top = np.array([49.0, 50.0, 60.0, 80.0])
    assert wt.performance_floor(top, wt.WorthWeights(fifty_floor=90, floor_step=1)).tolist() == [0, 90, 100, 100]
    assert wt.performance_floor(top, wt.WorthWeights(fifty_floor=70)).tolist() == [0, 70, 70, 70]
    assert wt.performance_floor(top, wt.WorthWeights(floor_step=1)).tolist() == [0, 0, 0, 0]
    e = np.linspace(0, 100, 101)
    terms = wt.worth_terms(columns(101, top_points=np.where(np.arange(101) == 3, 60, 0)))
    fitted = wt.fit_worth(e, terms, wt.WorthWeights(fifty_floor=85), np.ones(101, dtype=bool))
    assert fitted.label[3] == 85 and fitted.label[50] == pytest.approx(50)


def test_the_label_is_recomputed_from_the_metadata_it_is_recorded_in() -> None:
    e = np.linspace(0, 100, 50)
    cols = columns(50, playoff_round=np.where(np.arange(50) % 7 == 0, 4, 0), top_points=np.arange(50) + 20)
    weights = wt.WorthWeights(finals=40, fifty_floor=90, floor_step=1)
    fitted = wt.fit_worth(e, wt.worth_terms(cols), weights, np.arange(50) < 40)
    details = {"weights": weights.to_dict(), "reference_quantiles": list(fitted.scale.quantiles)}
    assert wt.label_from_details(e, cols, details).tolist() == fitted.label.tolist()


def _choice_data(seed: int = 1) -> tuple[np.ndarray, wt.WorthTerms, np.ndarray, np.ndarray, np.ndarray]:
    """400 games: the acclaimed ones are Finals games of middling EI, among the training games."""
    rng = np.random.default_rng(seed)
    n = 400
    e = rng.uniform(0, 100, n)
    finals = np.zeros(n)
    finals[:20] = 4
    e[:20] = np.linspace(65, 75, 20)
    train = np.arange(n) < 300
    val = np.arange(n) >= 10  # half the Finals games validate
    acclaimed = np.zeros(n, dtype=bool)
    acclaimed[:5] = True
    return e, wt.worth_terms(columns(n, playoff_round=finals)), train, val & train, acclaimed


def test_the_choice_lifts_the_acclaimed_games_and_stays_close_to_the_excitement_index() -> None:
    e, terms, train, val, acclaimed = _choice_data()
    grid = (("finals", (0.0, 20.0, 40.0)), ("game_seven", (0.0, 40.0)))
    choice = wt.choose_weights(e, terms, train, val, acclaimed, grid=grid, min_spearman=0.9)
    # Finals 40 lifts every acclaimed Finals game to >= 85; a Game 7 weight lifts nothing and costs Spearman.
    assert choice.weights == wt.WorthWeights(finals=40.0)
    assert choice.acclaimed_share == 1.0 and choice.acclaimed_games == 5 and choice.grid_points == 6
    # A bound on the Spearman that only the EI label meets: no bonus at all.
    strict = wt.choose_weights(e, terms, train, val, acclaimed, grid=grid, min_spearman=0.99999)
    assert strict.weights == wt.WorthWeights() and strict.acclaimed_share == 0.0
    assert strict.eligible_points < strict.grid_points


def test_the_choice_fails_clearly_without_acclaimed_training_games_or_validation_games() -> None:
    e, terms, train, val, acclaimed = _choice_data()
    with pytest.raises(ModelError, match="acclaimed set .* training game"):
        wt.choose_weights(e, terms, train, val, acclaimed & ~train)
    with pytest.raises(ModelError, match="at least 3 validation games"):
        wt.choose_weights(e, terms, train, val & (np.arange(len(e)) < 12), acclaimed)
    with pytest.raises(ModelError, match="no worth-watching grid point"):
        wt.choose_weights(e, terms, train, val, acclaimed, grid=(("finals", (40.0,)),), min_spearman=0.99999)


def test_same_decile_gap_compares_games_of_the_same_excitement() -> None:
    ei = np.array([5, 5, 5, 55, 55, 55, 95, 95], dtype=float)
    group = np.array([1, 0, 0, 1, 0, 0, 0, 0], dtype=bool)
    rating = np.array([20, 10, 10, 70, 60, 60, 99, 99], dtype=float)
    everything = np.ones(8, dtype=bool)
    gap = same_decile_gap(rating, ei, group, ~group, everything)
    assert gap["gap"] == 10.0 and gap["games"] == 2 and gap["deciles"] == 2
    # Higher-EI games rated higher do not make a gap: only same-decile differences count.
    assert same_decile_gap(rating, ei, group, ~group, everything & (rating != 20))["gap"] == 10.0
    assert same_decile_gap(rating, ei, ~everything, everything, everything)["games"] == 0


def _figures(**changes: object) -> dict[str, object]:
    figures: dict[str, object] = {
        "held_out": {"2023-24": {"spearman": 0.98, "mae": 3.5, "ei_spearman": 0.97}},
        "stakes_gap": {"gap": 5.0, "standard_error": 1.0, "games": 40, "deciles": 9},
        "fifty_gap": {"gap": 30.0, "standard_error": 0.5, "games": 30, "deciles": 9},
        "acclaimed_share": 0.95,
        "acclaimed_games": 44,
        "acclaimed_rated_high": 42,
    }
    figures.update(changes)
    return figures


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"held_out": {"2023-24": {"spearman": 0.94, "mae": 3.5, "ei_spearman": 0.97}}}, 0),
        ({"held_out": {"2023-24": {"spearman": 0.98, "mae": 5.1, "ei_spearman": 0.97}}}, 0),
        ({"held_out": {"2023-24": {"spearman": 0.98, "mae": 3.5, "ei_spearman": 0.84}}}, 0),
        ({"stakes_gap": {"gap": 1.9, "standard_error": 1.0, "games": 40, "deciles": 9}}, 1),
        ({"fifty_gap": {"gap": -1.0, "standard_error": 0.5, "games": 30, "deciles": 9}}, 2),
        ({"fifty_gap": {"gap": float("nan"), "standard_error": float("nan"), "games": 0, "deciles": 0}}, 2),
        ({"acclaimed_share": 0.89, "acclaimed_rated_high": 39}, 3),
    ],
)
def test_each_done_when_goal_can_fail(changes: dict[str, object], failing: int) -> None:
    assert all(g["met"] for g in wr.worth_goal_checks(_figures()))
    goals = wr.worth_goal_checks(_figures(**changes))
    assert [i for i, g in enumerate(goals) if not g["met"]] == [failing]


def _game(game_id: str) -> AcclaimedGame:
    return AcclaimedGame(game_id, "2024-01-01", "AAA", "BBB", "performance", "a night", "https://example.org", "yes")


def test_acclaimed_check_rates_each_game_and_names_the_missing_ones() -> None:
    games = [_game("0022300001"), _game("0022300002"), _game("0022300009")]
    ids = ["0022300001", "0022300002", "0022300003"]
    rating = np.array([85.0, 79.9, 10.0])
    out = acclaimed_check(games, ids, lambda i: "training" if i == 0 else "held out", rating, rating, rating)
    assert [g["game_id"] for g in out["games"]] == ["0022300001", "0022300002"]
    assert out["rated_high"] == 1 and out["share"] == 0.5 and out["missing"] == ["0022300009"]
    assert out["outside_training"] == 1 and out["outside_training_rated_high"] == 0
    assert wr.acclaimed_rows(ids, games).tolist() == [True, True, False]


def test_feature_moves_rate_the_median_game_again_with_each_scenario() -> None:
    names = ["x", *wt.WORTH_COLUMNS]
    x = np.zeros((3, len(names)))
    x[:, 0] = [10.0, 40.0, 90.0]

    def predict(m: np.ndarray) -> np.ndarray:  # a model that adds the Finals and the points
        return m[:, 0] + 5 * (m[:, names.index("playoff_round")] == 4) + m[:, names.index("top_points")] / 10

    out = wr.feature_moves(predict, x, names, predict(x), np.ones(3, dtype=bool))
    moves = {m["scenario"]: m["move"] for m in out["moves"]}
    assert out["row"] == 1 and out["rating"] == 40.0
    assert moves["a Finals Game 7 (3-3)"] == 5.0 and moves["a 60-point scorer"] == 6.0
    assert moves["both teams in a seeding race"] == 0.0
    assert {n for _, s in wr.SCENARIOS for n in s} == set(wt.WORTH_COLUMNS), "every feature is moved by a scenario"


def test_blowouts_with_an_exceptional_performance_are_left_out_of_the_blowout_goal() -> None:
    from nba_predictions.documents.models import ALL_FEATURES

    x = np.zeros((2, len(ALL_FEATURES)))
    x[:, ALL_FEATURES.index("scores_diff")] = 50
    rating = np.array([60.0, 5.0])
    plain = bias.Games(x, np.full(2, 200.0), ["2023-24"] * 2, ["1", "2"])
    worth = bias.Games(x, np.full(2, 200.0), ["2023-24"] * 2, ["1", "2"], np.array([True, False]), "a 50-point scorer")
    assert bias.rating_figures(rating, rating, plain)["blowout_max_rating"] == 60.0
    figures = bias.rating_figures(rating, rating, worth)
    assert figures["blowout_max_rating"] == 5.0 and figures["blowout_excludes"] == "a 50-point scorer"
    assert "blowout_excludes" not in bias.rating_figures(rating, rating, plain)


def test_the_run_records_the_form_the_weights_the_acclaimed_set_and_the_goals() -> None:
    from nba_predictions.model.training import worth_fit as wf

    e, _, train, val, _ = _choice_data()
    n = len(e)
    ids = [f"00422{i:05d}" for i in range(n)]
    cols = columns(n, playoff_round=np.where(np.arange(n) < 20, 4, 0), top_points=np.where(np.arange(n) == 300, 55, 0))
    games = [_game(ids[i]) for i in (0, 1, 2, 3, 4, 350)]
    fit = wf.fit_worth_label(e, cols, ids, train, val, acclaimed=games)
    assert fit.choice.acclaimed_games == 5 and fit.choice.weights.finals > 0
    names = ["x", *wt.WORTH_COLUMNS]
    x = np.column_stack([e, *(cols[k] for k in wt.WORTH_COLUMNS)])
    seasons = np.where(np.arange(n) < 300, "2021-22", "2023-24")
    details, after, before = wf.worth_details(
        fit,
        predict=lambda m: m[:, 0],
        x=x,
        names=names,
        ratings=(fit.label, e),
        labels=(fit.label, e),
        ei_label=e,
        game_ids=ids,
        season_text=seasons,
        rows=(train, seasons == "2023-24"),
        test_seasons=["2023-24"],
    )
    assert details["weights"] == fit.choice.weights.to_dict() and details["form"] == wt.WORTH_FORM
    assert wt.label_from_details(e, cols, details).tolist() == fit.label.tolist()
    assert [g["where"] for g in details["acclaimed"]] == ["training"] * 5 + ["held out"]
    assert details["fifty_point_games"] == 1 and details["moves"]["game_id"] in ids
    assert len(after) == len(before) == 4
