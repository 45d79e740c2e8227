"""SQLite online backups: a consistent copy taken with the sqlite3 backup API, timestamped,
keeping the newest N.  Standard library only (no SQLAlchemy), so the settings type is cheap to
import.  PostgreSQL has its own tools (``pg_dump``); see docs/STORAGE.md.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from nba_predictions.errors import StorageError, UsageError

logger = logging.getLogger(__name__)

STAMP_FORMAT = "%Y%m%dT%H%M%S.%fZ"
# <database stem>-20240115T110000.123456Z.db
_BACKUP_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}T\d{6}\.\d{6}Z)\.db$")


@dataclass(frozen=True)
class BackupSettings:
    """Where backups go and how many to keep (``BACKUP_DIR``, ``BACKUP_KEEP``)."""

    directory: Path
    keep: int = 7

    def __post_init__(self) -> None:
        if self.keep < 1:
            raise UsageError(
                f"BACKUP_KEEP={self.keep} would keep no backup: set it to 1 or more, or BACKUP_ENABLED=false"
            )


def backup_name(database: Path, when: datetime) -> str:
    return f"{database.stem}-{when.astimezone(timezone.utc).strftime(STAMP_FORMAT)}.db"


def backups_of(database: Path, directory: Path) -> list[Path]:
    """This database's backups in ``directory``, oldest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = _BACKUP_NAME.match(path.name)
        if match and match["stem"] == database.stem and path.is_file():
            found.append((match["stamp"], path))
    return [path for _stamp, path in sorted(found)]


def backup_sqlite(database: Path, settings: BackupSettings, now: datetime | None = None) -> Path | None:
    """Copy ``database`` into ``settings.directory`` and prune to ``settings.keep`` copies.

    Returns the new backup, or None when the database does not exist yet (nothing to keep).
    The copy is written under a temporary name and renamed, so a crash never leaves a
    half-written file that looks like a backup.
    """
    if not database.is_file():
        logger.info("backup: %s does not exist yet; nothing to back up", database)
        return None
    when = now or datetime.now(timezone.utc)
    try:
        settings.directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"cannot create backup folder {settings.directory} ({exc.strerror}): set BACKUP_DIR to a writable folder"
        ) from None
    target = settings.directory / backup_name(database, when)
    partial = target.with_name(target.name + ".partial")
    try:
        source = sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True, timeout=60)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"backing up {database} to {target} failed: {exc}; check BACKUP_DIR and disk space") from exc
    removed = prune(database, settings)
    logger.info("backup: %s -> %s (%d kept, %d removed)", database, target, settings.keep, len(removed))
    return target


def prune(database: Path, settings: BackupSettings) -> list[Path]:
    """Delete all but the newest ``settings.keep`` backups of ``database``; returns the deleted."""
    existing = backups_of(database, settings.directory)
    doomed = existing[: max(0, len(existing) - settings.keep)]
    for path in doomed:
        path.unlink()
    return doomed
