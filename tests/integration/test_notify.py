"""Issue 24 item 4: the webhook after storage (runs/notify.py), against a real HTTP server on 127.0.0.1.

The server records each POST and answers 200, answers 500, or holds the request until the test
ends (the client's short NBA_NOTIFY_TIMEOUT gives up first).  A failing webhook never fails the
run: exit code 0, the ratings stored, the failure in the summary and a warning line.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DAY = "2024-01-15"


class Hook:
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.posts: list[dict] = []
        self.release = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.posts.append({"type": self.headers["Content-Type"], "body": json.loads(body)})
                if hook.mode == "hold":
                    hook.release.wait(60)  # until the test ends; the client gives up long before
                    return
                self.send_response(500 if hook.mode == "error" else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook(request: pytest.FixtureRequest) -> Iterator[Hook]:
    server = Hook(getattr(request, "param", "ok"))
    yield server
    server.close()


def _run(run_cli, url: str, *extra: str, **env: str):
    return run_cli(
        "--date",
        DAY,
        "--source",
        "archive",
        "--output",
        "predictions.json",
        "--summary-json",
        "summary.json",
        *extra,
        env={"NBA_NOTIFY_URL": url, **env},
    )


def _predictions(tmp_path: Path) -> list[dict]:
    return json.loads((tmp_path / "predictions.json").read_text())["predictions"]


def _summary(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "summary.json").read_text())


def _teams(p: dict) -> str:
    return f"{p['raw_data']['away_team_abbreviation']} at {p['raw_data']['home_team_abbreviation']}"


def test_the_date_run_posts_the_good_games_once(run_cli, hook: Hook, tmp_path: Path) -> None:
    done = _run(run_cli, hook.url)
    assert done.returncode == 0, done.stderr
    good = [p for p in _predictions(tmp_path) if p["rating"] >= 80]
    assert good, "2024-01-15 has good games"
    assert len(hook.posts) == 1
    post = hook.posts[0]
    assert post["type"] == "application/json"
    assert post["body"]["text"] == post["body"]["content"]  # Slack reads text, Discord content
    text = post["body"]["text"]
    assert [line for line in text.splitlines() if line.startswith("- ")] == [
        line for line in text.splitlines() if any(line.startswith(f"- {_teams(p)},") for p in good)
    ]
    assert len(text.splitlines()) == len(good) + 1
    assert not re.search(r"\d", text.replace(DAY, "").replace("76ers", "")), "no rating, score or margin"
    assert _summary(tmp_path)["notification"] == f"posted {len(good)} game(s)"
    assert f"notification: posted {len(good)} game(s)" in done.stderr

    again = _run(run_cli, hook.url)  # already stored: nothing newly rated, nothing posted
    assert again.returncode == 0 and len(hook.posts) == 1
    assert "notification" not in _summary(tmp_path)


def test_the_step_layout_posts_once_from_storage(run_cli, hook: Hook, tmp_path: Path) -> None:
    """``nba-predictions step`` (deploy/bin/nba-step, and the Prefect step flows through the same
    run_dated_step): storage posts what it stored; the other steps and a rerun of storage do not."""
    env = {"NBA_NOTIFY_URL": hook.url, "NBA_NOTIFY_MIN": "0"}
    for step in ("collection", "features", "prediction"):
        done = run_cli("step", step, "--documents", "docs", "--date", DAY, "--source", "archive", env=env)
        assert done.returncode == 0, done.stderr
    assert hook.posts == []
    stored = run_cli("step", "storage", "--documents", "docs", "--date", DAY, env=env)
    assert stored.returncode == 0, stored.stderr
    assert len(hook.posts) == 1 and len(hook.posts[0]["body"]["text"].splitlines()) == 11 + 1
    again = run_cli("step", "storage", "--documents", "docs", "--date", DAY, env=env)
    assert again.returncode == 0, again.stderr
    assert len(hook.posts) == 1  # nothing newly stored, nothing posted


def test_min_and_teams_choose_the_games(run_cli, hook: Hook, tmp_path: Path) -> None:
    done = _run(run_cli, hook.url, NBA_NOTIFY_MIN="0", NBA_NOTIFY_TEAMS="lal,BOS")
    assert done.returncode == 0, done.stderr
    chosen = [p for p in _predictions(tmp_path) if {"LAL", "BOS"} & set(_teams(p).split(" at "))]
    lines = hook.posts[0]["body"]["text"].splitlines()[1:]
    assert sorted(line.split(",")[0][2:] for line in lines) == sorted(_teams(p) for p in chosen)


@pytest.mark.parametrize("hook", ["error", "hold"], indirect=True)
def test_a_failing_webhook_is_logged_and_the_run_succeeds(run_cli, hook: Hook, tmp_path: Path) -> None:
    done = _run(run_cli, hook.url, NBA_NOTIFY_TIMEOUT="0.5")
    assert done.returncode == 0, done.stderr
    assert len(hook.posts) == 1  # it was tried
    outcome = _summary(tmp_path)["notification"]
    expected = "answered HTTP 500" if hook.mode == "error" else "could not be reached (timed out)"
    assert outcome.startswith(f"failed: the webhook {expected}"), outcome
    assert re.search(rf"WARNING.*notify: failed: the webhook {re.escape(expected)}", done.stderr), done.stderr
    assert _summary(tmp_path)["status"] == "ok" and _summary(tmp_path)["saved"] == 11
    with sqlite3.connect(tmp_path / "ratings.db") as db:
        assert db.execute("SELECT count(*) FROM games WHERE prediction_rating IS NOT NULL").fetchone() == (11,)


def test_a_refused_connection_is_logged_and_the_run_succeeds(run_cli, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = _run(run_cli, f"http://127.0.0.1:{port}/hook")
    assert done.returncode == 0, done.stderr
    assert _summary(tmp_path)["notification"].startswith("failed: the webhook could not be reached (")
    assert "notify: failed" in done.stderr


def test_a_backfill_never_posts(run_cli, hook: Hook) -> None:
    done = run_cli(
        "backfill", "--start", DAY, "--end", "2024-01-16", "--source", "archive", env={"NBA_NOTIFY_URL": hook.url}
    )
    assert done.returncode == 0, done.stderr
    assert hook.posts == []


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("NBA_NOTIFY_TIMEOUT", "0", "NBA_NOTIFY_TIMEOUT=0 must be more than 0 seconds"),
        ("NBA_NOTIFY_URL", "hooks.example.org", "NBA_NOTIFY_URL='hooks.example.org' is not an http(s) URL"),
        ("NBA_NOTIFY_TEAMS", "LAL,L4", "NBA_NOTIFY_TEAMS entry 'L4' is not a team abbreviation"),
    ],
)
def test_bad_settings_are_a_usage_error(run_cli, variable: str, value: str, message: str) -> None:
    done = run_cli("--date", DAY, "--source", "archive", env={variable: value})
    assert done.returncode == 2
    assert message in done.stderr


def test_watch_posts_each_game_as_it_is_rated(hook: Hook, tmp_path: Path) -> None:
    from nba_predictions.config import Settings
    from nba_predictions.runs.resources import Resources
    from nba_predictions.runs.watch import Watch, WatchOptions
    from nba_predictions.sources.archive import ArchiveSource
    from nba_predictions.sources.cdn.scoreboard import ScoreboardReader
    from tests.fakeserver.cdn import FakeCdn
    from tests.integration.test_watch import DAY as WATCH_DAY
    from tests.integration.test_watch import env_for, one_by_one

    with FakeCdn(ArchiveSource()) as cdn:
        one_by_one(cdn)
        env = {**env_for(cdn, tmp_path), "NBA_NOTIFY_URL": hook.url, "NBA_NOTIFY_MIN": "0"}
        settings = Settings.resolve({"source": "cdn", "database": f"sqlite:///{tmp_path / 'watch.db'}"}, env)
        options = WatchOptions(day=WATCH_DAY, interval=0.05, until_done=True, log_json=True)
        with Resources(settings) as resources:
            reader = ScoreboardReader.for_settings(settings.api, cdn.cdn_url)
            Watch(resources, options, reader, emit=lambda line: None).run()
            reader.close()
    assert len(hook.posts) == 5  # one post per game, as each is rated
    assert all(len(post["body"]["text"].splitlines()) == 2 for post in hook.posts)
    assert len({post["body"]["text"] for post in hook.posts}) == 5
