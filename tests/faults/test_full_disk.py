"""A full disk under the document folder and under the SQLite file: one line, exit 1, the previous
good file intact and no half-written file left; once there is room again the same command works.

Two kinds of full disk (:mod:`tests.faults.disk`): a small tmpfs filled to the last byte (ENOSPC;
needs root, skipped with its reason where mounting is refused) and a file size limit on the
command's process (RLIMIT_FSIZE: EFBIG; works everywhere).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MAIN
from tests.faults.disk import DiskUnavailableError, SmallDisk, small_disk

DISK_ERRORS = {"tmpfs": "No space left on device", "rlimit": "File too large"}


@pytest.fixture(params=["tmpfs", "rlimit"])
def disk(request, tmp_path):
    try:
        with small_disk(tmp_path, request.param) as made:
            yield made
    except DiskUnavailableError as exc:
        pytest.skip(str(exc))


def run(disk: SmallDisk, cwd: Path, *args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run(
        [sys.executable, str(MAIN), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=disk.preexec(),
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or p.name.startswith("."))


def test_a_document_that_does_not_fit_leaves_the_previous_one_whole(disk, tmp_path):
    out = disk.folder / "predictions.json"
    args = ("--date", "2024-01-15", "--until-step", "prediction", "--output", str(out))
    first = run(disk, tmp_path, *args, database=tmp_path / "ratings.db")
    assert first.returncode == 0, first.stderr
    good = out.read_bytes()

    disk.fill()
    full = run(disk, tmp_path, *args, database=tmp_path / "ratings.db")
    assert full.returncode == 1, full.stderr
    last = full.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        rf"nba-predictions: error: cannot write {re.escape(str(out))}: {DISK_ERRORS[disk.mode]} "
        rf"\(the document is [\d,]+ bytes\); free space where {re.escape(str(disk.folder))} is; "
        "anything already there was left as it was",
        last,
    ), last
    assert out.read_bytes() == good
    assert leftovers(disk.folder) == []

    disk.free()
    again = run(disk, tmp_path, *args, database=tmp_path / "ratings.db")
    assert again.returncode == 0, again.stderr


def test_a_sqlite_database_on_a_full_disk_fails_in_one_line_and_keeps_its_rows(disk, tmp_path):
    database = disk.folder / "ratings.db"
    first = run(disk, tmp_path, "--date", "2024-01-15", database=database)
    assert first.returncode == 0, first.stderr
    before = rows(database)
    assert len(before["games"]) == 11

    disk.fill()
    full = run(disk, tmp_path, "--date", "2024-01-16", database=database)
    assert full.returncode == 1, full.stderr
    last = full.stderr.strip().splitlines()[-1]
    assert last.startswith("nba-predictions: error: ") and str(database) in last, last
    assert f"free space where {disk.folder} is" in last, last
    assert rows(database) == before  # opened afresh: a journal left behind is rolled back first
    with sqlite3.connect(database) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    disk.free()
    again = run(disk, tmp_path, "--date", "2024-01-16", database=database)
    assert again.returncode == 0, again.stderr
    assert rows(database)["games"][: len(before["games"])] == before["games"]
    assert len(rows(database)["games"]) > len(before["games"])


def rows(database: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(database) as con:
        return {
            name: con.execute(f"SELECT * FROM {name} ORDER BY 1").fetchall()
            for name in ("teams", "games", "game_details")
        }
