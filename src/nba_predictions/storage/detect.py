"""Which kind of database this is: ours, the web app's, empty and new, or someone else's.

Read-only: :func:`classify` only inspects the schema.  The storage step creates an empty
database, upgrades ours, adopts the web app's (:mod:`.adopt`) and refuses a foreign one, naming
the table and the mismatch, without changing a byte.  Tables with other names are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Inspector

from nba_predictions.errors import StorageError

VERSION_TABLE = "alembic_version"
OURS, WEB_APP, EMPTY, FOREIGN = "ours", "web app", "empty", "foreign"
FRONT_END = ("teams", "games")
OURS_ONLY = ("game_details", "pipeline_runs", "game_tags", "fan_votes")

# What the web app's schema.sql declares, as type kinds: (column, kind).
TEXT, REAL, STAMP = "TEXT", "REAL", "DATETIME"
CONTRACT: dict[str, tuple[tuple[str, str], ...]] = {
    "teams": (("id", TEXT), ("abbreviation", TEXT), ("name", TEXT), ("conference", TEXT)),
    "games": (
        ("id", TEXT),
        ("date", TEXT),
        ("home_team_id", TEXT),
        ("away_team_id", TEXT),
        ("prediction_rating", REAL),
        ("created_at", STAMP),
        ("updated_at", STAMP),
    ),
}
# Our own columns of games (revision 0002): a web app database may already have them.
OUR_GAME_COLUMNS = (("season", TEXT), ("classification", TEXT), ("model_version", TEXT), ("predicted_at", STAMP))
_KINDS = {TEXT: (sa.String,), REAL: (sa.Float, sa.Numeric), STAMP: (sa.DateTime,)}


@dataclass(frozen=True)
class Finding:
    """What :func:`classify` found.  ``problem`` says why a foreign database is refused."""

    kind: str
    revision: str | None = None
    problem: str | None = None

    def refusal(self, where: str) -> StorageError:
        return StorageError(
            f"database {where} is refused, nothing was changed: {self.problem}; it is neither ours nor the web app's: "
            "point DATABASE_URL / --database at our database, the web app's, or a new file"
        )


def current_revision(conn: Connection) -> str | None:
    """The revision recorded in the database, None for a database without our tables."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    found = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(found) > 1:
        raise StorageError(
            f"the database records several schema revisions ({', '.join(found)}): repair {VERSION_TABLE}"
        )
    return found[0] if found else None


def classify(conn: Connection) -> Finding:
    revision = current_revision(conn)
    if revision is not None:
        return Finding(OURS, revision)
    inspector = inspect(conn)
    tables = set(inspector.get_table_names())
    for name in OURS_ONLY:
        if name in tables:
            return Finding(FOREIGN, problem=f"table {name} exists but no schema revision of ours is recorded")
    present = [name for name in FRONT_END if name in tables]
    if not present:
        return Finding(EMPTY)
    if len(present) == 1:
        other = next(name for name in FRONT_END if name not in tables)
        return Finding(FOREIGN, problem=f"table {present[0]} exists without table {other} (the web app makes both)")
    for name in FRONT_END:
        problem = contract_mismatch(inspector, name)
        if problem:
            return Finding(FOREIGN, problem=f"table {name}: {problem}")
    return Finding(WEB_APP)


def contract_mismatch(inspector: Inspector, table: str) -> str | None:
    """Why ``table`` is not the web app's, or None when it is (extra nullable columns allowed)."""
    columns = {c["name"]: c for c in inspector.get_columns(table)}
    wanted = CONTRACT[table] + (OUR_GAME_COLUMNS if table == "games" else ())
    for name, kind in wanted:
        column = columns.get(name)
        if column is None:
            if (name, kind) in OUR_GAME_COLUMNS:
                continue  # ours: adoption adds it
            return f"column {name} is missing"
        if not isinstance(column["type"], _KINDS[kind]):
            return f"column {name} is {column['type']}, where the web app's is {kind}"
    primary_key = inspector.get_pk_constraint(table)["constrained_columns"]
    if primary_key != ["id"]:
        return f"the primary key is ({', '.join(primary_key)}), where the web app's is (id)"
    known = {name for name, _ in wanted}
    for name, column in columns.items():
        if name not in known and not column["nullable"] and column.get("default") is None:
            return f"column {name} is NOT NULL without a default, so no row of ours could be written"
    return None
