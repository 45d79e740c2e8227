"""The prediction step and the model loader: batch rating, clamping, classes, contributions, errors."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pytest
import xgboost

from nba_predictions.documents.models import (
    ALL_FEATURES,
    SCORE_NAMES,
    EngineeredFeatures,
    FeaturedGame,
    GameFeatures,
    Metadata,
)
from nba_predictions.errors import ModelError, UsageError
from nba_predictions.features.matrix import range_features
from nba_predictions.model.loader import LoadedModel, default_model_path, load_model, meta_path_for
from nba_predictions.model.training.train import metadata_bytes
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.steps.prediction import classify, predict_games


def features_doc(first: date, last: date) -> EngineeredFeatures:
    """A features document of every archive game from ``first`` to ``last`` (real games, real features)."""
    table = range_features(ArchiveSource(), first, last)
    games = [
        FeaturedGame(
            game_id=record.game_id, raw_data=record, features=GameFeatures(**dict(zip(ALL_FEATURES, row.tolist())))
        )
        for record, row in zip(table.records, table.matrix)
    ]
    meta = Metadata(step="features", timestamp=datetime(2024, 1, 16, tzinfo=timezone.utc), total_games=len(games))
    return EngineeredFeatures(metadata=meta, games=games)


@pytest.fixture(scope="module")
def doc() -> EngineeredFeatures:
    return features_doc(date(2024, 1, 15), date(2024, 1, 17))


@pytest.fixture(scope="module")
def shipped() -> LoadedModel:
    return load_model()


def write_model(folder: Path, booster: xgboost.Booster, feature_names: list[str], shipped: LoadedModel) -> Path:
    """Save ``booster`` with metadata like the shipped model's but for this booster and feature list."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.json"
    data = bytes(booster.save_raw(raw_format="json"))
    path.write_bytes(data)
    meta = shipped.metadata.model_copy(
        update={
            "model_sha256": hashlib.sha256(data).hexdigest(),
            "feature_names": feature_names,
            "model_version": "test",
        }
    )
    meta_path_for(path).write_bytes(metadata_bytes(meta))
    return path


def tiny_booster(names: list[str], labels: np.ndarray, x: np.ndarray) -> xgboost.Booster:
    dtrain = xgboost.DMatrix(x, label=labels, feature_names=names)
    return xgboost.train(
        {"max_depth": 2, "eta": 1.0, "nthread": 1, "seed": 0, "base_score": float(labels.mean())}, dtrain, 5
    )


def test_shipped_model_rates_real_games_in_one_batch(doc, shipped):
    assert shipped.feature_names == list(ALL_FEATURES)  # every feature of a document, in its order
    assert shipped.path == default_model_path()
    assert len(doc.games) >= 20
    predictions = predict_games(doc, shipped, 80.0, 60.0)
    assert [p.game_id for p in predictions] == [g.game_id for g in doc.games]
    own = np.array([[getattr(g.features, n) for n in ALL_FEATURES] for g in doc.games], dtype=float)
    raw = shipped.booster.predict(xgboost.DMatrix(own, feature_names=list(ALL_FEATURES)))
    contribs = shipped.booster.predict(xgboost.DMatrix(own, feature_names=list(ALL_FEATURES)), pred_contribs=True)
    assert np.allclose(contribs.sum(axis=1), raw, atol=1e-3), "contributions + bias add up to the prediction"
    for p, r, c in zip(predictions, raw, contribs):
        assert 0 <= p.rating <= 100
        assert p.rating == round(min(max(float(r), 0.0), 100.0), 2)
        assert p.classification == classify(p.rating, 80.0, 60.0)
        names = [f.feature for f in p.top_features]
        assert len(names) == 3 and len(set(names)) == 3 and set(names) <= set(ALL_FEATURES)
        sizes = [abs(f.contribution) for f in p.top_features]
        assert sizes == sorted(sizes, reverse=True)
        assert max(abs(c[: len(ALL_FEATURES)])) == pytest.approx(sizes[0], abs=0.006)
        assert p.features == doc.games[predictions.index(p)].features
    # The spread of real games covers more than one class.
    assert len({p.classification for p in predictions}) >= 2


