"""The web app's contract without the web app: a database made from its column list is adopted,
our rows come out of the listing query it makes, and a database that is neither ours nor the web
app's is refused without a byte changed.

The DDL and the listing SQL here are our own, written from the contract's description (teams and
games columns; games joined to teams twice, filtered by date and by team abbreviation, ordered by
date DESC, id, paginated, the rating classified at 80 / 60).  tests/integration/test_web_app_api.py
runs the real web API on the same databases when it is available.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from nba_predictions.errors import StorageError
from nba_predictions.runs.database_check import check_database
from nba_predictions.steps.storage import BackupSettings, store_predictions
from nba_predictions.storage.database import connect
from nba_predictions.storage.engine import make_engine, parse_url
from nba_predictions.storage.migrate import current_revision
from tests.integration.storage.helpers import IDS, document, dump, file_digest, rows_of, store, subset

DAY = date(2024, 1, 15)

# The contract (schema.sql's columns), in our own words; {stamp}/{real} differ on PostgreSQL.
CONTRACT_DDL = (
    """CREATE TABLE teams (
         id TEXT PRIMARY KEY, abbreviation TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
         conference TEXT NOT NULL CHECK (conference IN ('East', 'West')))""",
    """CREATE TABLE games (
         id TEXT PRIMARY KEY, date TEXT NOT NULL,
         home_team_id TEXT NOT NULL REFERENCES teams (id), away_team_id TEXT NOT NULL REFERENCES teams (id),
         prediction_rating {real},
         created_at {stamp} DEFAULT CURRENT_TIMESTAMP, updated_at {stamp} DEFAULT CURRENT_TIMESTAMP)""",
    "CREATE INDEX idx_games_date ON games (date)",
    "CREATE INDEX idx_games_home_team ON games (home_team_id)",
    "CREATE INDEX idx_games_away_team ON games (away_team_id)",
)
# Sample rows such as the web app's set-up adds, and one row its original job wrote for a game
# before rating it (prediction_rating NULL).  The Nets under 'BRK', another spelling of theirs.
SAMPLE_TEAMS = [
    ("1610612747", "LAL", "Los Angeles Lakers", "West"),
    ("1610612738", "BOS", "Boston Celtics", "East"),
    ("1610612751", "BRK", "Brooklyn Nets", "East"),
    ("1610612760", "OKC", "Oklahoma City Thunder", "West"),
]
SAMPLE_GAMES = [
    ("0022400901", "2025-03-01", "1610612747", "1610612738", 78.5),
    ("0022400902", "2025-03-02", "1610612751", "1610612747", 42.8),
    ("0022300565", "2024-01-15", "1610612747", "1610612760", None),
]


def make_web_app_database(url: str, *, samples: bool = True) -> None:
    engine = make_engine(parse_url(url))
    postgres = engine.dialect.name == "postgresql"
    types = (
        {"real": "DOUBLE PRECISION", "stamp": "TIMESTAMP WITH TIME ZONE"}
        if postgres
        else {"real": "REAL", "stamp": "DATETIME"}
    )
    try:
        with engine.begin() as conn:
            for statement in CONTRACT_DDL:
                conn.execute(text(statement.format(**types)))
            if samples:
                conn.execute(
                    text("INSERT INTO teams VALUES (:id, :abbreviation, :name, :conference)"),
                    [dict(zip(("id", "abbreviation", "name", "conference"), t)) for t in SAMPLE_TEAMS],
                )
                conn.execute(
                    text(
                        "INSERT INTO games (id, date, home_team_id, away_team_id, prediction_rating) "
                        "VALUES (:id, :date, :home, :away, :rating)"
                    ),
                    [dict(zip(("id", "date", "home", "away", "rating"), g)) for g in SAMPLE_GAMES],
                )
    finally:
        engine.dispose()


def web_app_listing(
    url: str, *, day: str | None = None, team: str | None = None, limit: int = 20, offset: int = 0
) -> tuple[int, list[dict]]:
    """(total, page) as the web app lists games: both teams joined, its own classification."""
    where, params = [], {"limit": limit, "offset": offset}
    if day:
        where.append("g.date = :day")
        params["day"] = day
    if team:
        where.append("(ht.abbreviation = :team OR at.abbreviation = :team)")
        params["team"] = team
    joined = (
        "FROM games g LEFT JOIN teams ht ON g.home_team_id = ht.id LEFT JOIN teams at ON g.away_team_id = at.id "
        + (f"WHERE {' AND '.join(where)}" if where else "")
    )
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            total = conn.execute(text(f"SELECT COUNT(*) {joined}"), params).scalar_one()
            rows = conn.execute(
                text(
                    "SELECT g.id, g.date, g.prediction_rating, ht.id, ht.abbreviation, ht.name, ht.conference, "
                    f"at.id, at.abbreviation, at.name, at.conference {joined} ORDER BY g.date DESC, g.id "
                    "LIMIT :limit OFFSET :offset"
                ),
                params,
            ).all()
    finally:
        engine.dispose()

    def team_of(values: tuple) -> dict:
        return dict(zip(("id", "abbreviation", "name", "conference"), values))

    def classify(rating: float) -> str:
        return "good" if rating >= 80 else "mediocre" if rating >= 60 else "bad"

    return total, [
        {
            "id": r[0],
            "date": r[1],
            "home_team": team_of(r[3:7]),
            "away_team": team_of(r[7:11]),
            "prediction": {"rating": r[2], "classification": classify(r[2])},
        }
        for r in rows
    ]


# -- adoption -----------------------------------------------------------------------------------


def test_a_contract_database_is_adopted_keeping_every_row_and_lists_our_games(database_url: str) -> None:
    make_web_app_database(database_url)
    assert "the web app's database (4 teams, 3 games, no schema revision of ours), will be adopted" in check_database(
        database_url
    )
    before = rows_of(database_url, "games")
    doc = document()

    result = store(doc, database_url)

    assert (result.saved, result.updated, result.skipped) == (11, 0, 0)  # 0022300565 was stored unrated: now rated
    engine = make_engine(parse_url(database_url))
    with engine.connect() as conn:
        assert current_revision(conn) == "0004"
    engine.dispose()
    after = rows_of(database_url, "games")
    for game_id in ("0022400901", "0022400902"):  # the sample rows, every column as it was
        assert {k: after[game_id][k] for k in before[game_id]} == before[game_id]
        assert after[game_id]["season"] is None and after[game_id]["classification"] is None
    assert after["0022300565"]["created_at"] == before["0022300565"]["created_at"]
    teams = rows_of(database_url, "teams")
    assert len(teams) == 30 and teams["1610612751"]["abbreviation"] == "BKN"  # today's abbreviation

    ratings = {p.game_id: p.rating for p in doc.predictions}
    total, listed = web_app_listing(database_url, day="2024-01-15", limit=50)
    assert total == 11 and [g["id"] for g in listed] == sorted(IDS)
    for game in listed:
        assert game["prediction"]["rating"] == pytest.approx(ratings[game["id"]])
        for side in ("home_team", "away_team"):
            assert isinstance(game[side]["id"], str) and game[side]["id"].startswith("16106127")
            assert game[side]["conference"] in ("East", "West") and game[side]["name"]
    total, lakers = web_app_listing(database_url, day="2024-01-15", team="LAL")
    assert total == 1 and lakers[0]["id"] == "0022300565" and lakers[0]["home_team"]["abbreviation"] == "LAL"
    assert web_app_listing(database_url, day="2024-01-15", limit=5, offset=10)[1][0]["id"] == sorted(IDS)[10]
    total, everything = web_app_listing(database_url, limit=100)
    assert total == 13 and [g["date"] for g in everything[:2]] == ["2025-03-02", "2025-03-01"]
    assert "ours at schema 0004, 30 teams, 13 games stored (13 rated)" in check_database(database_url)


def test_the_web_app_database_is_backed_up_before_it_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "ratings.db"
    make_web_app_database(f"sqlite:///{path}")
    original = file_digest(path)
    db = connect(f"sqlite:///{path}")
    try:
        result = store_predictions(document(), db, backup=BackupSettings(directory=tmp_path / "backups"))
    finally:
        db.close()
    with sqlite3.connect(result.backup) as backup:
        tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"teams", "games"}  # as the web app made it
    assert file_digest(path) != original


def test_a_team_abbreviation_held_by_another_id_is_named_and_no_game_is_saved(database_url: str) -> None:
    make_web_app_database(database_url, samples=False)
    engine = make_engine(parse_url(database_url))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO teams VALUES ('LAKERS', 'LAL', 'Los Angeles Lakers', 'West')"))
    engine.dispose()

    with pytest.raises(StorageError, match="teams row 'LAKERS' holds the abbreviation LAL, which is team 1610612747"):
        store(document(), database_url)
    assert rows_of(database_url, "games") == {}


# -- refusal ------------------------------------------------------------------------------------

FOREIGN = {
    "0001 tables without a revision": (
        [
            "CREATE TABLE teams (id INTEGER PRIMARY KEY, abbreviation TEXT, name TEXT, conference TEXT)",
            "CREATE TABLE games (id TEXT PRIMARY KEY, date TEXT, home_team_id INTEGER, away_team_id INTEGER, rating REAL)",
        ],
        "table teams: column id is INTEGER, where the web app's is TEXT",
    ),
    "games without prediction_rating": (
        [
            CONTRACT_DDL[0],
            "CREATE TABLE games (id TEXT PRIMARY KEY, date TEXT, home_team_id TEXT, away_team_id TEXT, "
            "rating REAL, created_at DATETIME, updated_at DATETIME)",
        ],
        "table games: column prediction_rating is missing",
    ),
    "teams without games": ([CONTRACT_DDL[0]], "table teams exists without table games"),
    "our run table without a revision": (
        ["CREATE TABLE pipeline_runs (id INTEGER PRIMARY KEY)"],
        "table pipeline_runs exists but no schema revision of ours is recorded",
    ),
    "a NOT NULL column we cannot fill": (
        [
            CONTRACT_DDL[0],
            CONTRACT_DDL[1]
            .replace("prediction_rating {real},", "prediction_rating REAL, venue TEXT NOT NULL,")
            .format(stamp="DATETIME"),
        ],
        "table games: column venue is NOT NULL without a default",
    ),
    "a primary key elsewhere": (
        [
            "CREATE TABLE teams (id TEXT, abbreviation TEXT PRIMARY KEY, name TEXT, conference TEXT)",
            CONTRACT_DDL[1].format(real="REAL", stamp="DATETIME"),
        ],
        r"table teams: the primary key is \(abbreviation\), where the web app's is \(id\)",
    ),
}


def foreign_sqlite(path: Path, statements: list[str]) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.execute("CREATE TABLE IF NOT EXISTS notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('someone else''s data')")


@pytest.mark.parametrize("case", list(FOREIGN))
def test_a_foreign_database_is_refused_with_one_line_and_left_byte_identical(
    tmp_path: Path, run_cli, case: str
) -> None:
    statements, problem = FOREIGN[case]
    path = tmp_path / "theirs.db"
    foreign_sqlite(path, statements)
    url = f"sqlite:///{path}"
    digest = file_digest(path)

    with pytest.raises(StorageError, match=f"refused, nothing was changed: {problem}"):
        check_database(url)
    with pytest.raises(StorageError, match=problem):
        store(document(), url)
    assert file_digest(path) == digest

    (tmp_path / "p.json").write_text(document().model_dump_json())
    result = run_cli("--from-step", "storage", "--input", "p.json", "--database", url)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and lines[0].startswith("nba-predictions: error: database sqlite:///") and "refused" in lines[0]
    )
    validate = run_cli("--validate", "--date", "2024-01-15", "--database", url)
    assert validate.returncode == 1 and "[FAIL] database:" in validate.stdout and "refused" in validate.stdout
    assert file_digest(path) == digest
    assert not list(tmp_path.glob("theirs.db-*"))  # no journal or WAL left behind


@pytest.mark.postgres
def test_a_foreign_postgresql_database_is_refused_untouched(postgres_url: str) -> None:
    engine = make_engine(parse_url(postgres_url))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE teams (id INTEGER PRIMARY KEY, abbreviation TEXT)"))
        conn.execute(text("CREATE TABLE games (id TEXT PRIMARY KEY)"))
        conn.execute(text("INSERT INTO teams VALUES (1, 'X')"))
    engine.dispose()

    with pytest.raises(StorageError, match="table teams: column id is INTEGER"):
        store(document(), postgres_url)

    engine = make_engine(parse_url(postgres_url))
    with engine.connect() as conn:
        tables = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        assert tables == {"teams", "games"}
        assert conn.execute(text("SELECT * FROM teams")).all() == [(1, "X")]
    engine.dispose()


def test_validate_names_each_kind_of_database(database_url: str, tmp_path: Path) -> None:
    assert ": empty, new" in check_database(database_url)
    store(subset(document(), IDS[:1]), database_url)
    assert ": ours at schema 0004, 30 teams, 1 games stored (1 rated)" in check_database(database_url)
    web_app = tmp_path / "web_app.db"
    make_web_app_database(f"sqlite:///{web_app}")
    assert "the web app's database" in check_database(f"sqlite:///{web_app}")
    assert dump(database_url)["games"]  # reporting changed nothing
