"""Shared helpers of the storage tests: the fixture document, variants of it, table dumps.

The databases are real (a SQLite file, a PostgreSQL server); see ``conftest.py``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import text

from nba_predictions.documents.models import Predictions
from nba_predictions.storage import queries
from nba_predictions.storage.database import Database, connect
from nba_predictions.storage.engine import make_engine, parse_url

FIXTURE = Path(__file__).parents[2] / "fixtures" / "documents" / "predictions_2024-01-15.json"
ROOT = Path(__file__).parents[3]


def document() -> Predictions:
    return Predictions.model_validate_json(FIXTURE.read_text())


IDS = [p.game_id for p in document().predictions]


def subset(doc: Predictions, game_ids: list[str]) -> Predictions:
    data = doc.model_dump(mode="json")
    data["predictions"] = [p for p in data["predictions"] if p["game_id"] in game_ids]
    data["metadata"]["total_games"] = len(data["predictions"])
    return Predictions.model_validate(data)


def rerated(doc: Predictions, shift: float = -7.5) -> Predictions:
    """The same games as a newer model would rate them (validated like a real document)."""
    data = doc.model_dump(mode="json")
    data["metadata"]["timestamp"] = "2024-01-17T09:30:00Z"
    data["metadata"]["model_version"] = "1.1"
    for p in data["predictions"]:
        p["rating"] = round(min(100.0, max(0.0, p["rating"] + shift)), 1)
        p["classification"] = "good" if p["rating"] >= 80 else "mediocre" if p["rating"] >= 60 else "bad"
        p["features"]["rivalry_score"] = round(p["features"]["rivalry_score"] + 0.05, 2)
        p["top_features"] = [{"feature": "lead_changes", "contribution": 1.25}]
    return Predictions.model_validate(data)


def store(doc: Predictions, url: str, **options):
    """``store_predictions`` on a database opened for this one call, as a one-date run does."""
    from nba_predictions.steps.storage import store_predictions

    db = connect(url)
    try:
        return store_predictions(doc, db, **options)
    finally:
        db.close()


def opened(url: str) -> Database:
    return connect(url)


def dump(
    url: str, tables: tuple[str, ...] = ("teams", "games", "game_details", "pipeline_runs")
) -> dict[str, list[tuple]]:
    """Every row of our tables, in key order."""
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            return {name: queries.dump_table(conn, name) for name in tables}
    finally:
        engine.dispose()


def rows_of(url: str, table: str, key: str = "id") -> dict[str, dict]:
    """``SELECT *`` of a table as plain dicts by key: what a front end sees, undecoded."""
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            return {row._mapping[key]: dict(row._mapping) for row in conn.execute(text(f"SELECT * FROM {table}"))}
    finally:
        engine.dispose()


def decoded(value: object) -> object:
    """A JSON column's value: decoded by psycopg on PostgreSQL, text on SQLite."""
    return json.loads(value) if isinstance(value, str) else value


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
