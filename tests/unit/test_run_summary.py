"""The run vocabulary: one status rule, one summary for a date and a range, one pipeline_runs row."""

from __future__ import annotations

from datetime import date

import pytest

from nba_predictions.config import Settings
from nba_predictions.documents.models import SkippedGame
from nba_predictions.errors import ArtifactError, UsageError
from nba_predictions.orchestration import runner
from nba_predictions.runs.pipeline import StepRunner
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.summary import EXIT_CODES, DateReport, RunSummary, run_status

DAY = date(2024, 1, 15)
GAME = SkippedGame(game_id="0022300561", step="features", reason="timeline gap")


@pytest.mark.parametrize(
    "stopped, failures, status, code",
    [(False, False, "ok", 0), (False, True, "partial", 1), (True, False, "failed", 1), (True, True, "failed", 1)],
)
def test_the_status_rule_and_its_exit_code(stopped, failures, status, code):
    assert run_status(stopped=stopped, failures=failures) == status
    assert EXIT_CODES[status] == code


def test_a_date_and_a_range_share_the_rule():
    day = RunSummary(steps=["collection"], target_date=DAY, failed=[GAME])
    assert (day.status, day.ok, day.exit_code) == ("partial", False, 1)
    whole = RunSummary.for_range(DAY, DAY, ["collection"])
    whole.add(DateReport(DAY, source="nba_api", status="failed", reason="the API is down"))
    assert (whole.status, whole.exit_code, whole.failed_dates[0].reason) == ("partial", 1, "the API is down")
    whole.errors.append("the database is gone")
    assert whole.status == "failed"


def test_the_record_lists_games_then_dates_then_errors():
    whole = RunSummary.for_range(DAY, DAY, ["collection", "features", "prediction", "storage"])
    whole.add(DateReport(DAY, source="archive", found=2, processed=1, failed=[GAME]))
    whole.errors.append("stopped")
    record = whole.record()
    assert (record.target_date, record.status, record.found, record.failed) == (None, "failed", 2, 1)
    assert record.errors == ("0022300561 (features): timeline gap", "stopped")


def test_a_date_summary_and_a_range_summary_keep_their_json_shapes():
    day = RunSummary(steps=["prediction"], target_date=DAY).to_dict()
    assert "target_date" in day and "first" not in day and "runs" not in day
    whole = RunSummary.for_range(DAY, date(2024, 1, 16), ["collection"]).to_dict()
    assert (whole["first"], whole["last"], whole["runs"], whole["dates"]["total"]) == (
        "2024-01-15",
        "2024-01-16",
        [],
        0,
    )
    assert "target_date" not in whole


def test_a_run_that_fails_returns_its_summary_with_the_error(tmp_path):
    settings = Settings.resolve({"database": f"sqlite:///{tmp_path / 'ratings.db'}", "source": "archive"}, {})
    with Resources(settings) as resources:
        summary = StepRunner(resources).run("prediction", "storage", input_path=str(tmp_path / "missing.json"))
    assert isinstance(summary.error, ArtifactError)
    assert summary.errors == [str(summary.error)] and summary.status == "failed"
    assert not (tmp_path / "ratings.db").exists()  # a failed run creates no database


def test_an_empty_range_is_a_usage_error():
    from nba_predictions.runs.backfill import backfill

    settings = Settings.resolve({"source": "archive"}, {})
    with Resources(settings) as resources, pytest.raises(UsageError, match="before --start"):
        backfill(resources, date(2024, 1, 16), DAY)


def test_the_orchestration_combines_with_the_same_rule():
    base = {"steps": ["x"], "duration_seconds": 1.0, "started_at": "t0", "errors": [], "failed": []}
    whole = runner.with_error(runner.combine([base, {**base, "steps": ["y"]}]), "y failed")
    assert (whole["status"], whole["ok"], whole["exit_code"], whole["errors"]) == ("failed", False, 1, ["y failed"])
