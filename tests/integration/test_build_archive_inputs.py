"""scripts/build_archive.py from a clone: its raw inputs are not in the repository, so it says
which it needs and where they come from, on one line, instead of a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_archive.py"


def _build(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def _script():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_archive
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return build_archive


def test_without_the_raw_folder_one_line_names_every_input(tmp_path):
    raw_inputs = _script().RAW_INPUTS
    result = _build(str(tmp_path / "no-such-folder"), "--output", str(tmp_path / "archive.sqlite"))
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"build_archive: {tmp_path / 'no-such-folder'} lacks 9 of the 9 raw inputs (")
    assert all(name in lines[0] for name in raw_inputs) and "data/README.md" in lines[0]
    assert not (tmp_path / "archive.sqlite").exists()


def test_a_partial_raw_folder_names_only_what_is_missing(tmp_path):
    raw = tmp_path / "raw"
    (raw / "kaggle_nba_database_subset").mkdir(parents=True)
    (raw / "kaggle_nba_database_subset" / "game_info.csv.gz").write_bytes(b"")
    (raw / "gabriel1200_legacy_pbp").mkdir()
    (raw / "gabriel1200_legacy_pbp" / "pbp_v2_compact_2013-14.csv.gz").write_bytes(b"")
    result = _build(str(raw), "--output", str(tmp_path / "archive.sqlite"))
    assert result.returncode == 2
    assert "lacks 7 of the 9 raw inputs" in result.stderr
    assert "game_info.csv.gz" not in result.stderr and "pbp_v2_compact_*" not in result.stderr
    assert "other_stats.csv.gz" in result.stderr


RESULTS_HEADER = (
    "game_id,season_type,date_et,tip_utc,home,home_team_id,away,away_team_id,home_pts,away_pts,periods,"
    "espn_event_id,id_source,note\n"
)
LEAGUEGAMELOG_HEADER = (
    "game_id,game_date,season,season_type,home_team_id,home_team_abbr,away_team_id,away_team_abbr,"
    "home_pts,away_pts,both_listed_as_away\n"
)


def _raw_2025_26(tmp_path, home_pts_in_results: int):
    """A raw folder with the two 2025-26 result files: two games (real ones, 0022500147 at a
    neutral site) and the NBA Cup final; the LeagueGameLog has the two regular-season games."""
    raw = tmp_path / "raw"
    (raw / "results_2025-26").mkdir(parents=True)
    (raw / "api_fixtures" / "nba_api").mkdir(parents=True)
    (raw / "results_2025-26" / "nba_2025_26_results.csv").write_text(
        RESULTS_HEADER
        + "0022500001,Regular Season,2025-10-21,2025-10-21T23:30Z,OKC,1610612760,HOU,1610612745,"
        + f"{home_pts_in_results},124,6,401809243,x,\n"
        + "0022500147,Regular Season,2025-11-01,2025-11-02T02:00Z,DET,1610612765,DAL,1610612742,122,110,4,1,x,\n"
        + "0062500001,NBA Cup Final,2025-12-16,2025-12-17T01:30Z,NYK,1610612752,SAS,1610612759,124,113,4,1,x,\n"
    )
    (
        raw / "api_fixtures" / "nba_api" / "games_2025-26_regular_season_through_2026-02-21_from_leaguegamelog.csv"
    ).write_text(
        LEAGUEGAMELOG_HEADER
        + "0022500001,2025-10-21,2025-26,Regular Season,1610612760,OKC,1610612745,HOU,125,124,False\n"
        + "0022500147,2025-11-01,2025-26,Regular Season,1610612765,DET,1610612742,DAL,122,110,True\n"
    )
    return raw


def test_2025_26_results_are_checked_against_the_leaguegamelog(tmp_path):
    build_archive = _script()
    results = build_archive.load_results_2025_26(_raw_2025_26(tmp_path, 125))
    by_id = results.set_index("game_id")
    assert by_id["neutral_site"].to_dict() == {"0022500001": 0, "0022500147": 1, "0062500001": 1}
    assert by_id["checked"].to_dict() == {"0022500001": True, "0022500147": True, "0062500001": False}
    with pytest.raises(SystemExit, match="disagrees with the LeagueGameLog.*0022500001"):
        build_archive.load_results_2025_26(_raw_2025_26(tmp_path / "wrong", 126))
