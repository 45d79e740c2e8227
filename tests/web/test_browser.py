"""Both front ends in a real browser: Debian's Chromium, headless, driven by Playwright.

- Our page for 2024-01-15: the 11 games best first with their badges, on a desktop and on a
  phone, with JavaScript on and off (the filter form works without it).
- The fans' page (issue 24): a person sees the tags, votes 👍, sees the counts, cannot vote
  twice, and finds the feed link, with JavaScript on and off.
- The original React front end, its built files served unchanged, calling "127.0.0.1:3001"
  (see ``port_proxy``): it shows the same 11 games from our API.

Marker ``browser``: skipped without Chromium or Playwright, failed without them when CI is set.
Screenshots go to ``$NBA_SCREENSHOT_DIR`` (CI and the docs) or the test's temporary folder.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from nba_predictions.config import Settings
from nba_predictions.features.tags import TAGS_BY_NAME, tags_of
from nba_predictions.steps.prediction import classify
from tests.web.conftest import DAY, LiveServer
from tests.web.port_proxy import PortProxy, static_files
from tests.web.test_votes import voting  # noqa: F401 (our app with votes on a live server)

pytestmark = pytest.mark.browser

FRONT_END_API = ("127.0.0.1", 3001)  # fixed in the original front end's built files
# The original front end's default date is Pacific-time "today" (yesterday before 3 pm): 3 pm PST.
FRONT_END_NOW = datetime(2024, 1, 15, 23, 0, tzinfo=timezone.utc)


def _ours(page) -> list[dict]:
    return page.eval_on_selector_all(
        "li.game",
        """items => items.map(li => ({
        teams: [...li.querySelectorAll('abbr')].map(a => a.textContent.trim()),
        rating: li.querySelector('.rating').textContent.trim(),
        badge: li.querySelector('.badge').textContent.trim().toLowerCase(),
        colour: getComputedStyle(li.querySelector('.badge')).backgroundColor,
    }))""",
    )


def _shown(rating: float) -> str:
    return f"{math.floor(rating * 10 + 1e-9) / 10:.1f}"


def test_our_page_lists_the_days_games_best_first_with_badges(
    browser, live: LiveServer, stored_games: list[dict], screenshots: Path
) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{live.url}/?date={DAY}&spoilers=number")  # tier and number (the default shows tiers only)
    shown = _ours(page)
    expected = sorted(stored_games, key=lambda g: (-g["rating"], g["id"]))
    assert [g["teams"] for g in shown] == [[g["away"], g["home"]] for g in expected]
    assert [g["rating"] for g in shown] == [_shown(g["rating"]) for g in expected]
    assert [g["badge"] for g in shown] == [classify(g["rating"], 80, 60) for g in expected]
    colours = {g["badge"]: g["colour"] for g in shown}
    assert len(set(colours.values())) == len(colours) >= 2  # each class has its own colour
    assert "January 15, 2024" in page.inner_text("h1")
    page.screenshot(path=str(screenshots / "web_page_2024-01-15.png"), full_page=True)
    context.close()


def test_our_page_on_a_phone_without_javascript(browser, live: LiveServer, screenshots: Path) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
    )
    page = context.new_page()
    page.goto(f"{live.url}/?date={DAY}")
    assert len(_ours_without_js(page)) == 11
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways on a phone: {width}"
    page.screenshot(path=str(screenshots / "web_page_phone_2024-01-15.png"), full_page=True)
    # The filter is a plain form: choose a team, press Show.
    page.select_option("select[name=team]", "LAL")
    page.click("button[type=submit]")
    page.wait_for_url("**team=LAL**")
    assert len(page.query_selector_all("li.game")) == 1
    page.click("p.more a")  # best of the last 7 days, still LAL
    page.wait_for_url("**/best?**")
    assert "Best of the last 7 days" in page.inner_text("h1") and "LAL" in page.inner_text("h1")
    context.close()


def _ours_without_js(page) -> list[str]:
    return [item.inner_text() for item in page.query_selector_all("li.game")]


def test_a_bad_date_is_a_400_page_in_the_browser(browser, live: LiveServer) -> None:
    page = browser.new_page()
    response = page.goto(f"{live.url}/?date=2024-02-30")
    assert response.status == 400
    assert "there is no such day" in page.inner_text("main")
    page.close()


def test_the_api_docs_render_offline_in_the_browser(browser, live: LiveServer) -> None:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live.url}/docs")
    page.wait_for_selector(".opblock-summary-path")  # Swagger UI ran and read /openapi.json
    paths = {el.inner_text().strip() for el in page.query_selector_all(".opblock-summary-path")}
    assert {"/api/v1/health", "/api/v1/predictions", "/api/v1/predictions/{game_id}"} <= paths
    assert all(url.startswith(live.url) for url in requested), [u for u in requested if not u.startswith(live.url)]
    page.close()


# -- the original front end ------------------------------------------------------------------------


def _open_front_end(browser, proxy: PortProxy, api: LiveServer):
    """The original front end on a static server, its API origin 127.0.0.1:3001 routed to ``api``."""
    proxy.routes[FRONT_END_API] = ("127.0.0.1", api.port)
    context = browser.new_context(viewport={"width": 1280, "height": 1400}, timezone_id="UTC")
    page = context.new_page()
    page.clock.set_fixed_time(FRONT_END_NOW)
    return context, page


def _js_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def test_the_original_front_end_shows_the_same_games_from_our_api(
    browser, proxy: PortProxy, live: LiveServer, front_end_files: Path, stored_games: list[dict], screenshots: Path
) -> None:
    with static_files(str(front_end_files)) as port:
        context, page = _open_front_end(browser, proxy, live)
        origin = f"http://127.0.0.1:{port}"
        page.goto(f"{origin}/")
        page.wait_for_function("() => (document.body.innerText.match(/Game ID:/g) || []).length === 11", timeout=30000)
        text = page.inner_text("body")
        for game in stored_games:
            assert f"Game ID: {game['id']}" in text
            assert f"{_js_number(game['rating'])}/100" in text.replace("\n", "")
        for label in ("GOOD", "MEDIOCRE", "BAD"):
            expected = sum(classify(g["rating"], 80, 60) == label.lower() for g in stored_games)
            assert text.count(f"\n{label}\n") == expected, label
        page.wait_for_function("() => document.body.innerText.includes('Online')", timeout=30000)
        page.screenshot(path=str(screenshots / "original_front_end_2024-01-15.png"), full_page=True)
        context.close()
    listing = [f for f in proxy.seen if f.url.startswith("http://127.0.0.1:3001/api/v1/predictions?date=2024-01-15")]
    assert listing and listing[-1].status == 200
    assert listing[-1].request_headers["Origin"] == origin  # a cross-origin call, answered by our CORS
    assert listing[-1].response_headers["access-control-allow-origin"] == origin


def test_the_original_front_end_is_refused_by_cors_origins_that_do_not_list_it(
    browser, proxy: PortProxy, serve_app, rated_db: Path, front_end_files: Path
) -> None:
    strict = serve_app(rated_db, Settings(cors_origins=("https://fans.example.org",)))
    with static_files(str(front_end_files)) as port:
        context, page = _open_front_end(browser, proxy, strict)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_function("() => document.body.innerText.includes('Failed to load predictions')", timeout=30000)
        assert "Game ID:" not in page.inner_text("body")
        context.close()


# -- the fans' page (issue 24): tags, votes, the feed link; JavaScript on and off -----------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_fan_sees_tags_votes_once_and_then_sees_the_counts(  # issue 24: tags, votes, the feed link
    browser,
    voting,  # noqa: F811
    rated: Path,
    tmp_path: Path,
    screenshots: Path,
    javascript: bool,
) -> None:
    copy = tmp_path / "fans.db"
    shutil.copy(rated / "ratings.db", copy)
    live = voting(f"sqlite:///{copy}")
    context = browser.new_context(viewport={"width": 1100, "height": 900}, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live.url}/?date={DAY}")

    expected = {
        f"{p['raw_data']['away_team_abbreviation']} {p['raw_data']['home_team_abbreviation']}": [
            TAGS_BY_NAME[name].text for name in tags_of(p["features"])
        ]
        for p in json.loads((rated / "predictions.json").read_text())["predictions"]
    }
    rows = page.locator("li.game")
    assert rows.count() == 11
    for i in range(rows.count()):
        row = rows.nth(i)
        teams = " ".join(a.strip() for a in row.locator("abbr").all_inner_texts())
        assert row.locator("li.tag").all_inner_texts() == expected[teams]
        assert row.locator("form.vote button").count() == 2
    assert page.locator("li.tag").count() > 0 and page.locator("li.tag").first.is_visible()
    assert page.locator("a.feed").get_attribute("href") == "/feed.atom"

    first = rows.nth(0)
    teams = " ".join(first.locator("abbr").all_inner_texts())
    assert first.locator(".vote.voted").count() == 0  # no counts before voting
    first.get_by_role("button", name="worth it", exact=True).click()
    page.wait_for_url(re.compile(rf"/\?date={DAY}$"))
    first = page.locator("li.game").nth(0)
    assert " ".join(first.locator("abbr").all_inner_texts()) == teams
    assert first.locator(".vote.voted .up").inner_text() == "👍 1"
    assert first.locator(".vote.voted .down").inner_text() == "👎 0"
    assert first.locator("form.vote").count() == 0  # cannot vote again from the page
    page.reload()
    assert page.locator("li.game").nth(0).locator("form.vote").count() == 0
    if javascript:
        page.screenshot(path=str(screenshots / "web_fans_2024-01-15.png"), full_page=True)
    assert page.locator("form.vote").count() == 10  # the other games can still be voted on

    # Nor by replaying the form: the same browser (its cookie) is refused.
    game_id = re.search(r"/games/(\d+)/vote", page.locator("form.vote").first.get_attribute("action")).group(1)
    fields = {"csrf": page.locator("form.vote input[name=csrf]").first.get_attribute("value"), "vote": "up"}
    assert page.request.post(f"{live.url}/games/{game_id}/vote", form=fields, max_redirects=0).status == 303
    again = page.request.post(f"{live.url}/games/{game_id}/vote", form=fields, max_redirects=0)
    assert again.status == 409 and again.json()["error"]["code"] == "ALREADY_VOTED"
    context.close()
