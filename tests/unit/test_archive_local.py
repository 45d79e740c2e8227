"""The local archive's writer and the archives read together (sources/archive_local.py, archive_db.py)."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from nba_predictions.core.domain import ScoreTimeline
from nba_predictions.core.season import Season
from nba_predictions.errors import ArchiveWriteError
from nba_predictions.sources import archive_local
from nba_predictions.sources.archive import ArchiveSource, default_archive_path
from nba_predictions.sources.archive_local import LocalArchive
from nba_predictions.sources.archive_rows import FORMAT_VERSION, SCHEMA, decode_events, encode_events

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2024, 1, 15)


def _shape(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as con:
        tables = [name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")]
        shape = {t: con.execute(f"PRAGMA table_info({t})").fetchall() for t in tables}
        shape["indexes"] = con.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' ORDER BY 1"
        ).fetchall()
    return shape


@pytest.fixture
def archive() -> ArchiveSource:
    return ArchiveSource()


def test_the_local_archive_has_the_bundled_archives_tables_and_the_build_scripts_schema(tmp_path, archive):
    local = LocalArchive(tmp_path)
    local.write([], whole_day=DAY, source="cdn")
    assert _shape(local.path) == _shape(default_archive_path())
    script = (ROOT / "scripts" / "build_archive.py").read_text(encoding="utf-8")
    # The build script creates the bundled file from the same definition and version (it imports them).
    for name in ("SCHEMA", "FORMAT_VERSION"):
        assert re.search(rf"^from nba_predictions\.sources\.archive_rows import .*\b{name}\b", script, re.M), name
    assert archive.meta()["format_version"] == FORMAT_VERSION
    assert re.findall(r"CREATE (?:TABLE|INDEX) \w+", SCHEMA)


def test_events_round_trip_in_tenths(archive):
    for game in archive.completed_games(DAY):
        events = archive.score_timeline(game).events
        assert decode_events(encode_events(events)) == events
    tenths = [(0.0, 0, 0), (12.3, 2, 0), (2879.7, 2, 3)]
    assert decode_events(encode_events(tenths)) == tenths


def test_written_games_are_read_back_alike_and_their_date_is_covered(tmp_path, archive):
    games = archive.completed_games(DAY)
    LocalArchive(tmp_path).write([(g, archive.score_timeline(g)) for g in games], whole_day=DAY, source="cdn")
    # A bundled archive that lacks the date: the local one serves it.
    only_local = ArchiveSource(default_archive_path(), tmp_path)
    assert only_local.covers(DAY) and only_local.local_days() == {DAY: {"games": 11, "source": "cdn"}}
    assert only_local.completed_games(DAY) == games
    assert [only_local.score_timeline(g) for g in games] == [archive.score_timeline(g) for g in games]
    assert only_local.season_results(Season(2023)) == archive.season_results(Season(2023))


def test_a_game_in_both_is_the_bundled_ones_unless_only_the_local_one_has_a_timeline(tmp_path, archive):
    [game, *_] = archive.completed_games(DAY)
    other = ScoreTimeline(periods=4, events=[(10.0, game.home_team_score, 0), (20.0, *game_final(game))])
    LocalArchive(tmp_path).write([(game, other)], source="cdn")
    both = ArchiveSource(None, tmp_path)
    assert both.score_timeline(game) == archive.score_timeline(game)  # the bundled one wins
    play_in = archive.season_games(Season(2023), ("Play-In",))[0]
    assert "no play-by-play for play-in games" in archive.timeline_problems([play_in.game_id])[play_in.game_id]
    timeline = ScoreTimeline(periods=4, events=[(10.0, play_in.home_team_score, 0), (20.0, *game_final(play_in))])
    LocalArchive(tmp_path).write([(play_in, timeline)], source="cdn")
    assert ArchiveSource(None, tmp_path).score_timeline(play_in) == timeline  # only the local one has one


def game_final(game) -> tuple[int, int]:
    return game.home_team_score, game.away_team_score


def test_a_batch_is_written_all_or_nothing(tmp_path, archive, monkeypatch):
    games = archive.completed_games(DAY)
    good = [(g, archive.score_timeline(g)) for g in games[:3]]
    unstorable = ScoreTimeline(periods=4, events=[(10.0, 0, 0), (2000.0, 300, 0)])  # 300 points in one event
    with pytest.raises(ArchiveWriteError, match="cannot be stored"):
        LocalArchive(tmp_path).write([*good, (games[3], unstorable)], whole_day=DAY, source="cdn")
    local = LocalArchive(tmp_path)
    if local.path.exists():
        with sqlite3.connect(local.path) as con:
            assert con.execute("SELECT count(*) FROM games").fetchone() == (0,)
    # A transaction that fails (another process holds the file) leaves the archive as it was.
    local.write(good[:1], source="cdn")
    monkeypatch.setattr(archive_local, "BUSY_SECONDS", 0.05)
    holder = sqlite3.connect(local.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ArchiveWriteError, match="nothing was written"):
            local.write(good[1:], whole_day=DAY, source="cdn")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with sqlite3.connect(local.path) as con:
        assert con.execute("SELECT game_id FROM games").fetchall() == [(good[0][0].game_id,)]
        assert con.execute("SELECT count(*) FROM meta WHERE key LIKE 'day:%'").fetchone() == (0,)


def test_player_lines_round_trip_through_the_local_archive(tmp_path, archive):
    from nba_predictions.core.domain import LeaderLine

    games = archive.completed_games(DAY)
    timelines = [archive.score_timeline(g) for g in games]
    assert all(t.player_lines for t in timelines)  # the bundled archive has them
    unknown = timelines[1].model_copy(update={"player_lines": None})  # a source without player data
    empty = timelines[2].model_copy(update={"player_lines": []})
    written = [timelines[0], unknown, empty, *timelines[3:]]
    LocalArchive(tmp_path).write(list(zip(games, written)), source="cdn")
    with sqlite3.connect(LocalArchive(tmp_path).path) as con:
        stored = dict(con.execute("SELECT game_id, player_lines FROM timelines").fetchall())
    assert stored[games[1].game_id] is None and stored[games[2].game_id] == b""
    # Read back alike, one game at a time and in bulk (the local file wins only without a bundled timeline:
    # read the local one on its own, through a bundled file without that date).
    only_local = ArchiveSource(_without_day(tmp_path, DAY), tmp_path)
    assert [only_local.score_timeline(g) for g in games] == written
    _, bulk = only_local.games_and_timelines(DAY, DAY)
    assert [bulk[g.game_id] for g in games] == written
    assert written[0].player_lines[0] == LeaderLine(**written[0].player_lines[0].model_dump())


def _without_day(tmp_path: Path, day: date) -> Path:
    """A copy of the bundled archive without ``day``'s games."""
    import shutil

    path = tmp_path / "bundled" / "archive.sqlite"
    path.parent.mkdir()
    shutil.copy(default_archive_path(), path)
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM timelines WHERE game_id IN (SELECT game_id FROM games WHERE date = ?)", (str(day),))
        con.execute("DELETE FROM games WHERE date = ?", (str(day),))
    return path


