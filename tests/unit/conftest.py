"""Fixtures the unit tests share."""

from __future__ import annotations

import pytest

from nba_predictions.model.loader import load_model


@pytest.fixture(scope="session")
def native_model():
    """The shipped model, loaded through libxgboost's C API (as the pipeline loads it)."""
    loaded = load_model()
    assert loaded.native is not None, "libxgboost was not found next to the installed xgboost package"
    return loaded