def test_close_games_rate_above_blowouts(doc, shipped):
    predictions = predict_games(doc, shipped, 80.0, 60.0)
    close = [p.rating for p in predictions if p.features.clutch_seconds >= 240 and p.features.scores_diff <= 5]
    blowouts = [p.rating for p in predictions if p.features.largest_lead >= 20 and p.features.scores_diff >= 15]
    assert close and blowouts
    assert min(close) > max(blowouts)


def test_batch_equals_one_call_per_game(doc, shipped):
    batch = predict_games(doc, shipped, 80.0, 60.0)
    for game, expected in zip(doc.games[:8], batch):
        single_doc = EngineeredFeatures(metadata=doc.metadata.model_copy(update={"total_games": 1}), games=[game])
        assert predict_games(single_doc, shipped, 80.0, 60.0) == [expected]


def test_empty_document(shipped):
    meta = Metadata(step="features", timestamp=datetime(2024, 7, 1, tzinfo=timezone.utc), total_games=0)
    assert predict_games(EngineeredFeatures(metadata=meta, games=[]), shipped, 80.0, 60.0) == []


def test_ratings_are_clamped_to_0_100(tmp_path, doc, shipped):
    # A real XGBoost model whose raw outputs fall outside 0..100.
    x = np.array([g.features.vector() for g in doc.games])
    labels = np.where(x[:, ALL_FEATURES.index("scores_diff")] > 8, -40.0, 140.0)
    path = write_model(tmp_path / "m", tiny_booster(list(ALL_FEATURES), labels, x), list(ALL_FEATURES), shipped)
    model = load_model(path)
    raw = model.booster.predict(xgboost.DMatrix(x, feature_names=list(ALL_FEATURES)))
    assert raw.min() < 0 and raw.max() > 100
    ratings = [p.rating for p in predict_games(doc, model, 80.0, 60.0)]
    assert min(ratings) == 0.0 and max(ratings) == 100.0
    assert all(r == round(r, 2) for r in ratings)


@pytest.mark.parametrize(
    "rating, good, mediocre, expected",
    [
        (80.0, 80, 60, "good"),
        (79.99, 80, 60, "mediocre"),
        (60.0, 80, 60, "mediocre"),
        (59.99, 80, 60, "bad"),
        (55.0, 50, 40, "good"),
        (0.0, 0, 0, "good"),
        (100.0, 100, 100, "good"),
    ],
)
def test_classify(rating, good, mediocre, expected):
    assert classify(rating, good, mediocre) == expected


def test_thresholds_change_classes_and_must_be_ordered(doc, shipped):
    strict = predict_games(doc, shipped, 99.0, 98.0)
    lenient = predict_games(doc, shipped, 1.0, 0.0)
    assert sum(p.classification == "good" for p in strict) < sum(p.classification == "good" for p in lenient)
    with pytest.raises(UsageError, match="mediocre <= good"):
        predict_games(doc, shipped, 60.0, 80.0)


def test_a_model_takes_its_own_columns_by_name_in_its_own_order(tmp_path, doc, shipped):
    x = np.array([g.features.vector() for g in doc.games])
    names = ["scores_diff", "top_points", "clutch_seconds", "playoff_round"]  # fewer, in another order
    own = x[:, [ALL_FEATURES.index(n) for n in names]]
    path = write_model(tmp_path / "r", tiny_booster(names, own[:, 0] * 3 + own[:, 2] / 60, own), names, shipped)
    model = load_model(path)
    predictions = predict_games(doc, model, 80.0, 60.0)
    raw = model.booster.predict(xgboost.DMatrix(own, feature_names=names))
    assert [p.rating for p in predictions] == [round(min(max(float(r), 0.0), 100.0), 2) for r in raw]
    assert all({c.feature for c in p.top_features} <= set(names) for p in predictions)