def test_a_local_archive_of_another_format_version_is_refused_in_one_line(tmp_path, archive):
    from nba_predictions.errors import SourceError

    games = archive.completed_games(DAY)
    local = LocalArchive(tmp_path)
    local.write([(games[0], archive.score_timeline(games[0]))], source="cdn")
    with sqlite3.connect(local.path) as con:
        con.execute("UPDATE meta SET value = '1' WHERE key = 'format_version'")
    with pytest.raises(SourceError) as err:
        ArchiveSource(None, tmp_path).completed_games(DAY)
    assert str(err.value) == (
        f"local archive {local.path} has format version 1, this package reads version 2: move it away and fill it again"
    )
    with pytest.raises(ArchiveWriteError, match="has format version 1, this package writes version 2: nothing was"):
        local.write([(games[1], archive.score_timeline(games[1]))], source="cdn")
    with sqlite3.connect(local.path) as con:
        assert con.execute("SELECT count(*) FROM games").fetchone() == (1,)


def test_archive_update_stores_the_player_lines_its_source_gives(tmp_path, archive):
    """``archive update`` keeps a timeline's ``player_lines`` (and NULL where the source has none)."""
    from nba_predictions.config import Settings
    from nba_predictions.runs.archive_update import SeasonUpdate

    games = archive.completed_games(DAY)
    timelines = {g.game_id: archive.score_timeline(g) for g in games}
    timelines[games[0].game_id] = timelines[games[0].game_id].model_copy(update={"player_lines": None})

    class Live:  # a live source serving DAY's games as the bundled archive has them
        name = "cdn"

        def completed_games(self, day):
            return games if day == DAY else []

        def score_timeline(self, game):
            return timelines[game.game_id]

    bundled = _without_day(tmp_path, DAY)
    with sqlite3.connect(bundled) as con:  # and without the dates after it: the update asks for them
        con.execute("UPDATE meta SET value = '2023-12-31' WHERE key = 'last_timeline_date'")
    settings = Settings.resolve({}, {"NBA_ARCHIVE_DIR": str(tmp_path / "local"), "NBA_BUNDLED_ARCHIVE": str(bundled)})
    report = SeasonUpdate(settings, Season(2023), "cdn", source=Live(), today=lambda: date(2024, 1, 16)).run()
    assert report.stored == 11 and not report.problems, report.render()
    stored = ArchiveSource(bundled, tmp_path / "local")
    assert {g.game_id: stored.score_timeline(g) for g in games} == timelines
    assert stored.score_timeline(games[0]).player_lines is None
