"""The model through libxgboost's C API (no xgboost package import) and the tabulated contributions
give XGBoost's own numbers, bit for bit; where they could not, the xgboost package does."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import date

import numpy as np
import pytest
import xgboost

from nba_predictions.documents.models import ALL_FEATURES
from nba_predictions.features.matrix import range_features
from nba_predictions.model import native
from nba_predictions.model.contributions import TreeContributions
from nba_predictions.model.loader import TREE_BY_TREE_ROWS, load_model
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.steps.prediction import rate_matrix

MODEL_NAMES = ALL_FEATURES  # the shipped model's features, every one (tests/unit/test_feature_spec.py)


@pytest.fixture(scope="module")
def games() -> np.ndarray:
    """The features of every game of two real seasons, and as many perturbed copies of them (the
    perturbed values land in cells of the trees that real games rarely reach)."""
    real = range_features(ArchiveSource(), date(2022, 10, 1), date(2024, 6, 30)).matrix[:, : len(MODEL_NAMES)]
    rng = np.random.default_rng(7)
    perturbed = real[rng.integers(0, len(real), len(real))] * rng.uniform(0.3, 1.7, real.shape)
    perturbed[:, 1] = np.round(np.clip(perturbed[:, 1], 0, 1))  # inter_conference stays 0/1
    return np.vstack([real, perturbed])


def package(native_model, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dmatrix = xgboost.DMatrix(rows, feature_names=list(MODEL_NAMES))
    return native_model.booster.predict(dmatrix), native_model.booster.predict(dmatrix, pred_contribs=True)[
        :, : len(MODEL_NAMES)
    ]


def full(rows: np.ndarray) -> np.ndarray:
    """Rows of the model's columns widened to a feature table's (the stakes and performances after them)."""
    return np.column_stack([rows, np.ones((len(rows), len(ALL_FEATURES) - len(MODEL_NAMES)))])


def test_small_batches_through_the_library_equal_the_package(native_model, games):
    rows = games[:: len(games) // 50][:50]
    assert len(rows) < TREE_BY_TREE_ROWS
    values, contributions = native_model.predict(rows.tolist(), MODEL_NAMES)
    expected_values, expected_contributions = package(native_model, rows)
    assert values == expected_values.tolist()
    assert contributions == expected_contributions.tolist()


def test_tabulated_contributions_equal_xgboosts_pred_contribs_bit_for_bit(native_model, games):
    expected_values, expected_contributions = package(native_model, games)
    values, contributions = [], []
    for lo in range(0, len(games), 1000):  # as a backfill's chunks
        v, c = native_model.predict(games[lo : lo + 1000], MODEL_NAMES)
        values += v
        contributions += c
    assert values == expected_values.tolist()
    assert np.array_equal(np.array(contributions, dtype=np.float32), expected_contributions)


def test_the_check_on_every_batch_falls_back_to_xgboost_when_the_tables_are_wrong(native_model, games, caplog):
    tables = TreeContributions(native_model.native, native_model.data, MODEL_NAMES)
    rows = games[:300]
    assert np.array_equal(tables(rows), package(native_model, rows)[1])
    for tree in tables._tables:  # as if this XGBoost computed the leaves' additions differently
        tree.terms += 0.5
    with caplog.at_level(logging.WARNING, logger="nba_predictions.model.contributions"):
        result = tables(rows)
    assert np.array_equal(result, package(native_model, rows)[1])
    assert not tables.enabled and "computing them whole" in caplog.text


def test_rows_with_a_missing_value_are_computed_whole(native_model, games):
    rows = games[:300].copy()
    rows[5, 4] = np.nan
    tables = TreeContributions(native_model.native, native_model.data, MODEL_NAMES)
    assert np.array_equal(tables(rows), package(native_model, rows)[1])


def test_without_the_library_the_package_gives_the_same_ratings(native_model, games, monkeypatch):
    rows = games[:400]
    rows = full(rows)
    expected = rate_matrix(rows, native_model, 80.0, 60.0)
    monkeypatch.setattr(native, "_looked_up", True)
    monkeypatch.setattr(native, "_library", None)
    fallback = load_model()
    assert fallback.native is None
    assert rate_matrix(rows, fallback, 80.0, 60.0) == expected
    assert rate_matrix(rows[:7].tolist(), fallback, 80.0, 60.0) == rate_matrix(rows[:7], native_model, 80.0, 60.0)


def test_ratings_round_as_numpy_rounds(native_model, games):
    """The ratings this step has always written: numpy.round(clip(raw, 0, 100), 2)."""
    rows = games[:2000]
    raw, _ = package(native_model, rows)
    expected = np.round(np.clip(raw.astype(np.float64), 0.0, 100.0), 2).tolist()
    assert rate_matrix(full(rows), native_model, 80.0, 60.0).ratings == expected
    assert rate_matrix(full(rows[:100]).tolist(), native_model, 80.0, 60.0).ratings == expected[:100]


def test_a_one_date_run_imports_neither_numpy_nor_xgboost_nor_scipy(tmp_path):
    code = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: print('HEAVY', [m for m in ('numpy', 'xgboost', 'scipy') if m in sys.modules]))\n"
        f"sys.argv = ['nba-predictions', '--date', '2024-01-15', '--database', 'sqlite:///{tmp_path}/r.db', '--quiet']\n"
        "runpy.run_module('nba_predictions', run_name='__main__')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout
