"""--summary-json: the run summary as JSON, written whatever the outcome (for monitoring)."""

from __future__ import annotations

import json

DAY = "2024-01-15"


def test_a_full_run_writes_its_summary(run_cli, tmp_path):
    result = run_cli("--date", DAY, "--summary-json", "logs/summary.json")
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "logs" / "summary.json").read_text())
    assert {
        k: summary[k]
        for k in (
            "status",
            "ok",
            "exit_code",
            "target_date",
            "source",
            "steps",
            "found",
            "processed",
            "saved",
            "skipped",
            "failed",
            "errors",
        )
    } == {
        "status": "ok",
        "ok": True,
        "exit_code": 0,
        "target_date": DAY,
        "source": "archive",
        "steps": ["collection", "features", "prediction", "storage"],
        "found": 11,
        "processed": 11,
        "saved": 11,
        "skipped": 0,
        "failed": [],
        "errors": [],
    }
    assert summary["summary_version"] == "1.1" and summary["not_rateable"] == [] and summary["duration_seconds"] > 0


def test_a_failed_run_writes_its_error_and_exit_code(run_cli, tmp_path):
    result = run_cli(
        "--from-step", "prediction", "--input", "missing.json", "--output", "p.json", "--summary-json", "summary.json"
    )
    assert result.returncode == 1
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert (summary["status"], summary["ok"], summary["exit_code"], summary["steps"]) == (
        "failed",
        False,
        1,
        ["prediction"],
    )
    assert summary["errors"] == [result.stderr.strip().splitlines()[-1].removeprefix("nba-predictions: error: ")]


def test_backfill_writes_totals_and_each_date(run_cli, tmp_path):
    result = run_cli("backfill", "--start", "2024-01-15", "--end", "2024-01-16", "--summary-json", "b.json")
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "b.json").read_text())
    assert (summary["status"], summary["first"], summary["last"]) == ("ok", "2024-01-15", "2024-01-16")
    assert [r["target_date"] for r in summary["runs"]] == ["2024-01-15", "2024-01-16"]
    assert summary["saved"] == sum(r["saved"] for r in summary["runs"]) and summary["runs"][0]["saved"] == 11


def test_an_unwritable_summary_location_is_a_usage_error_before_any_work(run_cli, tmp_path):
    (tmp_path / "afile").write_text("x")
    result = run_cli("--date", DAY, "--summary-json", "afile/s.json")
    assert result.returncode == 2
    assert "--summary-json afile/s.json: " in result.stderr
    assert not (tmp_path / "ratings.db").exists()
