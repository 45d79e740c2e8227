"""Backfill as one run: the same database as running the dates one by one, resumable after a real
kill, going on past dates the archive does not cover, step by step through range documents."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from nba_predictions.config import Settings
from nba_predictions.runs.pipeline import StepRunner
from nba_predictions.runs.resources import Resources
from tests.conftest import MAIN

TIMES = ("created_at", "updated_at", "predicted_at")  # when a run wrote a row: differs between runs


def table(path: Path, name: str) -> list[dict]:
    """Every row of a table of a SQLite database, in key order, without the write times."""
    with sqlite3.connect(path) as con:
        con.row_factory = sqlite3.Row
        key = "game_id" if name == "game_details" else "id"
        rows = con.execute(f"SELECT * FROM {name} ORDER BY {key}")
        # .keys(): a sqlite3.Row iterates its values, not its column names
        return [{k: row[k] for k in row.keys() if k not in TIMES} for row in rows]  # noqa: SIM118


def same_ratings(a: Path, b: Path) -> None:
    """Row for row equal teams, games and game_details (the spoilers' JSON text included)."""
    for name in ("teams", "games", "game_details"):
        assert table(a, name) == table(b, name), name


def one_by_one(path: Path, first: date, last: date) -> list[tuple[str, str, str, bool]]:
    """The dates run one at a time, each a full one-date pipeline run; the games not rated (and
    whether they could have been)."""
    settings = Settings.resolve({"database": f"sqlite:///{path}", "source": "archive"}, {})
    failed = []
    with Resources(settings) as resources:
        runner = StepRunner(resources)
        day = first
        while day <= last:
            run = runner.run("collection", "storage", day=day)
            failed += [(g.game_id, g.step, g.reason, g.rateable) for g in run.failed]
            day += timedelta(days=1)
    return failed


def summary_of(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize(
    "first, last",
    [
        # the season's start (teams without a game yet take last season's rank), overtime games, a game
        # whose play-by-play is truncated (2023-12-04); about 300 games: the per-tree tables' path
        (date(2023, 10, 24), date(2023, 12, 5)),
        # the end of the regular season, the play-in (no play-by-play in the archive), the playoffs
        (date(2024, 4, 12), date(2024, 4, 21)),
    ],
)
def test_a_backfill_equals_running_the_dates_one_by_one(run_cli, tmp_path, first, last):
    failed = one_by_one(tmp_path / "one_by_one.db", first, last)
    result = run_cli(
        "backfill",
        "--start",
        str(first),
        "--end",
        str(last),
        "--source",
        "archive",
        "--chunk-games",
        "50",
        "--summary-json",
        "summary.json",
    )
    failing = [f for f in failed if f[3]]
    assert failed and not failing  # the archive's truncated play-by-play and play-in games: never rateable
    assert result.returncode == 0, result.stderr
    same_ratings(tmp_path / "one_by_one.db", tmp_path / "ratings.db")
    summary = summary_of(tmp_path / "summary.json")
    listed = summary["failed"] + summary["not_rateable"]
    assert sorted((g["game_id"], g["step"], g["reason"], g["rateable"]) for g in listed) == sorted(failed)
    # one pipeline_runs row for the backfill, its counts those of the dates
    [run] = table(tmp_path / "ratings.db", "pipeline_runs")
    saved = len(table(tmp_path / "ratings.db", "games"))
    assert (run["target_date"], run["games_saved"], run["games_failed"]) == (None, saved, 0)
    assert run["status"] == "ok" and summary["saved"] == saved
    assert sum("not rateable" in line for line in json.loads(run["errors"])) == len(failed)


# -- resumable ------------------------------------------------------------------------------------

FIRST, LAST = "2024-01-01", "2024-01-20"  # 147 games
KILL_IN_THIRD_TRANSACTION = """
import os, signal, sys
from nba_predictions.storage import queries
real = queries.insert_new_games
calls = []
def insert_then_die(conn, rows):
    inserted = real(conn, rows)
    calls.append(len(inserted))
    if len(calls) == 3:  # the third chunk's games are written, its transaction not committed
        os.kill(os.getpid(), signal.SIGKILL)
    return inserted
queries.insert_new_games = insert_then_die
sys.argv = ["nba-predictions", *sys.argv[1:]]
from nba_predictions.cli import main
sys.exit(main())
"""


def backfill_args(*extra: str) -> list[str]:
    return ["backfill", "--start", FIRST, "--end", LAST, "--source", "archive", "--chunk-games", "16", *extra]


def env_for(path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    env["DATABASE_URL"] = f"sqlite:///{path}"
    return env


def test_killed_inside_a_transaction_and_rerun_ends_as_an_uninterrupted_backfill(run_cli, tmp_path):
    uninterrupted = run_cli(*backfill_args(), env={"DATABASE_URL": f"sqlite:///{tmp_path / 'whole.db'}"})
    assert uninterrupted.returncode == 0, uninterrupted.stderr

    killed = subprocess.run(
        [sys.executable, "-c", KILL_IN_THIRD_TRANSACTION, *backfill_args()],
        cwd=tmp_path,
        env=env_for(tmp_path / "ratings.db"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(table(tmp_path / "ratings.db", "games")) == 32  # two chunks committed, the third rolled back
    assert table(tmp_path / "ratings.db", "pipeline_runs") == []  # a killed run records nothing

    resumed = run_cli(*backfill_args("--summary-json", "resumed.json"))
    assert resumed.returncode == 0, resumed.stderr
    same_ratings(tmp_path / "whole.db", tmp_path / "ratings.db")
    summary = summary_of(tmp_path / "resumed.json")
    assert (summary["found"], summary["skipped"], summary["saved"]) == (147, 32, 115)  # only what was missing
    [run] = table(tmp_path / "ratings.db", "pipeline_runs")
    assert (run["games_found"], run["games_skipped"], run["games_saved"], run["status"]) == (147, 32, 115, "ok")


def test_killed_by_a_signal_after_its_first_stored_chunk_and_rerun_ends_the_same(run_cli, tmp_path):
    uninterrupted = run_cli(*backfill_args(), env={"DATABASE_URL": f"sqlite:///{tmp_path / 'whole.db'}"})
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    # stderr is a pipe: one log line per chunk; the kill follows the first storage line
    process = subprocess.Popen(
        [sys.executable, str(MAIN), *backfill_args("--chunk-games", "4")],
        cwd=tmp_path,
        env=env_for(tmp_path / "ratings.db"),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in process.stderr:
            if "backfill storage: " in line:
                process.send_signal(signal.SIGKILL)
                break
    finally:
        process.wait(timeout=300)
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    stored = len(table(tmp_path / "ratings.db", "games"))
    assert 4 <= stored < 147

    resumed = run_cli(*backfill_args("--summary-json", "resumed.json"))
    assert resumed.returncode == 0, resumed.stderr
    same_ratings(tmp_path / "whole.db", tmp_path / "ratings.db")
    assert summary_of(tmp_path / "resumed.json")["skipped"] == stored


# -- past what it cannot rate -----------------------------------------------------------------


def test_under_source_archive_the_gap_and_the_dates_after_the_end_are_reported_not_rated(run_cli, tmp_path):
    result = run_cli(
        "backfill", "--start", "2025-06-04", "--end", "2025-07-02", "--source", "archive", "--summary-json", "gap.json"
    )
    assert result.returncode == 0, result.stderr
    assert (
        "2025-06-06 to 2025-06-30 (25 dates) not rated: the date falls in a known gap of the offline archive "
        "(2025 Finals games 2-7 (0042400402-0042400407) are missing from the archive's inputs); --source auto "
        "or nba_api asks the live API for it"
    ) in result.stderr
    gap = summary_of(tmp_path / "gap.json")
    assert (gap["status"], gap["dates"]["skipped"], gap["saved"]) == ("ok", 25, 1)  # 2025-06-05, Finals game 1
    assert [d["date"] for d in gap["skipped_dates"]] == [str(date(2025, 6, 6) + timedelta(days=i)) for i in range(25)]

    after = run_cli(
        "backfill",
        "--start",
        "2025-12-05",
        "--end",
        "2025-12-10",
        "--source",
        "archive",
        "--summary-json",
        "after.json",
    )
    assert after.returncode == 0, after.stderr
    summary = summary_of(tmp_path / "after.json")
    assert [d["date"] for d in summary["skipped_dates"]] == ["2025-12-08", "2025-12-09", "2025-12-10"]
    assert (
        "is outside the offline archive, which covers 2013-10-29 to 2025-12-07" in summary["skipped_dates"][0]["reason"]
    )
    assert summary["saved"] == sum(r["saved"] for r in summary["runs"]) > 0


def test_under_source_auto_the_live_api_serves_the_gap(run_cli, tmp_path):
    from nba_predictions.sources.archive import ArchiveSource
    from tests.fakeserver.server import FakeStatsServer

    with FakeStatsServer(ArchiveSource()) as server:
        result = run_cli(
            "backfill",
            "--start",
            "2025-06-04",
            "--end",
            "2025-06-08",
            "--summary-json",
            "auto.json",
            env={
                "NBA_SOURCES": "archive,nba_api",  # the fake serves the stats API (the default tries cdn first)
                "NBA_API_STATS_URL": server.stats_url,
                "NBA_API_CDN_URL": server.cdn_url,
                "NBA_API_MIN_INTERVAL": "0",
                "NBA_API_CACHE_DIR": str(tmp_path / "cache"),
            },
        )
        asked = sorted(p["GameDate"] for endpoint, p in server.log if endpoint == "scoreboardv3")
    assert result.returncode == 0, result.stderr
    assert asked == ["2025-06-06", "2025-06-07", "2025-06-08"]  # only the gap's dates, each once
    summary = summary_of(tmp_path / "auto.json")
    assert summary["source"] == "archive, nba_api" and summary["saved"] == 1
    assert {r["target_date"]: r["source"] for r in summary["runs"]}["2025-06-05"] == "archive"


def test_an_unreachable_live_api_fails_its_dates_and_the_backfill_goes_on(run_cli, tmp_path):
    result = run_cli(
        "backfill",
        "--start",
        "2025-06-04",
        "--end",
        "2025-07-01",
        "--summary-json",
        "down.json",
        env={
            "NBA_API_STATS_URL": "http://127.0.0.1:9/stats",
            "NBA_API_RETRIES": "0",
            "NBA_API_MIN_INTERVAL": "0",
            "NBA_API_CACHE_DIR": str(tmp_path / "cache"),
        },
    )
    assert result.returncode == 1
    summary = summary_of(tmp_path / "down.json")
    assert summary["saved"] == 1 and len(summary["failed_dates"]) == 25  # the gap; 2025-06-05 and July rated
    first = summary["failed_dates"][0]["reason"]
    assert "(the live API was asked: the date falls in a known gap of the offline archive (2025 Finals" in first
    assert all("not tried" in d["reason"] for d in summary["failed_dates"][3:])  # no 25 rounds of retries


# -- progress ---------------------------------------------------------------------------------


def test_a_terminal_gets_a_progress_bar(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 160, 0, 0))  # a 160 x 30 terminal
    process = subprocess.Popen(
        [sys.executable, str(MAIN), *backfill_args()],
        cwd=tmp_path,
        env=env_for(tmp_path / "ratings.db"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    )
    os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(controller)
    assert process.wait(timeout=300) == 0
    text = drawn.decode("utf-8", "replace")
    assert "backfill features: 100%|" in text and "20/20 dates" in text
    assert "147 games rated" in text and "games/s" in text
    assert "backfill storage: 100%|" in text and "147/147 games" in text
    assert "INFO" not in text.split("backfill features")[-1]  # no log lines under the bars


def test_quiet_prints_only_warnings(run_cli, tmp_path):
    quiet = run_cli(*backfill_args("--quiet"))
    assert quiet.returncode == 0 and quiet.stderr == ""
    # The play-in dates: their games are not rateable from the archive, which fails nothing.
    play_in = run_cli("backfill", "--start", "2024-04-16", "--end", "2024-04-17", "--quiet")
    assert play_in.returncode == 0 and play_in.stderr == "", play_in.stderr
    days = ["--start", "2024-01-14", "--end", "2024-01-15"]
    assert run_cli("backfill", *days, "--until-step", "features", "--output", "f.json").returncode == 0
    doc = json.loads((tmp_path / "f.json").read_text())
    doc["games"][0]["features"]["scores_diff"] += 1  # a game that could be rated, made to fail
    (tmp_path / "f.json").write_text(json.dumps(doc))
    failing = run_cli("backfill", "--from-step", "prediction", "--input", "f.json", "--quiet")
    assert failing.returncode == 1
    lines = [line for line in failing.stderr.splitlines() if line.strip()]
    assert lines and not any(" INFO " in line for line in lines)
    assert "failed 1, not rateable 0" in failing.stderr


# -- step by step ---------------------------------------------------------------------------------


def test_step_based_backfills_through_range_documents_store_what_one_run_stores(run_cli, tmp_path):
    days = ["--start", "2024-01-14", "--end", "2024-01-17"]
    whole = run_cli("backfill", *days, env={"DATABASE_URL": f"sqlite:///{tmp_path / 'whole.db'}"})
    assert whole.returncode == 0, whole.stderr

    # two machines: collection and features on one, prediction and storage on the other
    assert run_cli("backfill", *days, "--until-step", "features", "--output", "features.json").returncode == 0
    features = json.loads((tmp_path / "features.json").read_text())
    assert (features["metadata"]["first_date"], features["metadata"]["last_date"]) == ("2024-01-14", "2024-01-17")
    assert features["metadata"]["target_date"] is None and features["metadata"]["total_games"] == 28
    two = run_cli(
        "backfill",
        "--from-step",
        "prediction",
        "--input",
        "features.json",
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'two.db'}"},
    )
    assert two.returncode == 0, two.stderr
    same_ratings(tmp_path / "whole.db", tmp_path / "two.db")

    # four machines, one document each way
    for args in (
        ["--until-step", "collection", "--output", "collected.json", *days],
        ["--from-step", "features", "--input", "collected.json", "--output", "features4.json"],
        ["--from-step", "prediction", "--input", "features4.json", "--output", "predictions.json"],
        ["--from-step", "storage", "--input", "predictions.json"],
    ):
        step = run_cli("backfill", *args, env={"DATABASE_URL": f"sqlite:///{tmp_path / 'four.db'}"})
        assert step.returncode == 0, step.stderr
    same_ratings(tmp_path / "whole.db", tmp_path / "four.db")
    predictions = json.loads((tmp_path / "predictions.json").read_text())
    assert predictions["metadata"]["first_date"] == "2024-01-14" and len(predictions["predictions"]) == 28

    # the range's predictions document from one run, then stored elsewhere: the same ratings
    assert run_cli("backfill", *days, "--until-step", "prediction", "--output", "range.json").returncode == 0
    assert json.loads((tmp_path / "range.json").read_text())["predictions"] == predictions["predictions"]


def test_a_range_document_goes_through_the_input_rules_game_by_game(run_cli, tmp_path):
    assert (
        run_cli(
            "backfill",
            "--start",
            "2024-01-14",
            "--end",
            "2024-01-17",
            "--until-step",
            "features",
            "--output",
            "features.json",
        ).returncode
        == 0
    )
    doc = json.loads((tmp_path / "features.json").read_text())
    outside, unknown = doc["games"][0], doc["games"][1]
    outside["raw_data"]["date"] = "2024-01-20"  # a hand-edited document: a game outside its range
    unknown["raw_data"]["home_team_abbreviation"] = "XXX"
    (tmp_path / "features.json").write_text(json.dumps(doc))
    result = run_cli("backfill", "--from-step", "prediction", "--input", "features.json", "--summary-json", "s.json")
    assert result.returncode == 1, result.stderr
    summary = summary_of(tmp_path / "s.json")
    refused = {g["game_id"]: (g["step"], g["reason"]) for g in summary["failed"]}
    assert refused.keys() == {outside["game_id"], unknown["game_id"]}
    assert refused[outside["game_id"]] == (
        "prediction",
        f"game {outside['game_id']}: date 2024-01-20 is outside the "
        "document's range, first_date 2024-01-14 to last_date 2024-01-17",
    )
    step, reason = refused[unknown["game_id"]]
    assert step == "prediction" and reason.startswith(
        f"game {unknown['game_id']}: home_team_abbreviation 'XXX' is not the abbreviation of team "
        f"{unknown['raw_data']['home_team_id']} in 2023-24"
    )
    assert summary["saved"] == 26 and len(table(tmp_path / "ratings.db", "games")) == 26


def test_the_summary_json_of_a_backfill(run_cli, tmp_path):
    result = run_cli("backfill", "--start", "2024-04-15", "--end", "2024-04-17", "--summary-json", "s.json")
    assert result.returncode == 0, result.stderr  # play-in games have no play-by-play in the archive: not rateable
    summary = summary_of(tmp_path / "s.json")
    assert (summary["status"], summary["ok"], summary["exit_code"]) == ("ok", True, 0)
    assert summary["dates"] == {"total": 3, "with_games": 2, "skipped": 0, "failed": 0}
    assert summary["found"] == 4 and summary["saved"] == 0 and summary["failed"] == []
    assert len(summary["not_rateable"]) == 4
    assert all(
        g["step"] == "collection" and "play-in" in g["reason"] and g["rateable"] is False
        for g in summary["not_rateable"]
    )
    assert [r["target_date"] for r in summary["runs"]] == ["2024-04-16", "2024-04-17"]
    assert summary["duration_seconds"] > 0 and summary["steps"][-1] == "storage"
