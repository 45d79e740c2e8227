"""Issue 24 in Chromium: a person sees the tags, votes 👍, sees the counts, cannot vote twice, and
finds the feed link; JavaScript off, since the page needs none."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from nba_predictions.features.tags import TAGS_BY_NAME, tags_of
from tests.web.conftest import DAY
from tests.web.test_browser import browser, proxy, screenshots  # noqa: F401 (the session's Chromium, proxy, shots)
from tests.web.test_votes import voting  # noqa: F401 (our app with votes on a live server)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_fan_sees_tags_votes_once_and_then_sees_the_counts(
    browser,  # noqa: F811
    voting,  # noqa: F811
    rated: Path,
    tmp_path: Path,
    screenshots: Path,  # noqa: F811
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
