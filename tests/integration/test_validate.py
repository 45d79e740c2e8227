"""``--validate`` on a machine that runs one step: only that step's checks, and a missing package
named with the requirements file that brings it.

The machine without a step's packages is this interpreter with those imports refused (a finder
at the front of ``sys.meta_path`` raises ``ModuleNotFoundError``, as an absent package does);
scripts/check_step_envs.py runs the same command in each real step venv on CI.
"""

from __future__ import annotations

import sys

import pytest

DAY = "2024-01-15"
# What a collection venv lacks (scripts/check_step_envs.py's ABSENT["collection"])
NOT_ON_A_COLLECTION_MACHINE = ("xgboost", "sqlalchemy", "alembic", "psycopg", "fsspec", "prefect")

WITHOUT = """
import importlib.abc, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Refuse())
from nba_predictions.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _without(*modules: str) -> list[str]:
    return [sys.executable, "-c", WITHOUT.format(blocked=set(modules))]


def test_validate_step_collection_on_a_collection_machine_passes(run_cli):
    result = run_cli(
        "--validate",
        "--step",
        "collection",
        "--source",
        "archive",
        "--date",
        DAY,
        entry=_without(*NOT_ON_A_COLLECTION_MACHINE),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "nba-predictions --validate --step collection (configuration, data source)"
    assert [line.split(":")[0] for line in lines[1:-1]] == ["  [ok]   configuration", "  [ok]   data source"]
    assert lines[-1] == "all checks passed"


def test_validate_on_a_collection_machine_names_the_missing_requirements(run_cli):
    result = run_cli("--validate", "--source", "archive", "--date", DAY, entry=_without(*NOT_ON_A_COLLECTION_MACHINE))
    assert result.returncode == 1
    database = next(line for line in result.stdout.splitlines() if "database" in line)
    assert database == (
        "  [FAIL] database: No module named 'sqlalchemy' (the storage step needs it: "
        "pip install -r requirements-storage.txt; on a machine that runs another step, "
        "validate only that one: --validate --step STEP)"
    )
    assert "[ok]   data source" in result.stdout


@pytest.mark.parametrize(
    "step, checks",
    [
        ("features", ["configuration", "data source"]),
        ("prediction", ["configuration", "model"]),
        ("storage", ["configuration", "database"]),
    ],
)
def test_validate_step_runs_only_that_steps_checks(run_cli, step, checks):
    result = run_cli("--validate", "--step", step, "--source", "archive", "--date", DAY)
    assert result.returncode == 0, result.stdout
    assert [line.split(":")[0].split("]")[1].strip() for line in result.stdout.splitlines()[1:-1]] == checks


def test_validate_step_storage_without_the_storage_packages_fails_with_the_file_to_install(run_cli):
    result = run_cli("--validate", "--step", "storage", entry=_without("sqlalchemy"))
    assert result.returncode == 1
    assert "pip install -r requirements-storage.txt" in result.stdout


def test_step_without_validate_is_a_usage_error(run_cli):
    result = run_cli("--step", "collection")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "nba-predictions: usage error: --step is only read with --validate (e.g. --validate --step collection)"
    )
