"""game_tags (revision 0003): every stored game's spoiler-safe tags, from its features.

Written with the game's details by the storage step (a re-rating rewrites them), and filled for
the games already stored when an older database is upgraded.
"""

from __future__ import annotations

from nba_predictions.features.tags import TAGS_BY_NAME, tags_of
from nba_predictions.storage.database import open_database
from tests.integration.storage.helpers import decoded, document, rerated, rows_of, store
from tests.integration.storage.test_schema import database_at_0001


def _tags_match_features(url: str) -> int:
    details = rows_of(url, "game_details", key="game_id")
    tags = rows_of(url, "game_tags", key="game_id")
    assert sorted(tags) == sorted(details)
    for game_id, detail in details.items():
        expected = ",".join(tags_of(decoded(detail["features"])))
        assert tags[game_id]["tags"] == expected, game_id
    return len(tags)


def test_storing_a_date_writes_each_games_tags(database_url: str) -> None:
    store(document(), database_url)
    assert _tags_match_features(database_url) == 11
    shown = [
        name
        for row in rows_of(database_url, "game_tags", key="game_id").values()
        for name in row["tags"].split(",")
        if name
    ]
    assert shown and set(shown) <= set(TAGS_BY_NAME), "2024-01-15 has tagged games, all of shipped tags"


def test_a_forced_rerating_rewrites_the_tags(database_url: str) -> None:
    store(document(), database_url)
    newer = rerated(document())
    data = newer.model_dump(mode="json")
    for p in data["predictions"]:
        p["features"]["rivalry_score"] = 3.0  # every game now has playoff history
    store(type(newer).model_validate(data), database_url, force=True)
    assert _tags_match_features(database_url) == 11
    assert all("playoff-history" in row["tags"] for row in rows_of(database_url, "game_tags", key="game_id").values())


def test_upgrading_an_older_database_tags_its_stored_games(database_url: str) -> None:
    old = database_at_0001(database_url)
    with open_database(database_url):
        pass
    assert _tags_match_features(database_url) == len(old["games"]) > 0