def test_a_feature_the_document_lacks_is_refused(tmp_path, doc, shipped):
    x = np.array([g.features.vector() for g in doc.games])
    names = [*SCORE_NAMES, "crowd_noise"]
    wider = np.column_stack([x[:, : len(SCORE_NAMES)], np.zeros(len(x))])
    path = write_model(tmp_path / "f", tiny_booster(names, x[:, 0], wider), names, shipped)
    with pytest.raises(ModelError, match=r"needs features \['crowd_noise'\], which the features document lacks") as err:
        predict_games(doc, load_model(path), 80.0, 60.0)
    assert str(path) in str(err.value) and "nba-predictions train" in str(err.value) and "\n" not in str(err.value)


def with_features(doc, values: dict[str, int]):
    """``doc`` with ``values`` set in every game's features."""
    return doc.model_copy(
        update={"games": [g.model_copy(update={"features": g.features.model_copy(update=values)}) for g in doc.games]}
    )


def test_a_fifty_point_scorer_and_a_finals_game_seven_lift_the_shipped_rating(doc, shipped):
    """The shipped model reads the stakes and performances (issue 23): the same swings with a
    55-point scorer, or as a Finals Game 7, rate higher; the scorer makes nearly every game a good one."""
    before = [p.rating for p in predict_games(doc, shipped, 80.0, 60.0)]
    scorer = [p.rating for p in predict_games(with_features(doc, {"top_points": 55}), shipped, 80.0, 60.0)]
    seven = {"playoff_round": 4, "series_game": 7, "series_leader_wins": 3, "series_trailer_wins": 3}
    finals = with_features(doc, {**seven, "elimination_game": 1, "game_seven": 1})
    game_seven = [p.rating for p in predict_games(finals, shipped, 80.0, 60.0)]
    assert sum(r >= 80 for r in scorer) >= 0.9 * len(scorer) > sum(r >= 80 for r in before)
    assert min(scorer) > 70
    assert np.mean(scorer) > np.mean(before) + 10
    assert np.mean(game_seven) > np.mean(before) + 5
    assert sum(s > b for s, b in zip(game_seven, before, strict=True)) > 0.9 * len(before)


def test_metadata_that_disagrees_with_the_booster_is_refused(tmp_path, doc, shipped):
    x = np.array([g.features.vector() for g in doc.games])
    reordered = list(reversed(ALL_FEATURES))
    path = write_model(tmp_path / "d", tiny_booster(reordered, x[:, 0], x), list(ALL_FEATURES), shipped)
    with pytest.raises(ModelError, match="was trained on features"):
        load_model(path)


@pytest.fixture
def copy_of_shipped(tmp_path) -> Path:
    folder = tmp_path / "copy"
    folder.mkdir()
    model = folder / "model.json"
    model.write_bytes(default_model_path().read_bytes())
    meta_path_for(model).write_bytes(meta_path_for(default_model_path()).read_bytes())
    return model


def test_copy_of_the_shipped_model_loads(copy_of_shipped, shipped):
    assert load_model(copy_of_shipped).version == shipped.version


def test_truncated_model_file(copy_of_shipped):
    data = copy_of_shipped.read_bytes()
    copy_of_shipped.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="does not match its metadata") as err:
        load_model(copy_of_shipped)
    message = str(err.value)
    assert str(copy_of_shipped) in message and "corrupt" in message and "\n" not in message


def test_unloadable_model_with_matching_checksum(copy_of_shipped):
    garbage = b'{"learner": "not a model"}'
    copy_of_shipped.write_bytes(garbage)
    meta_path = meta_path_for(copy_of_shipped)
    meta = json.loads(meta_path.read_text())
    meta["model_sha256"] = hashlib.sha256(garbage).hexdigest()
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="is not a loadable XGBoost model") as err:
        load_model(copy_of_shipped)
    assert "\n" not in str(err.value)


def test_missing_files(copy_of_shipped, tmp_path):
    with pytest.raises(ModelError, match=r"model file .*nowhere\.json not found: retrain"):
        load_model(tmp_path / "nowhere.json")
    meta_path_for(copy_of_shipped).unlink()
    with pytest.raises(ModelError, match=r"model metadata .*model_meta\.json not found"):
        load_model(copy_of_shipped)


def test_not_a_json_model_path(tmp_path):
    with pytest.raises(ModelError, match="must be an XGBoost JSON model"):
        load_model(tmp_path / "model.pkl")


