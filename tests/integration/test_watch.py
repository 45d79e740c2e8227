"""``watch`` against the fake CDN on 127.0.0.1 (tests/fakeserver/cdn.py), whose scoreboard turns the
games of a 2024-25 date final one by one, decided by the scoreboard request's number (never by time):
each game stored on the first poll that shows it final, with the archive's rating, nothing rated
twice (a SIGKILLed watch restarted included), unchanged scoreboards answered 304."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from nba_predictions.config import Settings
from nba_predictions.errors import UsageError
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.watch import Watch, WatchOptions
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.sources.cdn.scoreboard import ScoreboardReader
from tests.conftest import MAIN
from tests.fakeserver.cdn import FakeCdn

DAY = date(2024, 12, 25)  # 5 games, all rated by the CDN source as by the archive (test_cdn_source)


@pytest.fixture(scope="module")
def archive() -> ArchiveSource:
    return ArchiveSource()


@pytest.fixture
def cdn(archive) -> Iterator[FakeCdn]:
    with FakeCdn(archive) as server:
        yield server


@pytest.fixture(scope="module")
def archive_ratings(tmp_path_factory, scores_only_archive) -> dict[str, float]:
    """The ratings a daily run from the archive gives the date's games (the archive as the fake CDN
    knows it: no player lines)."""
    from nba_predictions.runs.pipeline import StepRunner

    out = tmp_path_factory.mktemp("archive") / "predictions.json"
    env = {"NBA_BUNDLED_ARCHIVE": str(scores_only_archive)}
    with Resources(Settings.resolve({"source": "archive"}, env)) as resources:
        summary = StepRunner(resources).run("collection", "prediction", output_path=str(out), day=DAY)
    assert summary.ok, summary.render()
    return {p["game_id"]: p["rating"] for p in json.loads(out.read_text())["predictions"]}


def one_by_one(cdn: FakeCdn, day: date = DAY, first: int = 2, every: int = 2) -> dict[str, int]:
    """The date's games final one by one: the first at scoreboard request ``first``, then every ``every``."""
    ids = cdn.show_scoreboard(day)
    final_at = {game_id: first + every * i for i, game_id in enumerate(ids)}
    cdn.show_scoreboard(day, final_at=final_at)
    return final_at


def env_for(cdn: FakeCdn, tmp_path: Path) -> dict[str, str]:
    return {"NBA_CDN_URL": cdn.cdn_url, "NBA_API_CACHE_DIR": str(tmp_path / "cache"), "NBA_API_MIN_INTERVAL": "0"}


def watch_in_process(cdn: FakeCdn, tmp_path: Path, database: Path, **options) -> tuple[Watch, list[dict]]:
    """A watch polling every 0.05 s (the fake's scoreboard changes by request count, not time)."""
    settings = Settings.resolve({"source": "cdn", "database": f"sqlite:///{database}"}, env_for(cdn, tmp_path))
    lines: list[dict] = []
    on_line = options.pop("on_line", None)

    def emit(line: str) -> None:
        lines.append(json.loads(line))
        if on_line is not None:
            on_line(lines[-1])

    options = {"day": DAY, "interval": 0.05, "until_done": True, "log_json": True, **options}
    with Resources(settings) as resources:
        reader = ScoreboardReader.for_settings(settings.api, cdn.cdn_url)
        watch = Watch(resources, WatchOptions(**options), reader, emit=emit)
        watch.run()
        reader.close()
    return watch, lines


def query(database: Path, sql: str) -> list[tuple]:
    """Rows of ``sql``; none while the database or its tables are not there yet."""
    if not database.exists():
        return []
    conn = sqlite3.connect(database)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def stored(database: Path) -> dict[str, tuple[float, str, str]]:
    rows = query(database, "SELECT id, prediction_rating, classification, model_version FROM games")
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def runs(database: Path) -> list[tuple[int, int, str]]:
    return query(database, "SELECT games_saved, games_skipped, status FROM pipeline_runs ORDER BY id")


def watch_command(cdn: FakeCdn, tmp_path: Path, *args: str) -> list[str]:
    return [sys.executable, str(MAIN), "watch", "--date", DAY.isoformat(), "--source", "cdn", "--log-json", *args]


