"""Issue 24 item 4: /feed.atom, an Atom feed of newly rated games that validates and spoils nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import httpx
import pytest

from nba_predictions.features.tags import TAGS_BY_NAME, tags_of
from tests.web.conftest import DAY

A = "{http://www.w3.org/2005/Atom}"


def _feed(client: httpx.Client, query: str = "") -> ET.Element:
    answer = client.get(f"/feed.atom{query}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/atom+xml")
    return ET.fromstring(answer.content)


def _predictions(rated: Path) -> list[dict]:
    return json.loads((rated / "predictions.json").read_text())["predictions"]


def test_the_feed_has_every_element_rfc_4287_requires(client: httpx.Client) -> None:
    root = _feed(client)
    assert root.tag == f"{A}feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(f"{A}{required}") or "").strip(), required
    assert root.findtext(f"{A}author/{A}name") == "nba-predictions"
    assert root.find(f"{A}link[@rel='self']") is not None
    assert root.findtext(f"{A}id") == "urn:nba-predictions:feed"
    assert _feed(client, "?min=80&teams=LAL").findtext(f"{A}id") == "urn:nba-predictions:feed:min=80&teams=LAL"
    entries = root.findall(f"{A}entry")
    assert len(entries) == 11
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert (entry.findtext(f"{A}{required}") or "").strip(), required
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.findtext(f"{A}updated") or "")
        assert entry.find(f"{A}link[@rel='alternate']").get("href").endswith(f"/?date={DAY}")
    assert len({e.findtext(f"{A}id") for e in entries}) == 11


def test_feedparser_reads_it_without_complaint(client: httpx.Client) -> None:
    parsed = feedparser.parse(client.get("/feed.atom?teams=LAL,bos&min=10").content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.entries and all(e.id and e.title and e.updated and e.link for e in parsed.entries)


def test_entries_carry_the_tier_and_tags_and_no_number(client: httpx.Client, rated: Path) -> None:
    root = _feed(client)
    by_game = {p["game_id"]: p for p in _predictions(rated)}
    for entry in root.findall(f"{A}entry"):
        game = by_game[entry.findtext(f"{A}id").rsplit(":", 1)[1]]
        title, summary = entry.findtext(f"{A}title"), entry.findtext(f"{A}summary")
        assert title.endswith(f": {game['classification']}")
        for name in tags_of(game["features"]):
            assert TAGS_BY_NAME[name].text in summary
        text = (title.replace(DAY.isoformat(), "") + summary).replace("76ers", "")  # a team name
        assert not re.search(r"\d", text), text  # no rating, score or margin
        for word in ("won", "beat", "score", "margin", "overtime", "lead"):
            assert not re.search(rf"\b{word}\b", text, re.I)


def test_numbers_1_adds_the_rating(client: httpx.Client, rated: Path) -> None:
    root = _feed(client, "?numbers=1")
    ratings = {p["game_id"]: p["rating"] for p in _predictions(rated)}
    for entry in root.findall(f"{A}entry"):
        game_id = entry.findtext(f"{A}id").rsplit(":", 1)[1]
        assert entry.findtext(f"{A}title").endswith(f"({ratings[game_id]:g})")


def test_teams_and_min_filter(client: httpx.Client, rated: Path) -> None:
    games = _predictions(rated)
    root = _feed(client, "?teams=LAL,BOS&min=50")
    expected = {
        p["game_id"]
        for p in games
        if p["rating"] >= 50
        and {"LAL", "BOS"} & {p["raw_data"]["home_team_abbreviation"], p["raw_data"]["away_team_abbreviation"]}
    }
    found = {e.findtext(f"{A}id").rsplit(":", 1)[1] for e in root.findall(f"{A}entry")}
    assert found == expected
    high = sorted(p["rating"] for p in games)[-3]
    found = {e.findtext(f"{A}id").rsplit(":", 1)[1] for e in _feed(client, f"?min={int(high)}").findall(f"{A}entry")}
    assert found == {p["game_id"] for p in games if p["rating"] >= int(high)} and len(found) >= 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?min=101", "min"),
        ("?min=x", "min"),
        ("?teams=XXX", "teams"),
        ("?teams=L4L", "teams"),
        ("?numbers=2", "numbers"),
        ("?other=1", "other"),
        ("?min=1&min=2", "min"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(client: httpx.Client, query: str, field: str) -> None:
    answer = client.get(f"/feed.atom{query}")
    assert answer.status_code == 400
    assert field in answer.text


def test_the_day_page_links_the_feed(client: httpx.Client) -> None:
    page = client.get(f"/?date={DAY}").text
    assert 'href="/feed.atom"' in page
    assert 'href="/feed.atom?teams=LAL"' in client.get(f"/?date={DAY}&team=LAL").text


def test_the_most_recently_rated_game_comes_first(serve_app, rated_db: Path, tmp_path: Path) -> None:
    import shutil
    import sqlite3

    copy = tmp_path / "feed.db"
    shutil.copy(rated_db, copy)
    with sqlite3.connect(copy) as db:
        last = db.execute("SELECT id FROM games ORDER BY id DESC LIMIT 1").fetchone()[0]
        db.execute("UPDATE games SET updated_at = '2030-01-01 12:00:00' WHERE id = ?", (last,))
    live = serve_app(copy)
    root = ET.fromstring(httpx.get(f"{live.url}/feed.atom").content)
    first = root.find(f"{A}entry")
    assert first.findtext(f"{A}id") == f"urn:nba-predictions:game:{last}"
    assert first.findtext(f"{A}updated") == "2030-01-01T12:00:00Z" == root.findtext(f"{A}updated")
