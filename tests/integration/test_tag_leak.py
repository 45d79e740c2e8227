"""Issue 24 item 3: a tag may be shown only if it carries no information about the result.

Over the whole bundled archive (the vectorised features pass training uses), every shipped tag's
home win rate and better-record win rate, among the games with the tag and among those without,
stay within MAX_LEAK_POINTS of the rates over all games; the candidates that fail are not shipped;
docs/WEB.md prints exactly the table this computes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nba_predictions.features.spec import ALL_FEATURES
from nba_predictions.features.tags import MAX_LEAK_POINTS, REJECTED_TAGS, TAGS, LeakTable, tags_of
from nba_predictions.runs.tag_leak import archive_leak_table
from nba_predictions.sources.archive import ArchiveSource

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def table() -> LeakTable:
    return archive_leak_table(ArchiveSource())


def test_the_table_covers_the_whole_archive(table: LeakTable) -> None:
    assert table.games > 15_000
    assert 50 < table.home_win < 65 and 55 < table.better_win < 75
    assert [row.tag for row in table.rows] == list(TAGS + REJECTED_TAGS)


@pytest.mark.parametrize("tag", TAGS, ids=lambda tag: tag.name)
def test_a_shipped_tag_leaks_nothing(table: LeakTable, tag) -> None:  # type: ignore[no-untyped-def]
    row = next(row for row in table.rows if row.tag == tag)
    assert row.games >= 500, f"{tag.name}: too rare to measure ({row.games} games)"
    for delta in row.deltas:
        assert abs(delta) <= MAX_LEAK_POINTS, f"{tag.name} moves a win rate by {delta:+.1f} points"


@pytest.mark.parametrize("tag", REJECTED_TAGS, ids=lambda tag: tag.name)
def test_a_rejected_tag_does_leak(table: LeakTable, tag) -> None:  # type: ignore[no-untyped-def]
    row = next(row for row in table.rows if row.tag == tag)
    assert not row.passes, f"{tag.name} passes the leak test now: ship it or drop it from REJECTED_TAGS"


def test_no_tag_is_about_the_result() -> None:
    forbidden = {
        "scores_diff",
        "overtime_periods",
        "comeback_points",
        "decided_seconds",
        "go_ahead_seconds_left",
        "last_lead_change_seconds_left",
        "last_tie_seconds_left",
        "winner_margin_10s_left",
        "winner_margin_30s_left",
        "winner_margin_60s_left",
        "largest_lead",
    }
    assert {tag.feature for tag in TAGS}.isdisjoint(forbidden)
    assert {tag.feature for tag in TAGS + REJECTED_TAGS} <= set(ALL_FEATURES)


def test_docs_print_the_table(table: LeakTable) -> None:
    web = (ROOT / "docs" / "WEB.md").read_text(encoding="utf-8")
    assert table.markdown() in web, "docs/WEB.md's leak table is stale: paste python scripts/tag_leak_table.py"


def test_a_game_shows_at_most_three_tags() -> None:
    everything = {name: 1000.0 for name in ALL_FEATURES}
    assert tags_of(everything) == tuple(tag.name for tag in TAGS)[:3]
    assert tags_of(dict.fromkeys(ALL_FEATURES, 0.0)) == ()
