"""The local archive (issue 21, item 3) against the fake CDN on 127.0.0.1, over real HTTP.

The bundled archive covers 2024-25, the season the fake CDN serves, so these tests point
``NBA_BUNDLED_ARCHIVE`` at a copy of it without 2024-25's play-by-play (its results stay: the
standings and head-to-head of a 2024-25 date are the same as the real archive's).  The fake CDN
answers about 20 requests a second on a busy 2-core machine (a whole season takes minutes: 1,308
games in 142 s), so ``archive update`` runs here against a schedule cut after 2024-11-08: its first
18 dates, 136 games (one made to fail), one of them (2024-11-08, 0022400196) with the real recorded play-by-play.
The kill is decided by request: the fake CDN holds one play-by-play request unanswered, the test
SIGKILLs the update once that request has arrived.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from nba_predictions.config import Settings
from nba_predictions.errors import DateNotCoveredError
from nba_predictions.runs.pipeline import StepRunner
from nba_predictions.runs.resources import Resources
from nba_predictions.sources.archive import ArchiveSource, default_archive_path
from nba_predictions.sources.archive_rows import decode_events
from tests.fakeserver.cdn import FakeCdn, schedule_bodies

ROOT = Path(__file__).resolve().parents[2]
LAST_SERVED = "2024-11-08"
FAILING = "0022400122"  # 2024-10-30, NYK at MIA: its play-by-play answers 404 every time
HELD = "0022400160"  # 2024-11-04, UTA at CHI (the 7th of 15 games): the request the kill waits for
SERVED = 135  # the real archive's games from 2024-10-22 to LAST_SERVED (all with play-by-play), less FAILING
REAL_FEEDS = {"0022400196"}  # recorded real play-by-play: tenths of a second, the archive whole seconds


def cut_schedule(body: bytes) -> bytes:
    schedule = json.loads(body)
    days = schedule["leagueSchedule"]["gameDates"]
    for day in days:
        day["games"] = [g for g in day["games"] if g["gameDateEst"][:10] <= LAST_SERVED]
    schedule["leagueSchedule"]["gameDates"] = [d for d in days if d["games"]]
    return json.dumps(schedule).encode("utf-8")


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    """The bundled archive without 2024-25's play-by-play (and so without its dates)."""
    path = tmp_path_factory.mktemp("bundled") / "archive.sqlite"
    shutil.copy(default_archive_path(), path)
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM timelines WHERE game_id IN (SELECT game_id FROM games WHERE season = 2024)")
        con.execute("UPDATE games SET timeline_status = 'missing' WHERE season = 2024")
        con.execute("UPDATE meta SET value = '2024-06-17' WHERE key = 'last_timeline_date'")
    return path


@pytest.fixture(scope="module")
def real() -> ArchiveSource:
    return ArchiveSource()


@pytest.fixture
def cdn(real) -> Iterator[FakeCdn]:
    with FakeCdn(real) as server:
        yield server


@pytest.fixture
def short_cdn(cdn) -> FakeCdn:
    """The fake CDN with its schedule cut after LAST_SERVED, and FAILING's play-by-play missing."""
    cdn.schedules = {name: cut_schedule(body) for name, body in schedule_bodies().items()}
    cdn.inject("playbyplay", "404", times=None, gameId=FAILING)
    return cdn