def test_corrupt_metadata(copy_of_shipped):
    meta_path = meta_path_for(copy_of_shipped)
    text = meta_path.read_text()
    meta_path.write_text(text[:200])
    with pytest.raises(ModelError, match="is not valid JSON"):
        load_model(copy_of_shipped)
    meta = json.loads(text)
    del meta["feature_names"]
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="invalid at feature_names"):
        load_model(copy_of_shipped)


def test_check_features_names_what_the_features_lack(shipped):
    with pytest.raises(
        ModelError, match=rf"needs features \['{ALL_FEATURES[-1]}'\], which the features document lacks"
    ):
        shipped.check_features(ALL_FEATURES[:-1])
    shipped.check_features(ALL_FEATURES)  # the documents' own order passes, with features the model does not read
    shipped.check_features(list(reversed(ALL_FEATURES)))  # in any order


def test_importing_the_step_and_loader_pulls_in_neither_numpy_nor_xgboost():
    import subprocess
    import sys

    code = (
        "import sys, nba_predictions.steps.prediction, nba_predictions.model.loader; "
        "bad = [m for m in ('numpy', 'xgboost', 'scipy') if m in sys.modules]; "
        "sys.exit(f'imported at import time: {bad}' if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nba_predictions.core.domain import GameRecord  # noqa: E402

_RECORD = GameRecord(
    game_id="0022300000",
    date=date(2024, 1, 15),
    home_team_id=1610612747,
    away_team_id=1610612738,
    home_team_abbreviation="LAL",
    away_team_abbreviation="BOS",
    season_id="22023",
    home_team_score=115,
    away_team_score=108,
    lead_changes=8,
    times_tied=4,
    game_status="Final",
    attendance=None,
)

_features = st.builds(
    GameFeatures,
    diff_ranks=st.integers(0, 14),
    inter_conference=st.sampled_from([0, 1]),
    scores_diff=st.integers(0, 70),
    position_score=st.floats(0, 2),
    competitive_seconds=st.floats(0, 4380),
    lead_changes=st.integers(0, 45),
    rivalry_score=st.floats(0, 10),
    times_tied=st.integers(0, 35),
    overtime_periods=st.integers(0, 6),
    clutch_seconds=st.floats(0, 2100),
    largest_lead=st.integers(0, 70),
    comeback_points=st.integers(0, 40),
    second_half_close_seconds=st.floats(0, 3540),
    decided_seconds=st.floats(0, 4380),
    go_ahead_seconds_left=st.floats(0, 4380),
    last_lead_change_seconds_left=st.floats(0, 4380),
    last_tie_seconds_left=st.floats(0, 4380),
    winner_margin_10s_left=st.integers(-6, 70),
    winner_margin_30s_left=st.integers(-9, 70),
    winner_margin_60s_left=st.integers(-12, 70),
    playoff_round=st.just(0),
    series_game=st.just(0),
    series_leader_wins=st.just(0),
    series_trailer_wins=st.just(0),
    elimination_game=st.just(0),
    game_seven=st.just(0),
    play_in=st.just(0),
    cup_final=st.just(0),
    seed_race_teams=st.integers(0, 2),
    top_points=st.integers(0, 100),
    duel_points=st.integers(0, 60),
    all_round=st.integers(0, 20),
)


@settings(max_examples=40, deadline=None)
@given(features=st.lists(_features, min_size=1, max_size=30), good=st.floats(0, 100), gap=st.floats(0, 100))
def test_any_valid_features_get_a_rating_in_range_and_a_consistent_class(shipped, features, good, gap):
    mediocre = max(0.0, good - gap)
    games = [
        FeaturedGame(
            game_id=f"00223{i:05d}", raw_data=_RECORD.model_copy(update={"game_id": f"00223{i:05d}"}), features=f
        )
        for i, f in enumerate(features)
    ]
    meta = Metadata(step="features", timestamp=datetime(2024, 1, 16, tzinfo=timezone.utc), total_games=len(games))
    for p in predict_games(EngineeredFeatures(metadata=meta, games=games), shipped, good, mediocre):
        assert 0.0 <= p.rating <= 100.0 and p.rating == round(p.rating, 2)
        assert p.classification == classify(p.rating, good, mediocre)
