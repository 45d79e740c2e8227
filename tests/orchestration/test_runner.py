"""The orchestration's step runner and document layout, without Prefect: real steps, real files."""

from __future__ import annotations

import json
from datetime import date

import pytest

from nba_predictions.errors import ArtifactError, UsageError
from nba_predictions.orchestration import layout, runner

DAY = date(2024, 1, 15)


def test_layout_names_one_folder_per_date():
    assert layout.document_url("s3://b/nba/", DAY, "prediction") == "s3://b/nba/2024-01-15/predictions.json"
    assert layout.summary_url("/srv/nba", DAY, "storage") == "/srv/nba/2024-01-15/summaries/storage.json"
    assert layout.step_locations("s3://b", DAY, "collection") == (None, "s3://b/2024-01-15/collected_games.json")
    assert layout.step_locations("s3://b", DAY, "storage") == ("s3://b/2024-01-15/predictions.json", None)


def test_the_four_steps_chain_through_the_documents_root(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'ratings.db'}"}
    root = str(tmp_path / "docs")
    summaries = [
        runner.run_step(step, DAY, root, env=env) for step in ("collection", "features", "prediction", "storage")
    ]
    assert [s["steps"] for s in summaries] == [["collection"], ["features"], ["prediction"], ["storage"]]
    assert summaries[-1]["saved"] == 11
    written = runner.read_summary(layout.summary_url(root, DAY, "storage"))
    assert written == summaries[-1]
    whole = runner.combine(summaries)
    assert whole["steps"] == ["collection", "features", "prediction", "storage"]
    assert (whole["status"], whole["found"], whole["saved"], whole["exit_code"]) == ("ok", 11, 11, 0)
    assert whole["started_at"] == summaries[0]["started_at"]


def test_a_failing_step_raises_and_still_writes_its_summary(tmp_path):
    root = str(tmp_path / "docs")
    with pytest.raises(ArtifactError, match="does not exist"):
        runner.run_step("prediction", DAY, root, env={})
    written = runner.read_summary(layout.summary_url(root, DAY, "prediction"))
    assert written["status"] == "failed" and "does not exist" in written["errors"][0]


def test_no_documents_root_is_a_usage_error():
    with pytest.raises(UsageError, match="--documents"):
        runner.run_step("collection", DAY, "", env={})


def test_retry_policy_from_the_environment():
    assert runner.retry_policy({}) == (3, [300.0, 900.0, 2700.0])
    assert runner.retry_policy({"NBA_STEP_RETRIES": "2", "NBA_STEP_RETRY_DELAY": "1"}) == (2, [1.0, 3.0])
    assert runner.retry_policy({"NBA_STEP_RETRIES": "0"}) == (0, [])
    with pytest.raises(UsageError, match="NBA_STEP_RETRIES"):
        runner.retry_policy({"NBA_STEP_RETRIES": "many"})


def test_combine_keeps_failures_and_errors():
    base = {"steps": ["x"], "duration_seconds": 1.0, "started_at": "t0", "errors": [], "failed": []}
    whole = runner.combine(
        [base, {**base, "steps": ["y"], "started_at": "t1", "failed": [{"game_id": "1", "step": "y", "reason": "r"}]}]
    )
    assert (whole["status"], whole["ok"], whole["exit_code"], whole["duration_seconds"]) == ("partial", False, 1, 2.0)
    assert json.dumps(whole)
