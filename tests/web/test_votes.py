"""Issue 24 item 5: 'worth it?' votes over real HTTP, on SQLite and PostgreSQL.

One vote per browser per game (a signed cookie), a CSRF token bound to the cookie, a per-client
rate limit decided by a counter, counts shown only after voting, stored in fan_votes only, and
exported by ``nba-predictions votes export``.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from nba_predictions.config import Settings
from tests.integration.storage.conftest import fresh_postgres_database
from tests.services import service_missing
from tests.web.conftest import DAY, ROOT, LiveServer, start_server

SECRET = b"test-vote-secret"


@pytest.fixture
def voting(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """``voting(url, limit=30)``: our app with votes on a live server."""
    from nba_predictions.web.app import create_app
    from nba_predictions.web.database import open_read_only
    from nba_predictions.web.votes import RateLimiter, VoteBox, open_vote_writer

    stops: list[Callable[[], None]] = []

    def serve(url: str, limit: int = 30, writer_url: str | None = None) -> LiveServer:
        engine = open_read_only(url)
        box = VoteBox(open_vote_writer(writer_url or url), SECRET, RateLimiter(limit))
        live, stop = start_server(create_app(engine, Settings(), default_day=lambda: DAY, vote_box=box))
        stops.extend([stop, engine.dispose, box.engine.dispose])
        return live

    yield serve
    for stop in stops:
        stop()


@pytest.fixture
def sqlite_url(rated_db: Path, tmp_path: Path) -> str:
    copy = tmp_path / "votes.db"
    shutil.copy(rated_db, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    for url in fresh_postgres_database():
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "--date", DAY.isoformat(), "--database", url, "--quiet"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        yield url


def _forms(html: str) -> dict[str, dict[str, str]]:
    """game id -> the vote form's hidden fields."""
    forms = {}
    for game_id, body in re.findall(
        r'<form class="vote" method="post" action="/games/(\d+)/vote">(.*?)</form>', html, re.S
    ):
        forms[game_id] = dict(re.findall(r'name="(\w+)" value="([^"]*)"', body))
    return forms


def _vote(client: httpx.Client, game_id: str, fields: dict[str, str], choice: str) -> httpx.Response:
    return client.post(f"/games/{game_id}/vote", data={**fields, "vote": choice}, follow_redirects=False)


