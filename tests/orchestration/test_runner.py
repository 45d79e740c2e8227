"""The orchestration's step runner and document layout, without Prefect: real steps, real files."""

from __future__ import annotations

import json
from datetime import date

import pytest

from nba_predictions.documents import layout
from nba_predictions.errors import ArtifactError, UsageError
from nba_predictions.orchestration import runner

DAY = date(2024, 1, 15)


RUN = "20240116T110000Z-3f9a1c2e"


def test_layout_names_one_folder_per_run_of_a_date():
    assert layout.document_url("s3://b/nba/", DAY, RUN, "prediction") == (
        f"s3://b/nba/2024-01-15/runs/{RUN}/predictions.json"
    )
    assert (
        layout.summary_url("/srv/nba", DAY, RUN, "storage") == f"/srv/nba/2024-01-15/runs/{RUN}/summaries/storage.json"
    )
    assert layout.step_locations("s3://b", DAY, RUN, "collection") == (
        None,
        f"s3://b/2024-01-15/runs/{RUN}/collected_games.json",
    )
    assert layout.step_locations("s3://b", DAY, RUN, "storage") == (
        f"s3://b/2024-01-15/runs/{RUN}/predictions.json",
        None,
    )
    assert layout.pointer_url("s3://b/", DAY) == "s3://b/2024-01-15/latest.json"
    with pytest.raises(UsageError, match="is not one"):
        layout.run_folder("s3://b", DAY, "../x")


def test_run_ids_sort_by_start_and_differ_within_a_second():
    from datetime import datetime, timezone

    at = datetime(2024, 1, 16, 11, 0, tzinfo=timezone.utc)
    ids = {layout.new_run_id(at) for _ in range(50)}
    assert len(ids) == 50 and all(i.startswith("20240116T110000Z-") for i in ids)
    assert layout.new_run_id(at) < layout.new_run_id(datetime(2024, 1, 16, 11, 0, 1, tzinfo=timezone.utc))


def test_the_four_steps_chain_through_the_documents_root(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'ratings.db'}"}
    root = str(tmp_path / "docs")
    summaries = [
        runner.run_step(step, DAY, root, env=env) for step in ("collection", "features", "prediction", "storage")
    ]
    assert [s["steps"] for s in summaries] == [["collection"], ["features"], ["prediction"], ["storage"]]
    assert summaries[-1]["saved"] == 11
    run = layout.read_latest(root, DAY)["run"]
    written = runner.read_summary(layout.summary_url(root, DAY, run, "storage"))
    assert written == summaries[-1]
    assert layout.read_latest(root, DAY)["step"] == "storage"
    whole = runner.combine(summaries)
    assert whole["steps"] == ["collection", "features", "prediction", "storage"]
    assert (whole["status"], whole["found"], whole["saved"], whole["exit_code"]) == ("ok", 11, 11, 0)
    assert whole["started_at"] == summaries[0]["started_at"]


def test_a_failing_step_raises_and_still_writes_its_summary(tmp_path):
    root = str(tmp_path / "docs")
    with pytest.raises(ArtifactError, match="does not exist"):
        runner.run_step("prediction", DAY, root, run=RUN, env={})
    written = runner.read_summary(layout.summary_url(root, DAY, RUN, "prediction"))
    assert layout.read_latest(root, DAY) is None  # a failed step does not move the pointer
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


def test_a_step_run_again_in_its_run_says_it_replaces_its_own_document(tmp_path, caplog):
    root = str(tmp_path / "docs")
    runner.run_step("collection", DAY, root, run=RUN, env={})
    other = "20240116T120000Z-00000000"
    runner.run_step("collection", DAY, root, run=other, env={})
    before = (tmp_path / "docs" / "2024-01-15" / "runs" / other / "collected_games.json").read_bytes()
    with caplog.at_level("WARNING", logger="nba_predictions.runs.dated"):
        runner.run_step("collection", DAY, root, run=RUN, env={})
    target = layout.document_url(root, DAY, RUN, "collection")
    assert f"collection of run {RUN} is run again: replacing its {target}" in caplog.messages
    assert (tmp_path / "docs" / "2024-01-15" / "runs" / other / "collected_games.json").read_bytes() == before
    assert layout.read_latest(root, DAY)["run"] == RUN
