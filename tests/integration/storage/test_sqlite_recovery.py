"""SQLite's rollback journal, as docs/STORAGE.md ("What a storage run does") describes it.

A write that fails because the database or disk is full is rolled back from
``<database>-journal`` and the journal is deleted: no file is left beside the database and every
table is as it was.  A journal stays only when the writer could not finish its rollback (killed
mid-transaction): then the next connection -- the next storage run -- rolls the interrupted
transaction back from it (SQLite's hot-journal recovery) and deletes it.

The full database is real: SQLite's own ``max_page_count`` limit, set on the run's connections,
makes it answer SQLITE_FULL ("database or disk is full") exactly as a full disk does.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event

from nba_predictions.errors import StorageError
from nba_predictions.steps.storage import store_predictions
from nba_predictions.storage.database import connect
from tests.integration.storage.helpers import IDS, document, dump, store, subset


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ratings.db'}"


def _journal(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///") + "-journal")


def _page_count(url: str) -> int:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute("PRAGMA page_count").fetchone()[0]


def test_a_write_on_a_full_database_is_rolled_back_and_leaves_no_journal(sqlite_url):
    store(subset(document(), IDS[:3]), sqlite_url)
    before = dump(sqlite_url)
    full_at = _page_count(sqlite_url)  # not one page more: the next games do not fit
    db = connect(sqlite_url)
    event.listen(db.engine, "connect", lambda conn, _record: conn.execute(f"PRAGMA max_page_count = {full_at}"))
    try:
        with pytest.raises(StorageError, match="database or disk is full"):
            store_predictions(document(), db)
    finally:
        db.close()
    assert not _journal(sqlite_url).exists()
    assert dump(sqlite_url) == before
    store(document(), sqlite_url)  # room again: the same document goes in whole
    assert len(dump(sqlite_url)["games"]) == len(IDS)


KILLED_WRITER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 1")  # spill changed pages into the file before any commit
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE games SET prediction_rating = 0")
conn.execute("CREATE TABLE half_written (x BLOB)")
conn.executemany("INSERT INTO half_written VALUES (?)", [(b"x" * 4000,) for _ in range(200)])
print("mid-transaction", flush=True)
time.sleep(600)
"""


def test_a_journal_left_by_a_killed_writer_is_rolled_back_by_the_next_run(sqlite_url):
    store(subset(document(), IDS[:3]), sqlite_url)
    before = dump(sqlite_url)
    path = sqlite_url.removeprefix("sqlite:///")
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, path], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "mid-transaction\n"  # decided by the writer, not by a timer
    finally:
        writer.kill()  # SIGKILL: no rollback, no cleanup
        writer.wait()
        writer.stdout.close()
    assert _journal(sqlite_url).exists()  # a hot journal: the file holds half a transaction

    result = store(subset(document(), IDS[3:]), sqlite_url)  # the next run recovers first, then writes
    assert result.saved == len(IDS) - 3
    assert not _journal(sqlite_url).exists()
    after = dump(sqlite_url)
    assert len(after["games"]) == len(IDS)
    kept = {row[0]: row for row in before["games"]}  # by game id
    assert [row for row in after["games"] if row[0] in kept] == before["games"]  # ratings as they were
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_written'").fetchone() is None