def environment(cdn: FakeCdn, bundled: Path, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    env.update(
        NBA_CDN_URL=cdn.cdn_url,
        NBA_API_CACHE_DIR=str(folder / "cache"),
        NBA_API_MIN_INTERVAL="0",
        NBA_API_RETRIES="0",
        NBA_ARCHIVE_DIR=str(folder / "archive"),
        NBA_BUNDLED_ARCHIVE=str(bundled),
        DATABASE_URL=f"sqlite:///{folder / 'ratings.db'}",
        PYTHONPATH=str(ROOT / "src"),
    )
    return env


def update(env: dict[str, str], folder: Path, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, str(ROOT / "main.py"), "archive", "update", "--season", "2024-25", *args]
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = process.communicate(timeout=600)
    return process.returncode, err


def contents(folder: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(folder / "archive" / "archive.sqlite") as con:
        return {
            table: con.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("games", "timelines", "meta")
        }


def served_games(real: ArchiveSource) -> set[str]:
    """The 2024-25 games the cut fake CDN can serve: the real archive's, with play-by-play, to LAST_SERVED."""
    records, timelines = real.games_and_timelines(date(2024, 10, 22), date.fromisoformat(LAST_SERVED))
    return {r.game_id for r in records if r.game_id in timelines} - {FAILING}


@pytest.fixture(scope="module")
def uninterrupted(bundled, real, tmp_path_factory) -> tuple[Path, int, str, float, int]:
    """One whole update into an empty NBA_ARCHIVE_DIR: (folder, exit code, stderr, seconds, requests)."""
    folder = tmp_path_factory.mktemp("uninterrupted")
    with FakeCdn(real) as server:
        server.schedules = {name: cut_schedule(body) for name, body in schedule_bodies().items()}
        server.inject("playbyplay", "404", times=None, gameId=FAILING)
        started = time.perf_counter()
        code, err = finish(update(environment(server, bundled, folder), folder, "--source", "cdn"))
        return folder, code, err, time.perf_counter() - started, server.total


def test_an_update_stores_every_game_the_cdn_serves_as_the_bundled_archive_has_it(uninterrupted, real):
    folder, code, err, seconds, requests = uninterrupted
    assert code == 1, err  # one game could not be had
    stored = contents(folder)
    games = {row[0]: row for row in stored["games"]}
    assert set(games) == served_games(real) and len(games) == SERVED
    assert requests == 1 + 2 * SERVED + 2  # the schedule, two feeds a game, the failing game's box score and 404
    timelines = {gid: (periods, decode_events(blob)) for gid, periods, _, blob, _lines in stored["timelines"]}
    for game_id in sorted(games):
        expected = real.score_timeline(game_id)
        periods, events = timelines[game_id]
        assert periods == expected.periods, game_id
        if game_id in REAL_FEEDS:  # same scores in the same order, times within a second
            assert [e[1:] for e in events] == [e[1:] for e in expected.events]
            assert max(abs(a[0] - b[0]) for a, b in zip(events, expected.events)) <= 1.0
        else:
            assert events == expected.events, game_id  # event for event
        [record] = [g for g in real.completed_games(date.fromisoformat(games[game_id][1])) if g.game_id == game_id]
        row = dict(zip(("game_id", "date", "season", "season_type", "home_team_id", "away_team_id"), games[game_id]))
        assert (row["date"], row["home_team_id"], row["away_team_id"]) == (
            record.date.isoformat(),
            record.home_team_id,
            record.away_team_id,
        )
        assert games[game_id][8:10] == (record.home_team_score, record.away_team_score)
    # The game it could not get is named, with its date, teams and reason.
    [line] = [line for line in err.splitlines() if FAILING in line]
    assert "2024-10-30, NYK at MIA" in line and "HTTP 404" in line
    print(f"archive update: {SERVED} games in {seconds:.1f} s ({SERVED / seconds:.1f} games/s, {requests} requests)")


def test_an_update_killed_midway_resumes_and_ends_as_an_uninterrupted_one(
    short_cdn, bundled, real, uninterrupted, tmp_path
):
    env = environment(short_cdn, bundled, tmp_path)
    short_cdn.inject("playbyplay", "hang", gameId=HELD)
    process = update(env, tmp_path, "--source", "cdn")
    deadline = time.monotonic() + 300  # a safety net only: the kill waits for the held request
    while short_cdn.hung == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert short_cdn.hung == 1, process.communicate()
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed = contents(tmp_path)
    stored_days = {row[1] for row in killed["games"]}
    held_day = next(g.date for g in real.completed_games(date(2024, 11, 4)) if g.game_id == HELD).isoformat()
    assert stored_days and max(stored_days) < held_day  # whole dates only: none of the held game's date
    assert not any(key == f"day:{held_day}" for key, _ in killed["meta"])
    requests_before = short_cdn.total
    code, err = finish(update(env, tmp_path, "--source", "cdn"))
    assert code == 1 and FAILING in err
    # The rerun asked only for what was missing: no feed of a stored game again.
    asked_again = {params.get("gameId") for _, params in short_cdn.log[requests_before:]}
    assert not asked_again & {row[0] for row in killed["games"]}
    assert contents(tmp_path) == contents(uninterrupted[0])
    # A third run has nothing left to ask but the failing game.
    code, err = finish(update(env, tmp_path, "--source", "cdn"))
    assert code == 1 and "0 game(s) stored, 10 already archived" in err  # 2024-10-30's other 10 games


def test_status_shows_the_seasons_coverage(uninterrupted, bundled, run_cli):
    folder = uninterrupted[0]
    env = {"NBA_ARCHIVE_DIR": str(folder / "archive"), "NBA_BUNDLED_ARCHIVE": str(bundled)}
    result = run_cli("archive", "status", "--season", "2024-25", env=env)
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("2024-25")]
    # The failing game's date is not whole, so no archive covers it.
    assert "bundled     0" in line and f"local   {SERVED}" in line and "missing   1: 2024-10-30" in line
    everything = run_cli("archive", "status", env=env)
    assert "1996-97 to 2012-13: results only" in everything.stdout and "2023-24  1,318 games" in everything.stdout


def test_a_daily_cdn_run_feeds_the_archive_which_then_rates_the_date_alike(cdn, bundled, tmp_path):
    day = date(2024, 11, 15)
    env = environment(cdn, bundled, tmp_path)
    with Resources(Settings.resolve({"source": "archive"}, env)) as resources:
        before = StepRunner(resources).run("collection", "prediction", output_path=str(tmp_path / "b.json"), day=day)
    assert isinstance(before.error, DateNotCoveredError)  # neither archive has the date yet
    documents = {}
    for name in ("cdn", "archive"):
        out = tmp_path / f"{name}.json"
        with Resources(Settings.resolve({"source": name}, env)) as resources:
            summary = StepRunner(resources).run("collection", "prediction", output_path=str(out), day=day)
        assert summary.ok, summary.render()
        documents[name] = json.loads(out.read_text())
    assert documents["archive"]["metadata"]["source"] == "archive"
    # The local archive keeps no start time (neither archive has the column): the rest is alike.
    assert all(p["raw_data"].pop("start_time_utc") for p in documents["cdn"]["predictions"])
    assert all(p["raw_data"].pop("start_time_utc") is None for p in documents["archive"]["predictions"])
    assert documents["cdn"]["predictions"] == documents["archive"]["predictions"]
    assert len(documents["cdn"]["predictions"]) == 12
