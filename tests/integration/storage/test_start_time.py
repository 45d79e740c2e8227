"""games.start_time_utc (revision 0004): the scheduled tip-off a predictions document carries is
stored in our nullable column at the end of ``games``; a game without one keeps null, a re-rating
without one never erases it, and an older database gains the column (null) when upgraded."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect

from nba_predictions.documents.models import Predictions
from nba_predictions.storage.database import open_database
from nba_predictions.storage.engine import make_engine, parse_url
from nba_predictions.storage.schema import metadata
from tests.integration.storage.helpers import IDS, document, rerated, rows_of, store
from tests.integration.storage.test_schema import database_at_0001

TIP = "2024-01-16T00:30:00Z"


def _timed(doc: Predictions, game_id: str, when: str | None) -> Predictions:
    data = doc.model_dump(mode="json")
    for p in data["predictions"]:
        if p["game_id"] == game_id:
            p["raw_data"]["start_time_utc"] = when
    return Predictions.model_validate(data)


def _start(url: str, game_id: str) -> datetime | None:
    value = rows_of(url, "games")[game_id]["start_time_utc"]
    if isinstance(value, str):  # SQLite keeps the UTC time as text
        value = datetime.fromisoformat(value)
    return None if value is None else value.replace(tzinfo=value.tzinfo or timezone.utc)


def test_a_documents_start_time_is_stored_and_a_rerating_without_one_keeps_it(database_url: str) -> None:
    store(_timed(document(), IDS[0], TIP), database_url)
    assert _start(database_url, IDS[0]) == datetime(2024, 1, 16, 0, 30, tzinfo=timezone.utc)
    assert all(_start(database_url, game_id) is None for game_id in IDS[1:])
    store(rerated(document()), database_url, force=True)  # this document has no start times
    assert _start(database_url, IDS[0]) == datetime(2024, 1, 16, 0, 30, tzinfo=timezone.utc)
    store(rerated(_timed(document(), IDS[1], "2024-01-16T03:00:00Z")), database_url, force=True)
    assert _start(database_url, IDS[1]) == datetime(2024, 1, 16, 3, 0, tzinfo=timezone.utc)


def test_the_column_is_ours_and_last_and_an_upgraded_database_gains_it_empty(database_url: str) -> None:
    old = database_at_0001(database_url)
    with open_database(database_url):
        pass
    engine = make_engine(parse_url(database_url))
    try:
        with engine.connect() as conn:
            columns = [c["name"] for c in inspect(conn).get_columns("games")]
    finally:
        engine.dispose()
    assert columns[-1] == "start_time_utc" == [c.name for c in metadata.tables["games"].columns][-1]
    assert all(row["start_time_utc"] is None for row in rows_of(database_url, "games").values())
    assert len(rows_of(database_url, "games")) == len(old["games"])
