"""Issue 24 item 3 on the page: each game shows the tags its stored features earn, and nothing else."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from nba_predictions.features.tags import TAGS_BY_NAME, tags_of
from tests.web.conftest import DAY


def _expected(rated: Path) -> dict[tuple[str, str], list[str]]:
    document = json.loads((rated / "predictions.json").read_text())
    return {
        (p["raw_data"]["away_team_abbreviation"], p["raw_data"]["home_team_abbreviation"]): [
            TAGS_BY_NAME[name].text for name in tags_of(p["features"])
        ]
        for p in document["predictions"]
    }


def _shown(html: str) -> dict[tuple[str, str], list[str]]:
    shown = {}
    for row in re.findall(r'<li class="game">(.*?)</li>\s*(?=<li class="game">|</ol>)', html, re.S):
        teams = re.findall(r"<abbr[^>]*>(\w+)</abbr>", row)
        shown[(teams[0], teams[1])] = re.findall(r'<li class="tag">([^<]*)</li>', row)
    return shown


def test_each_game_shows_the_tags_of_its_features(client: httpx.Client, rated: Path) -> None:
    page = client.get(f"/?date={DAY}")
    assert page.status_code == 200
    expected = _expected(rated)
    assert _shown(page.text) == expected
    assert any(expected.values()), "2024-01-15 has tagged games"
    assert all(len(tags) <= 3 for tags in expected.values())


def test_the_best_of_the_week_shows_tags_too(client: httpx.Client, rated: Path) -> None:
    page = client.get(f"/best?date={DAY}")
    expected = _expected(rated)
    shown = _shown(page.text)
    assert shown and all(shown[key] == expected[key] for key in shown)
