"""The contribution tables' on-disk cache (``NBA_MODEL_CACHE_DIR``): tables read back give the same
contributions, bit for bit, as tables built from the native_model; a missing, damaged, foreign or
pickle-bearing cache file is ignored and rebuilt; a cache that cannot be written costs only speed."""

from __future__ import annotations

import logging
from datetime import date

import numpy as np
import pytest
import xgboost

from nba_predictions.config import Settings
from nba_predictions.documents.models import ALL_FEATURES
from nba_predictions.features.matrix import range_features
from nba_predictions.model.contributions import TreeContributions
from nba_predictions.model.loader import load_model
from nba_predictions.model.tables_cache import ARRAYS, FORMAT, TablesCache
from nba_predictions.sources.archive import ArchiveSource

MODEL_NAMES = ALL_FEATURES  # the shipped model's features, every one (tests/unit/test_feature_spec.py)


@pytest.fixture(scope="module")
def season() -> np.ndarray:
    return range_features(ArchiveSource(), date(2023, 10, 1), date(2024, 6, 30)).matrix[:, : len(MODEL_NAMES)]


@pytest.fixture(scope="module")
def expected(native_model, season) -> np.ndarray:
    dmatrix = xgboost.DMatrix(season, feature_names=list(MODEL_NAMES))
    return native_model.booster.predict(dmatrix, pred_contribs=True)[:, : len(MODEL_NAMES)]


@pytest.fixture(scope="module")
def built(native_model) -> TreeContributions:
    return TreeContributions(native_model.native, native_model.data, MODEL_NAMES)


def cache_in(directory, native_model) -> TablesCache:
    return TablesCache(directory, native_model.metadata.model_sha256)


def same_tables(a: TreeContributions, b: TreeContributions) -> bool:
    return len(a._tables) == len(b._tables) and all(
        np.array_equal(x.arrays()[name], y.arrays()[name]) and x.arrays()[name].dtype == y.arrays()[name].dtype
        for x, y in zip(a._tables, b._tables)
        for name in ARRAYS
    )


def test_tables_read_back_from_the_cache_give_xgboosts_contributions_bit_for_bit(
    tmp_path, native_model, season, expected, built
):
    cache = cache_in(tmp_path / "model", native_model)
    first = TreeContributions(native_model.native, native_model.data, MODEL_NAMES, cache)  # builds and writes
    assert (
        cache.path.is_file()
        and cache.path.name == f"contributions-{native_model.metadata.model_sha256[:24]}-v{FORMAT}.npz"
    )
    assert same_tables(first, built)
    assert cache.read() is not None
    second = TreeContributions(
        native_model.native, b"not even json: the tables come from the cache", MODEL_NAMES, cache
    )
    assert second.enabled and same_tables(second, built)
    assert np.array_equal(second(season), expected)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "another model", "a pickled member", "wrong shapes"])
def test_a_damaged_or_foreign_cache_file_is_ignored_and_rebuilt(
    tmp_path, native_model, season, expected, built, damage, caplog
):
    cache = cache_in(tmp_path, native_model)
    TreeContributions(native_model.native, native_model.data, MODEL_NAMES, cache)
    good = cache.path.read_bytes()
    if damage == "truncated":
        cache.path.write_bytes(good[: len(good) // 2])
    elif damage == "garbage":
        cache.path.write_bytes(b"\x00" * 1000)
    else:
        with np.load(cache.path) as stored:
            members = {name: stored[name] for name in stored.files}
        if damage == "another model":
            members["model_sha256"] = np.asarray("0" * 64)
        elif damage == "a pickled member":
            members["terms"] = np.asarray([{"not": "numbers"}], dtype=object)
        else:
            members["shapes"] = members["shapes"][:-1]
        with open(cache.path, "wb") as out:
            np.savez(out, **members)
    assert cache.read() is None
    with caplog.at_level(logging.INFO, logger="nba_predictions.model.tables_cache"):
        rebuilt = TreeContributions(native_model.native, native_model.data, MODEL_NAMES, cache)
    assert "ignoring the contribution tables cache" in caplog.text
    assert same_tables(rebuilt, built) and np.array_equal(rebuilt(season), expected)
    assert cache.path.read_bytes() == good  # rewritten whole


def test_a_cache_that_cannot_be_written_costs_only_the_speed(tmp_path, native_model, season, expected, caplog):
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory")
    cache = cache_in(blocker / "model", native_model)
    with caplog.at_level(logging.INFO, logger="nba_predictions.model.tables_cache"):
        tables = TreeContributions(native_model.native, native_model.data, MODEL_NAMES, cache)
    assert "are not cached" in caplog.text
    assert np.array_equal(tables(season), expected)
    assert not list(tmp_path.rglob("*.tmp"))


def test_load_model_hands_the_cache_down_to_large_batches(tmp_path, season, expected):
    cached = load_model(tables_dir=tmp_path / "model")
    _values, contributions = cached.predict(season, MODEL_NAMES)
    assert np.array_equal(np.array(contributions, dtype=np.float32), expected)
    assert [p.name for p in (tmp_path / "model").iterdir()] == [cache_in(tmp_path / "model", cached).path.name]


def test_the_cache_directory_setting(monkeypatch):
    assert Settings.resolve({}, env={}).model_cache_dir.as_posix() == "data/cache/model"
    assert (
        Settings.resolve({}, env={"NBA_MODEL_CACHE_DIR": "/var/cache/nba"}).model_cache_dir.as_posix()
        == "/var/cache/nba"
    )
    assert Settings.resolve({}, env={"NBA_MODEL_CACHE_DIR": ""}).model_cache_dir is None