def subprocess_env(cdn: FakeCdn, tmp_path: Path, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    return {**env, **env_for(cdn, tmp_path), "DATABASE_URL": f"sqlite:///{database}"}


def poll_lines(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith('{"event": "poll"')]


# -- done when ------------------------------------------------------------------------------------


def test_each_game_is_stored_on_the_first_poll_that_shows_it_final_with_the_archives_rating(
    cdn, tmp_path, archive_ratings
):
    final_at = one_by_one(cdn)
    database, documents = tmp_path / "ratings.db", tmp_path / "documents"
    command = watch_command(cdn, tmp_path, "--interval", "1", "--until-done", "--documents", str(documents))
    done = subprocess.run(
        command, cwd=tmp_path, env=subprocess_env(cdn, tmp_path, database), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    lines = poll_lines(done.stderr)
    rated_at = {game_id: line["poll"] for line in lines for game_id in line["rated"]}
    assert rated_at == final_at  # poll n is scoreboard request n: stored on the first poll showing it final
    assert lines[-1]["status"] == "done" and lines[-1]["poll"] == max(final_at.values())  # exits after the last
    assert {g: r[0] for g, r in stored(database).items()} == archive_ratings
    assert runs(database) == [(1, 0, "ok")] * len(final_at)  # one storage run per game, each game once
    # The cost: one scoreboard request per poll, a 304 whenever it had not changed; the schedule
    # once; each game's box score and play-by-play once.
    assert cdn.counts["scoreboard"] == len(lines)
    assert cdn.not_modified == len(lines) - 1 - len(final_at) == sum(line["not_modified"] for line in lines)
    assert (cdn.counts["schedule"], cdn.counts["boxscore"], cdn.counts["playbyplay"]) == (1, 5, 5)
    # The log: one line per game, its teams and rating, never its score.
    game_lines = [line for line in done.stderr.splitlines() if " rated " in line and "watch:" in line]
    assert len(game_lines) == 5 and all("after its final status" in line for line in game_lines)
    assert "SAS at NYK" in done.stderr
    # The date's documents are whole and a --from-step run goes on from them.
    predictions = json.loads((documents / DAY.isoformat() / "predictions.json").read_text())
    assert {p["game_id"]: p["rating"] for p in predictions["predictions"]} == archive_ratings
    resumed, features = tmp_path / "resumed.json", documents / DAY.isoformat() / "engineered_features.json"
    again = subprocess.run(
        [sys.executable, str(MAIN), "--from-step", "prediction", "--input", str(features), "--output", str(resumed)],
        cwd=tmp_path,
        env=subprocess_env(cdn, tmp_path, tmp_path / "unused.db"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert {p["game_id"]: p["rating"] for p in json.loads(resumed.read_text())["predictions"]} == archive_ratings


def test_a_final_game_whose_play_by_play_is_not_final_is_stored_only_once_its_feed_is(cdn, tmp_path):
    final_at = one_by_one(cdn, first=2, every=3)
    late = next(iter(final_at))
    cdn.inject("playbyplay", "not_final", times=2, gameId=late)  # polls 2 and 3: still in progress
    database = tmp_path / "ratings.db"
    seen_stored: dict[int, bool] = {}

    def check(line: dict) -> None:
        seen_stored[line["poll"]] = late in stored(database)

    watch, lines = watch_in_process(cdn, tmp_path, database, on_line=check)
    assert watch.report.rated[late].poll == final_at[late] + 2
    assert [seen_stored[p] for p in (2, 3, 4)] == [False, False, True]
    assert "not final yet" in lines[1]["pending"][late] and "#-#" in lines[1]["pending"][late]  # no score
    assert watch.report.exit_code == 0 and len(stored(database)) == 5
    assert cdn.requests_for("playbyplay", gameId=late) == 3 and cdn.requests_for("boxscore", gameId=late) == 1


def test_killed_with_sigkill_and_restarted_it_ends_as_an_uninterrupted_watch_and_rates_nothing_twice(archive, tmp_path):
    with FakeCdn(archive) as reference_cdn:
        one_by_one(reference_cdn)
        watch_in_process(reference_cdn, tmp_path / "reference", tmp_path / "reference.db")
    with FakeCdn(archive) as cdn:
        one_by_one(cdn)
        database = tmp_path / "ratings.db"
        env = subprocess_env(cdn, tmp_path, database)
        command = watch_command(cdn, tmp_path, "--interval", "1", "--until-done")
        first = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 240  # a guard against a hung test, not a measurement
            while len(runs(database)) < 2:
                assert first.poll() is None and time.monotonic() < deadline, "the watch ended before 2 games"
                time.sleep(0.05)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(60)
        assert 2 <= len(stored(database)) < 5
        second = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stderr
        assert stored(database) == stored(tmp_path / "reference.db")
        assert runs(database) == [(1, 0, "ok")] * 5  # each game stored by one run, never skipped or redone
        assert (cdn.counts["boxscore"], cdn.counts["playbyplay"], cdn.counts["schedule"]) == (5, 5, 2)


# -- operations -----------------------------------------------------------------------------------


def test_sigterm_stops_it_cleanly_between_games(cdn, tmp_path):
    one_by_one(cdn, first=2, every=100)  # the second game turns final long after the test ends
    database = tmp_path / "ratings.db"
    proc = subprocess.Popen(
        watch_command(cdn, tmp_path, "--interval", "1"),
        cwd=tmp_path,
        env=subprocess_env(cdn, tmp_path, database),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while len(runs(database)) < 1:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read() if proc.stderr else ""
    assert "stopped after" in stderr and "1 game(s) rated" in stderr
    assert len(stored(database)) == 1 and runs(database) == [(1, 0, "ok")]


def test_a_game_that_cannot_be_rated_by_the_end_is_named_and_the_watch_exits_1(cdn, tmp_path):
    final_at = one_by_one(cdn, first=2, every=1)
    never = sorted(final_at)[-1]
    cdn.inject("playbyplay", "not_final", times=None, gameId=never)
    watch, _ = watch_in_process(cdn, tmp_path, tmp_path / "ratings.db", give_up_after=3)
    assert watch.report.exit_code == 1 and list(watch.report.not_rated) == [never]
    assert "not final yet" in watch.report.not_rated[never] and "after 3 polls" in watch.report.not_rated[never]
    assert len(watch.report.rated) == 4 and cdn.requests_for("playbyplay", gameId=never) == 3


def test_a_restarted_watch_leaves_rated_games_alone_and_force_rerates_each_once(cdn, tmp_path):
    final_at = one_by_one(cdn, first=1, every=0)  # all final at once
    database = tmp_path / "ratings.db"
    watch_in_process(cdn, tmp_path, database)
    again, lines = watch_in_process(cdn, tmp_path, database)
    assert again.report.rated == {} and lines[0]["status"] == "done" and lines[0]["rated_total"] == 5
    settings = Settings.resolve(
        {"source": "cdn", "database": f"sqlite:///{database}", "force": True}, env_for(cdn, tmp_path)
    )
    with Resources(settings) as resources:
        reader = ScoreboardReader.for_settings(settings.api, cdn.cdn_url)
        forced = Watch(resources, WatchOptions(day=DAY, interval=0.05, until_done=True), reader).run()
    assert sorted(forced.rated) == sorted(final_at) and forced.polls == 1
    assert [r[:2] for r in runs(database)] == [(1, 0)] * 10  # re-rated once each (saved = updated)


def test_a_past_date_is_refused_in_one_line_and_a_later_one_waited_for(cdn, tmp_path):
    one_by_one(cdn, day=date(2025, 1, 2))
    with pytest.raises(UsageError, match="serves only its current day, 2025-01-02; rate a past date with a run"):
        watch_in_process(cdn, tmp_path, tmp_path / "ratings.db")
    stop = threading.Event()
    lines: list[dict] = []

    def on_line(line: dict) -> None:
        lines.append(line)
        if len(lines) == 3:
            stop.set()

    settings = Settings.resolve({"source": "cdn", "database": f"sqlite:///{tmp_path / 'r.db'}"}, env_for(cdn, tmp_path))
    with Resources(settings) as resources:
        reader = ScoreboardReader.for_settings(settings.api, cdn.cdn_url)
        options = WatchOptions(day=date(2025, 1, 3), interval=0.05, until_done=True, log_json=True)
        report = Watch(resources, options, reader, stop=stop, emit=lambda text: on_line(json.loads(text))).run()
    assert report.stopped and report.rated == {}
    assert [line["status"] for line in lines] == ["waiting"] * 3 and lines[0]["scoreboard_date"] == "2025-01-02"


def test_the_command_refuses_a_past_date_in_one_line_exit_2(cdn, tmp_path):
    one_by_one(cdn, day=date(2025, 1, 2))
    done = subprocess.run(
        watch_command(cdn, tmp_path, "--until-done", "--interval", "1"),
        cwd=tmp_path,
        env=subprocess_env(cdn, tmp_path, tmp_path / "ratings.db"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("nba-predictions:")]
    assert errors == [
        "nba-predictions: usage error: watch --date 2024-12-25: the CDN's scoreboard serves only its current day, "
        "2025-01-02; rate a past date with a run: nba-predictions --date 2024-12-25"
    ]
