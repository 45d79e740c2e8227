"""The package's public API (``nba_predictions.__all__``): every name resolves, lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest

import nba_predictions
from nba_predictions import errors

HEAVY = ("numpy", "xgboost", "sqlalchemy", "pydantic", "requests", "nba_api", "fastapi")


def test_all_and_the_table_agree() -> None:
    assert sorted(nba_predictions.__all__) == sorted([*nba_predictions.PUBLIC, "__version__"])
    assert len(set(nba_predictions.__all__)) == len(nba_predictions.__all__)


@pytest.mark.parametrize("name", sorted(nba_predictions.PUBLIC))
def test_each_public_name_resolves(name: str) -> None:
    value = getattr(nba_predictions, name)
    assert getattr(value, "__name__", name) == name  # the class or function itself, not a module
    assert name in dir(nba_predictions)


def test_every_error_is_public_and_a_pipeline_error() -> None:
    user_facing = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.PipelineError) and value is not errors.PipelineError
    ]
    assert user_facing
    for error in user_facing:
        if error.__name__ in ("InvalidRequestError", "ServeError", "UnknownTeamError", "StdoutClosedError"):
            continue  # raised to the web server, `serve`, the input rules and the CLI, caught there
        assert getattr(nba_predictions, error.__name__) is error


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'rate'"):
        nba_predictions.rate  # noqa: B018 -- the attribute access is the test


def test_import_loads_nothing_heavy() -> None:
    code = f"import sys, nba_predictions; print(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
