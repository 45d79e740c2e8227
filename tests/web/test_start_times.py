"""Start times on the fans' page (issue 24, item 6), over real HTTP: US Eastern ("ET") by default,
the viewer's zone with ``?tz=``, a bad zone a 400 naming ``tz``, ``order=schedule`` by start time;
and in Chromium, the browser's own zone (page.js) unless the URL names one."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import DAY, LiveServer

# Synthetic tip-offs for 2024-01-15's games, by their place in game-id order (the archive has no
# start times before 2025-26); the last game keeps none.
TIMES = [
    "2024-01-16 00:30:00.000000",  # 7:30 PM ET; 9:30 AM JST on the 16th
    "2024-01-15 12:00:00.000000",  # 7:00 AM ET; 9:00 PM JST the same day
    "2024-01-16 03:00:00.000000",  # 10:00 PM ET
    "2024-01-16 01:00:00.000000",
    "2024-01-16 00:00:00.000000",
    "2024-01-16 00:00:00.000000",
    "2024-01-16 01:30:00.000000",
    "2024-01-16 02:00:00.000000",
    "2024-01-16 00:30:00.000000",
    "2024-01-16 03:30:00.000000",
]


@pytest.fixture
def timed(serve_app, rated_db: Path, tmp_path: Path) -> tuple[LiveServer, list[str]]:
    """Our app on a copy of the rated database whose games of DAY have start times (one has none)."""
    db = tmp_path / "timed.db"
    shutil.copy(rated_db, db)
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM games WHERE date = ? ORDER BY id", (DAY.isoformat(),))]
        assert len(ids) == len(TIMES) + 1
        conn.executemany("UPDATE games SET start_time_utc = ? WHERE id = ?", list(zip(TIMES, ids, strict=False)))
    conn.close()
    return serve_app(db, default_day=DAY), ids


def _times(html: str) -> dict[str, tuple[str, str, bool]]:
    """game id -> (datetime attribute, text, whether the browser may rewrite it) of its <time>."""
    found = {}
    for row in re.findall(r'<li class="game[^"]*">.*?</li>', html, flags=re.S):
        game_id = re.search(r'id="g(\d+)"', row).group(1)
        time = re.search(r'<time class="start" datetime="([^"]+)" data-day="([^"]+)"( data-local)?>([^<]*)</time>', row)
        if time:
            assert time.group(2) == DAY.isoformat()
            found[game_id] = (time.group(1), time.group(4), bool(time.group(3)))
    return found


def _order(html: str) -> list[str]:
    return re.findall(r'<span class="matchup" id="g(\d+)"', html)


def test_start_times_are_us_eastern_labelled_et_by_default(timed) -> None:
    live, ids = timed
    with httpx.Client(base_url=live.url) as c:
        shown = _times(c.get(f"/?date={DAY}").text)
    assert shown[ids[0]] == ("2024-01-16T00:30:00Z", "7:30 PM ET", True)
    assert shown[ids[1]] == ("2024-01-15T12:00:00Z", "7:00 AM ET", True)
    assert shown[ids[2]] == ("2024-01-16T03:00:00Z", "10:00 PM ET", True)
    assert ids[-1] not in shown and len(shown) == len(TIMES)  # no time known: the date only


def test_tz_shows_the_viewers_zone_with_the_date_where_it_is_another_day(timed) -> None:
    live, ids = timed
    with httpx.Client(base_url=live.url) as c:
        tokyo = c.get(f"/?date={DAY}&tz=Asia/Tokyo")
        paris = c.get(f"/?date={DAY}&tz=Europe/Paris")
        plain = c.get(f"/?date={DAY}")
    shown = _times(tokyo.text)
    assert shown[ids[0]] == ("2024-01-16T00:30:00Z", "Tue Jan 16, 9:30 AM JST", False)
    assert shown[ids[1]] == ("2024-01-15T12:00:00Z", "9:00 PM JST", False)
    assert _times(paris.text)[ids[0]] == ("2024-01-16T00:30:00Z", "Tue Jan 16, 1:30 AM CET", False)
    # The page's links keep the zone, and each zone's page has its own ETag.
    assert "tz=Asia%2FTokyo" in tokyo.text
    assert len({tokyo.headers["etag"], paris.headers["etag"], plain.headers["etag"]}) == 3


@pytest.mark.parametrize("bad", ["Mars/Olympus", "Asia/tokyo2", "../../etc/passwd", "/etc/localtime", "EST5EDT,M3"])
def test_a_bad_tz_is_a_400_naming_tz_and_the_fix(timed, bad: str) -> None:
    live, _ = timed
    with httpx.Client(base_url=live.url) as c:
        response = c.get("/", params={"date": DAY.isoformat(), "tz": bad})
    assert response.status_code == 400
    assert "tz" in response.text and "Europe/Paris" in response.text and "IANA time zone" in response.text


def test_schedule_order_is_by_start_time_then_game_id(timed) -> None:
    live, ids = timed
    with httpx.Client(base_url=live.url) as c:
        order = _order(c.get(f"/?date={DAY}&order=schedule").text)
    by_start = sorted(range(len(TIMES)), key=lambda i: (TIMES[i], ids[i]))
    assert order == [ids[i] for i in by_start] + [ids[-1]]  # the game without a time last


@pytest.mark.browser
def test_the_browser_shows_start_times_in_its_own_zone(browser, timed) -> None:
    live, ids = timed
    context = browser.new_context(timezone_id="Asia/Tokyo", locale="en-US")
    page = context.new_page()
    page.goto(f"{live.url}/?date={DAY}")
    first = page.text_content(f"#g{ids[0]} time.start")
    assert first == "Tue, Jan 16, 9:30 AM GMT+9", first
    assert page.text_content(f"#g{ids[1]} time.start") == "9:00 PM GMT+9"
    assert page.get_attribute(f"#g{ids[0]} time.start", "datetime") == "2024-01-16T00:30:00Z"
    from tests.web.test_browser_fans import _axe

    assert _axe(page) == []
    # A zone the URL names wins over the browser's.
    page.goto(f"{live.url}/?date={DAY}&tz=Europe/Paris")
    assert page.text_content(f"#g{ids[0]} time.start") == "Tue Jan 16, 1:30 AM CET"
    context.close()
    # Without JavaScript the server's Eastern time stays.
    plain = browser.new_context(timezone_id="Asia/Tokyo", java_script_enabled=False)
    page = plain.new_page()
    page.goto(f"{live.url}/?date={DAY}")
    assert page.text_content(f"#g{ids[0]} time.start") == "7:30 PM ET"
    plain.close()