def _walkthrough(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as browser, httpx.Client(base_url=live.url, timeout=30) as other:
        page = browser.get(f"/?date={DAY}")
        assert "nba_voter" in page.cookies
        forms = _forms(page.text)
        assert len(forms) == 11 and "worth it?" in page.text
        assert "👍 0" not in page.text, "no counts before voting"
        game_id, fields = next(iter(forms.items()))
        answer = _vote(browser, game_id, fields, "up")
        assert answer.status_code == 303 and answer.headers["location"] == f"/?date={DAY}"
        after = browser.get(answer.headers["location"]).text
        assert game_id not in _forms(after), "no second form for that game"
        assert re.search(r'<span class="up">👍 1</span> <span class="down">👎 0</span>', after)
        again = _vote(browser, game_id, fields, "down")
        assert again.status_code == 409 and again.json()["error"]["code"] == "ALREADY_VOTED"

        other_forms = _forms(other.get(f"/?date={DAY}").text)  # another browser: its own vote, then both counted
        assert game_id in other_forms
        assert _vote(other, game_id, other_forms[game_id], "down").status_code == 303
        assert re.search(
            r'<span class="up">👍 1</span> <span class="down">👎 1</span>', other.get(f"/?date={DAY}").text
        )


def _other_tables(url: str) -> list:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [(name, db.execute(f"SELECT * FROM {name}").fetchall()) for name in names if name != "fan_votes"]


def test_a_browser_votes_once_and_then_sees_the_counts(voting, sqlite_url: str) -> None:
    before = _other_tables(sqlite_url)
    _walkthrough(voting(sqlite_url))
    assert _other_tables(sqlite_url) == before, "votes write fan_votes and nothing else"
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        rows = db.execute("SELECT game_id, vote, voter_hash FROM fan_votes ORDER BY id").fetchall()
    assert [(r[0] == rows[0][0], r[1]) for r in rows] == [(True, "up"), (True, "down")]
    assert rows[0][2] != rows[1][2] and all(len(r[2]) == 64 for r in rows)


@pytest.mark.postgres
def test_votes_on_postgresql(pg_url: str, voting) -> None:
    _walkthrough(voting(pg_url))
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM fan_votes")).scalar_one() == 2
    engine.dispose()


@pytest.mark.postgres
def test_on_postgresql_votes_need_only_a_role_that_writes_fan_votes(pg_url: str, voting) -> None:
    """NBA_VOTE_DATABASE_URL's role may insert into fan_votes and nothing else, and voting works."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import ProgrammingError

    from nba_predictions.storage.engine import parse_url

    role, password = f"voter_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        try:
            conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
        except ProgrammingError:
            admin.dispose()
            service_missing(
                "the restricted-role vote test",
                "the test server's role may not create roles: restart it with scripts/start_postgres.sh",
            )
        conn.execute(text(f"GRANT SELECT, INSERT ON fan_votes TO {role}"))
        conn.execute(text(f"GRANT USAGE ON SEQUENCE fan_votes_id_seq TO {role}"))
    writer_url = parse_url(pg_url).set(username=role, password=password).render_as_string(hide_password=False)
    try:
        _walkthrough(voting(pg_url, writer_url=writer_url))
        writer = create_engine(writer_url)
        with pytest.raises(ProgrammingError, match="permission denied"), writer.begin() as conn:
            conn.execute(text("UPDATE games SET prediction_rating = 0"))
        writer.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"REVOKE ALL ON fan_votes FROM {role}"))
            conn.execute(text(f"REVOKE ALL ON SEQUENCE fan_votes_id_seq FROM {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def test_a_post_without_the_cookies_token_is_403(voting, sqlite_url: str) -> None:
    live = voting(sqlite_url)
    with httpx.Client(base_url=live.url) as browser, httpx.Client(base_url=live.url) as stranger:
        forms = _forms(browser.get(f"/?date={DAY}").text)
        game_id, fields = next(iter(forms.items()))
        no_token = {k: v for k, v in fields.items() if k != "csrf"}
        assert _vote(browser, game_id, no_token, "up").status_code == 403
        assert _vote(browser, game_id, {**fields, "csrf": "0" * 64}, "up").status_code == 403
        assert _vote(stranger, game_id, fields, "up").status_code == 403  # the token without its cookie
        stranger.cookies.set("nba_voter", "forged.0000")
        assert _vote(stranger, game_id, fields, "up").status_code == 403
        answer = _vote(browser, game_id, fields, "sideways")
        assert answer.status_code == 400 and answer.json()["success"] is False
        assert _vote(browser, "0022399999", fields, "up").status_code == 404
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        assert db.execute("SELECT count(*) FROM fan_votes").fetchone() == (0,)


def test_the_rate_limit_answers_429_in_the_apis_shape(voting, sqlite_url: str) -> None:
    live = voting(sqlite_url, limit=3)
    with httpx.Client(base_url=live.url) as browser:
        forms = _forms(browser.get(f"/?date={DAY}").text)
        answers = [_vote(browser, game_id, fields, "up").status_code for game_id, fields in list(forms.items())[:5]]
        assert answers == [303, 303, 303, 429, 429]
        refused = _vote(browser, *list(forms.items())[5], "up")
        assert refused.status_code == 429
        assert refused.json()["success"] is False and refused.json()["error"]["code"] == "RATE_LIMITED"


def test_a_redirect_only_goes_back_to_our_pages(voting, sqlite_url: str) -> None:
    live = voting(sqlite_url)
    with httpx.Client(base_url=live.url) as browser:
        game_id, fields = next(iter(_forms(browser.get(f"/?date={DAY}").text).items()))
        answer = _vote(browser, game_id, {**fields, "back": "//evil.example/"}, "up")
        assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_votes_export_writes_csv_and_json_lines(voting, sqlite_url: str, run_cli, tmp_path: Path) -> None:
    _walkthrough(voting(sqlite_url))
    done = run_cli("votes", "export", "--database", sqlite_url, "--output", str(tmp_path / "votes.csv"))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader((tmp_path / "votes.csv").open()))
    assert [r["vote"] for r in rows] == ["up", "down"] and set(rows[0]) == {
        "game_id",
        "vote",
        "voter_hash",
        "created_at",
    }
    assert rows[0]["game_id"].startswith("00")  # ids stay strings
    done = run_cli("votes", "export", "--database", sqlite_url, "--output", str(tmp_path / "votes.jsonl"))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in (tmp_path / "votes.jsonl").read_text().splitlines()]
    assert [line["vote"] for line in lines] == ["up", "down"]
    bad = run_cli("votes", "export", "--database", sqlite_url, "--output", str(tmp_path / "votes.xlsx"))
    assert bad.returncode == 2
    assert "--output votes.xlsx: name a .csv or a .jsonl file, e.g. --output votes.csv" in bad.stderr
    assert not (tmp_path / "votes.xlsx").exists()


def test_the_vote_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    from nba_predictions.web.votes import load_secret

    settings = Settings(vote_secret=None, vote_secret_file=tmp_path / "data" / "vote_secret")
    first = load_secret(settings)
    assert len(first) == 64 and (tmp_path / "data" / "vote_secret").stat().st_mode & 0o777 == 0o600
    assert load_secret(settings) == first  # read back, not made again: cookies survive a restart
    assert load_secret(Settings(vote_secret="from-the-environment")) == b"from-the-environment"
