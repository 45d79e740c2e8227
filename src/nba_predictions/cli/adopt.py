"""``nba-predictions adopt``: make the original web app's database ours, as its own command.

The first storage run on the web app's database adopts it too; ``adopt`` does it on its own,
before anything is rated (so ``serve``, which only reads, can serve it at once): our columns and
tables added, every row kept, today's 30 teams written, in one transaction with all its checks
(:func:`nba_predictions.steps.storage.adopt_database`).  A conflict (a teams row holding one of the
30 teams' abbreviations under another id) is one line, exit 1, and the database exactly as it was.
An older database of ours is brought up to date; ours at the newest revision is left alone (exit
0); an empty, foreign or missing one is refused.
"""

from __future__ import annotations

import argparse

from nba_predictions.cli.exits import EXIT_OK
from nba_predictions.cli.parsers import PROG, _logging_flags, _Parser
from nba_predictions.config import Settings
from nba_predictions.errors import StorageError


def adopt_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=f"{PROG} adopt",
        description="Adopt the original web app's database (its teams and games tables): add our "
        "columns and tables, keep every row, write today's 30 teams, in one transaction; a conflict "
        "leaves it exactly as it was. An older database of ours is brought up to date. The first "
        "storage run does the same by itself; show and serve only read, so they never do.",
    )
    p.add_argument("--database", metavar="URL", help="SQLAlchemy database URL (env DATABASE_URL)")
    _logging_flags(p)
    return p


def adopt(args: argparse.Namespace, settings: Settings) -> int:
    from nba_predictions.steps.storage import adopt_database, connect
    from nba_predictions.storage.detect import WEB_APP
    from nba_predictions.storage.engine import parse_url, sqlite_path

    path = sqlite_path(parse_url(settings.database_url))
    if path is not None and not path.is_file():
        raise StorageError(
            f"no database at {path}: nothing to adopt (nothing was created); point --database / DATABASE_URL "
            "at the web app's database (its DB_PATH)"
        )
    db = connect(settings.database_url, create=False)
    try:
        backup = None
        if settings.backup_enabled:
            from nba_predictions.storage.backup import BackupSettings

            backup = BackupSettings(directory=settings.backup_dir, keep=settings.backup_keep)
        done = adopt_database(db, backup)
        from nba_predictions.storage.schema import SCHEMA_REVISION

        counts = f"{done.teams} teams, {done.games} games"
        if not done.changed:
            line = f"{db.name}: ours at schema {SCHEMA_REVISION} already ({counts}); nothing to do"
        elif done.before.kind == WEB_APP:
            line = (
                f"{db.name}: the web app's database adopted as schema {SCHEMA_REVISION}, every row kept "
                f"({counts}, today's 30 teams written)"
            )
        else:
            line = f"{db.name}: upgraded from schema {done.before.revision} to {SCHEMA_REVISION} ({counts})"
        if done.backup is not None:
            line += f"; backup {done.backup}"
    finally:
        db.close()
    print(line)
    return EXIT_OK
