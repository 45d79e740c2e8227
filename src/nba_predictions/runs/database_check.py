"""``--validate``'s database check: which kind of database a URL points at, changing nothing.

Imported only when the check runs (it imports SQLAlchemy), so ``--validate --step collection``
works on a machine without the storage step's packages.
"""

from __future__ import annotations

import os

from nba_predictions.errors import StorageError
from nba_predictions.storage import queries
from nba_predictions.storage.database import connect
from nba_predictions.storage.detect import EMPTY, OURS, WEB_APP, classify
from nba_predictions.storage.engine import connection_errors, masked, parse_url, sqlite_path
from nba_predictions.storage.migrate import check_finding
from nba_predictions.storage.schema import SCHEMA_REVISION


def check_database(database_url: str) -> str:
    """One line for ``--validate``: reachable? ours, the web app's (will be adopted), empty and
    new, or foreign (refused: :class:`StorageError`)?  Changes nothing: a missing SQLite file is
    not created, no schema is upgraded or adopted.
    """
    url = parse_url(database_url)
    where = masked(url)
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        folder = next(p for p in (path.parent, *path.parent.parents) if p.exists())
        if not os.access(folder, os.W_OK):
            raise StorageError(f"{path} does not exist and {folder} is not writable: pick a writable DATABASE_URL")
        return (
            f"{where}: empty, new (the file does not exist yet); the first storage run creates schema {SCHEMA_REVISION}"
        )
    db = connect(database_url)
    try:
        with connection_errors(url, "checking the database"), db.engine.connect() as conn:
            found = classify(conn)
            check_finding(found, where)  # foreign, or ours from a newer version: refused
            if found.kind == EMPTY:
                return (
                    f"{where}: empty, new (no tables of ours or the web app's); "
                    f"the first storage run creates schema {SCHEMA_REVISION}"
                )
            total, rated = queries.count_games(conn)
            teams = queries.count_teams(conn)
            if found.kind == WEB_APP:
                return (
                    f"{where}: the web app's database ({teams} teams, {total} games, no schema revision of ours), "
                    f"will be adopted: the next storage run (or nba-predictions adopt) adds our columns and "
                    f"tables, keeps every row, and stamps schema {SCHEMA_REVISION}"
                )
            assert found.kind == OURS
            if found.revision != SCHEMA_REVISION:
                return (
                    f"{where}: ours at schema {found.revision}; the next storage run upgrades it to {SCHEMA_REVISION}"
                )
            return f"{where}: ours at schema {found.revision}, {teams} teams, {total} games stored ({rated} rated)"
    finally:
        db.close()
