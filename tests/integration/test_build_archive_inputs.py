"""scripts/build_archive.py from a clone: its raw inputs are not in the repository, so it says
which it needs and where they come from, on one line, instead of a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_archive.py"


def _build(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def test_without_the_raw_folder_one_line_names_every_input(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from build_archive import RAW_INPUTS
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    result = _build(str(tmp_path / "no-such-folder"), "--output", str(tmp_path / "archive.sqlite"))
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"build_archive: {tmp_path / 'no-such-folder'} lacks 8 of the 8 raw inputs (")
    assert all(name in lines[0] for name in RAW_INPUTS) and "data/README.md" in lines[0]
    assert not (tmp_path / "archive.sqlite").exists()


def test_a_partial_raw_folder_names_only_what_is_missing(tmp_path):
    raw = tmp_path / "raw"
    (raw / "kaggle_nba_database_subset").mkdir(parents=True)
    (raw / "kaggle_nba_database_subset" / "game_info.csv.gz").write_bytes(b"")
    (raw / "gabriel1200_legacy_pbp").mkdir()
    (raw / "gabriel1200_legacy_pbp" / "pbp_v2_compact_2013-14.csv.gz").write_bytes(b"")
    result = _build(str(raw), "--output", str(tmp_path / "archive.sqlite"))
    assert result.returncode == 2
    assert "lacks 6 of the 8 raw inputs" in result.stderr
    assert "game_info.csv.gz" not in result.stderr and "pbp_v2_compact_*" not in result.stderr
    assert "other_stats.csv.gz" in result.stderr
