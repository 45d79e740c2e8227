"""The fans' page in Chromium, driven as a person would: choose teams, change the spoiler level,
reload, open a shared link, reveal one game, change the order; by mouse and by keyboard; at 360 px.

Every page state is checked with axe-core (``tests/web/vendor/axe.min.js``, axe-core 4.10.2 from
npm, MPL-2.0, its licence beside it, unchanged): no serious or critical violation.  Screenshots
go to ``$NBA_SCREENSHOT_DIR`` (docs/img for the docs) or the test's temporary folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import DAY, LiveServer

pytestmark = pytest.mark.browser

AXE = Path(__file__).with_name("vendor") / "axe.min.js"


def _axe(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as 'rule: where' lines."""
    # Evaluated through the DevTools protocol, not added as a <script>: the page's own
    # Content-Security-Policy (script-src 'self') rightly refuses an injected inline script.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(f"() => {{ {AXE.read_text(encoding='utf-8')}\n }}")
        page.evaluate("() => typeof window.axe !== 'undefined'") or pytest.fail("axe-core did not load")
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def _rows(page) -> list[dict]:
    return page.eval_on_selector_all(
        "li.game",
        """items => items.map(li => ({
        teams: [...li.querySelectorAll('abbr')].map(a => a.textContent.trim()),
        classes: li.className,
        text: li.innerText,
        rating: li.querySelector('.rating')?.textContent.trim() ?? null,
        badge: li.querySelector('.badge')?.textContent.trim() ?? null,
    }))""",
    )


def _save(page, teams: list[str], spoilers: str | None = None, order: str | None = None) -> None:
    page.click("details.settings summary")
    for box in page.query_selector_all("form.settings input[name=teams]"):
        box.set_checked(box.get_attribute("value") in teams)
    if spoilers:
        page.check(f"form.settings input[name=spoilers][value={spoilers}]")
    if order:
        page.check(f"form.settings input[name=order][value={order}]")
    with page.expect_navigation():
        page.click("form.settings button[type=submit]")


def test_choosing_teams_and_spoiler_levels_is_remembered_and_shareable(
    browser,
    live: LiveServer,
    stored_games: list[dict],
    screenshots: Path,
) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    page = context.new_page()
    page.goto(f"{live.url}/")
    assert f"{DAY.strftime('%B')} 15, 2024" in page.inner_text("h1")  # the newest rated date by default
    default = _rows(page)
    assert all(r["rating"] is None and r["badge"] in ("good", "mediocre", "bad") for r in default)  # tier only
    assert _axe(page) == []

    _save(page, ["LAL", "BOS"], spoilers="number")
    rows = _rows(page)
    assert all("favourite" in r["classes"] for r in rows[:2]) and "favourite" not in rows[2]["classes"]
    assert {t for r in rows[:2] for t in r["teams"]} >= {"LAL", "BOS"}
    assert all(r["rating"] for r in rows)
    assert _axe(page) == []
    page.screenshot(path=str(screenshots / "web_favourites.png"), full_page=True)

    page.reload()  # remembered
    assert _rows(page) == rows
    shared = page.get_attribute("a.share", "href")
    page.click("a.view-mine")
    assert len(_rows(page)) == 2 and "my teams" in page.inner_text("h1")
    assert _axe(page) == []

    other = browser.new_context()  # a friend opens the shared link: no cookie, same teams
    friend = other.new_page()
    friend.goto(f"{live.url}{shared}")
    assert [r["teams"] for r in _rows(friend)] == [r["teams"] for r in rows]
    other.close()

    # My teams hidden: their games show nothing until revealed, one at a time, in place (JS on).
    _save(page, ["LAL", "BOS"], spoilers="hidden")
    hidden = [r for r in _rows(page) if "hidden" in r["classes"]]
    assert len(hidden) == 2 and all(r["rating"] is None and r["badge"] is None for r in hidden)
    assert _axe(page) == []
    page.screenshot(path=str(screenshots / "web_spoiler_levels.png"), full_page=True)
    url = page.url
    page.click("li.game.hidden a.reveal >> nth=0")
    page.wait_for_function("() => document.querySelectorAll('li.game.hidden').length === 1")
    assert page.url == url  # in place, no navigation
    revealed = _rows(page)[0]
    assert revealed["rating"] and revealed["badge"] and "favourite" in revealed["classes"]

    # Schedule order.
    _save(page, ["LAL", "BOS"], spoilers="number", order="schedule")
    ids = page.eval_on_selector_all("li.game .matchup", "els => els.map(e => e.id.slice(1))")
    mine = sorted(g["id"] for g in stored_games if {"LAL", "BOS"} & {g["home"], g["away"]})
    rest = sorted(g["id"] for g in stored_games if g["id"] not in mine)
    assert ids == mine + rest
    assert _axe(page) == []
    page.goto(f"{live.url}/best?date={DAY}")
    assert len(_rows(page)) == 10 and _axe(page) == []
    page.goto(f"{live.url}/?date={DAY}&teams=XYZ")
    assert "unknown team 'XYZ'" in page.inner_text("main") and _axe(page) == []
    context.close()


def test_a_hidden_game_is_revealed_by_its_link_without_javascript(browser, live: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live.url}/?date={DAY}&teams=LAL&spoilers=hidden")
    assert _rows(page)[0]["badge"] is None
    page.click("a.reveal")
    page.wait_for_url("**reveal=**")
    first = _rows(page)[0]
    assert "LAL" in first["teams"] and first["badge"] and first["rating"]
    context.close()


def test_the_controls_work_by_keyboard(browser, live: LiveServer) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live.url}/?date={DAY}")

    def tab_to(selector: str) -> None:
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("details.settings summary")
    page.keyboard.press("Enter")  # opens the settings
    tab_to("input[name=teams][value=LAL]")
    page.keyboard.press("Space")
    tab_to("input[name=spoilers][value=tier]")
    page.keyboard.press("ArrowDown")  # a radio group: the arrow picks the next level, "number"
    tab_to("form.settings button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rows = _rows(page)
    assert "LAL" in rows[0]["teams"] and "favourite" in rows[0]["classes"] and rows[0]["rating"]
    tab_to("a.view-mine")
    page.keyboard.press("Enter")
    page.wait_for_url("**mine=1**")
    assert len(_rows(page)) == 1
    # A hidden game is revealed from the keyboard too, and the focus lands on the revealed row.
    page.goto(f"{live.url}/?date={DAY}&teams=LAL&spoilers=hidden")
    tab_to("a.reveal")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('li.game.hidden').length === 0")
    assert page.evaluate("() => document.activeElement.matches('li.game.favourite')")
    context.close()


@pytest.mark.parametrize("url", ["/?date={DAY}", "/?date={DAY}&teams=LAL,BOS,NYK&spoilers=hidden", "/best?date={DAY}"])
def test_the_page_fits_a_360_px_screen(
    browser,
    live: LiveServer,
    screenshots: Path,
    url: str,
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live.url + url.format(DAY=DAY))
    page.click("details.settings summary")  # open, the widest state
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= 360, f"{url} scrolls sideways at 360 px: {width}"
    if "hidden" in url:
        page.screenshot(path=str(screenshots / "web_mobile_360.png"), full_page=True)
    context.close()


def test_the_axe_check_finds_a_real_violation(browser, live: LiveServer) -> None:
    """The check above can fail: a button without a name is reported."""
    page = browser.new_page()
    page.goto(f"{live.url}/?date={DAY}")
    page.evaluate("() => document.querySelector('main').append(document.createElement('button'))")
    assert any(line.startswith("button-name") for line in _axe(page))
    page.close()
