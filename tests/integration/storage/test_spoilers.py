"""Spoiler-free means it: nothing a front end reads (``teams``, ``games``, ``show`` by default)
reveals a score, a margin, a winner or a feature value."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import inspect, text

from nba_predictions.documents.models import ALL_FEATURES
from nba_predictions.storage.engine import make_engine, parse_url
from nba_predictions.storage.schema import FRONT_END_COLUMNS, FRONT_END_TABLES, SPOILER_TABLES
from tests.integration.storage.helpers import FIXTURE, document, store


def game_columns(url: str) -> dict[str, dict[str, list]]:
    """Per front-end table, every column's values, rows in key order."""
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            found = {}
            for table in FRONT_END_TABLES:
                names = [c["name"] for c in inspect(conn).get_columns(table.name)]
                rows = conn.execute(text(f"SELECT * FROM {table.name} ORDER BY id")).all()
                found[table.name] = {name: [row._mapping[name] for row in rows] for name in names}
            return found
    finally:
        engine.dispose()


def test_every_front_end_column_is_argued_spoiler_free_and_no_column_holds_a_result(database_url: str) -> None:
    doc = document()
    store(doc, database_url)
    columns = game_columns(database_url)

    # Every column the database has is in the list of columns argued to be safe, and only those.
    assert {t: sorted(c) for t, c in columns.items()} == {t: sorted(c) for t, c in FRONT_END_COLUMNS.items()}

    games = sorted(doc.predictions, key=lambda p: p.game_id)
    home = [p.raw_data.home_team_score for p in games]
    away = [p.raw_data.away_team_score for p in games]
    home_ids = [str(p.raw_data.home_team_id) for p in games]
    away_ids = [str(p.raw_data.away_team_id) for p in games]
    winners = [h_id if h > a else a_id for h, a, h_id, a_id in zip(home, away, home_ids, away_ids)]
    results = {
        "home score": home,
        "away score": away,
        "total points": [h + a for h, a in zip(home, away)],
        "margin": [abs(h - a) for h, a in zip(home, away)],
        "signed margin": [h - a for h, a in zip(home, away)],
        "home won": [int(h > a) for h, a in zip(home, away)],
        "home won (bool)": [h > a for h, a in zip(home, away)],
        **{f"feature {name}": [getattr(p.features, name) for p in games] for name in ALL_FEATURES},
    }
    for name, values in columns["games"].items():
        for what, secret in results.items():
            assert not _same(values, secret), f"games.{name} holds the {what}"
        # The winner's id, unless the column is simply who played at home or away.
        if values not in (home_ids, away_ids):
            assert values != winners, f"games.{name} names the winners"
    for values in columns["teams"].values():  # one row per franchise: nothing per game at all
        assert len(values) == 30 and not any(_same(values, secret) for secret in results.values())


def _same(values: list, secret: list) -> bool:
    """The column holds the secret, game by game.  A secret equal for every game (no overtime
    anywhere) tells nothing about any one game, and matching it would only catch coincidences."""
    if len(set(secret)) == 1:
        return False
    try:
        return len(values) == len(secret) and all(float(v) == float(s) for v, s in zip(values, secret))
    except (TypeError, ValueError):  # text, dates, None: not a number, so not a score
        return False


def test_what_spoils_is_only_in_game_details(database_url: str) -> None:
    store(document(), database_url)
    engine = make_engine(parse_url(database_url))
    try:
        with engine.connect() as conn:
            details = {row.game_id: row for row in conn.execute(text("SELECT * FROM game_details"))}
            spoiler_tables = {t.name for t in SPOILER_TABLES}
            table_names = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert spoiler_tables == {"game_details"} <= table_names
    features = details["0022300565"].features
    features = json.loads(features) if isinstance(features, str) else features
    assert set(features) == set(ALL_FEATURES) and "scores_diff" in features
    # The final score itself is stored nowhere, not even among the spoilers.
    assert not {"home_team_score", "away_team_score"} & set(features)


def test_show_prints_no_spoiler_unless_asked_with_spoilers(run_cli, tmp_path: Path) -> None:
    stored = run_cli("--from-step", "storage", "--input", str(FIXTURE))
    assert stored.returncode == 0, stored.stderr

    plain = run_cli("show", "--date", "2024-01-15", "--json")
    table = run_cli("show", "--date", "2024-01-15")
    spoiling = run_cli("show", "--date", "2024-01-15", "--json", "--spoilers")
    spoiling_table = run_cli("show", "--date", "2024-01-15", "--spoilers")

    assert plain.returncode == table.returncode == spoiling.returncode == spoiling_table.returncode == 0
    for output in (plain.stdout, table.stdout):
        assert not any(name in output for name in ALL_FEATURES)
        assert "spoiler" not in output.lower() and "score" not in output
    shown = json.loads(plain.stdout)
    assert len(shown) == 11 and all(
        set(g)
        == {
            "game_id",
            "date",
            "season",
            "home_team",
            "away_team",
            "rating",
            "classification",
            "model_version",
            "predicted_at",
        }
        for g in shown
    )
    revealed = json.loads(spoiling.stdout)
    by_id = {p.game_id: p for p in document().predictions}
    for game in revealed:
        assert game["spoilers"]["features"] == by_id[game["game_id"]].features.model_dump(mode="json")
        assert [e["feature"] for e in game["spoilers"]["explanation"]] == [
            c.feature for c in by_id[game["game_id"]].top_features
        ]
    assert "Why (SPOILERS)" in spoiling_table.stdout
    assert "--spoilers" in run_cli("show", "--help").stdout
