"""The archives' bulk reads: a range's rows and games, a season's games and results.

:class:`ArchiveReader` adds to :class:`~nba_predictions.sources.archive_db.ArchiveDatabase` (the
bundled and local files, one view) what the backfill, training and the standings read: many games
at once, from one query each, never one query per game.  The per-date source on top of it is
:class:`~nba_predictions.sources.archive.ArchiveSource`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from nba_predictions.core.domain import GameRecord, GameResult, ScoreTimeline
from nba_predictions.core.scoring import lead_changes_and_times_tied
from nba_predictions.core.season import Season
from nba_predictions.errors import GameDataError
from nba_predictions.sources.archive_db import ArchiveDatabase, select_games
from nba_predictions.sources.archive_rows import ArchiveRow, decode_events, decode_lines, problem_for
from nba_predictions.sources.game_types import RESULT_SEASON_TYPES


class ArchiveReader(ArchiveDatabase):
    """Bulk reads of the archives (see the module doc)."""

    def _rows(self, where: str, params: Sequence[object]) -> list[ArchiveRow]:
        return [ArchiveRow._make(row) for row in self._query(select_games(where), params)]

    def _games(self, rows: Iterable[ArchiveRow]) -> list[tuple[GameRecord, ScoreTimeline | None]]:
        """Records of archive rows, each with its usable timeline (``None`` without one).

        A usable timeline is decoded once, for the lead-change counts and for the caller.
        """
        out: list[tuple[GameRecord, ScoreTimeline | None]] = []
        for row in rows:
            timeline = None
            if row.timeline_status == "ok" and row.periods is not None and row.events is not None:
                timeline = self._timeline(row.game_id, row.periods, row.events, row.player_lines)
                lc, tt = lead_changes_and_times_tied(timeline)
            else:
                lc, tt = row.counts_without_timeline()
            out.append((row.record(lc, tt), timeline))
        return out

    @staticmethod
    def _timeline(game_id: str, periods: int, blob: bytes, lines: bytes | None = None) -> ScoreTimeline:
        """The timeline of a row's blobs, with its ``player_lines`` (``None`` where they are unknown)."""
        try:
            return ScoreTimeline(periods=periods, events=decode_events(blob), player_lines=decode_lines(lines))
        except (ValueError, zlib.error, struct.error) as exc:
            raise GameDataError(
                game_id, f"the archive's score timeline is unreadable ({exc}); rebuild the archive"
            ) from exc

    def range_rows(self, first: date, last: date, batch: int = 2000) -> Iterator[list[ArchiveRow]]:
        """The archive rows from ``first`` to ``last`` in (date, game id) order, from one query,
        ``batch`` rows at a time (the backfill's bulk read; nothing is decoded here).  Coverage is
        not checked, as in :meth:`games_and_timelines`."""
        sql = select_games("WHERE date BETWEEN ? AND ? ORDER BY date, game_id")
        for rows in self._cursor_batches(sql, (first.isoformat(), last.isoformat()), batch):
            yield [ArchiveRow._make(row) for row in rows]

    def rows_by_day(self, first: date, last: date) -> Iterator[tuple[date, list[ArchiveRow]]]:
        """``(date, rows)`` for every date from ``first`` to ``last`` that has games, in date
        order, from :meth:`range_rows`' one query."""
        current: date | None = None
        rows: list[ArchiveRow] = []
        for batch in self.range_rows(first, last):
            for row in batch:
                day = row.day
                if day != current:
                    if current is not None:
                        yield current, rows
                    current, rows = day, []
                rows.append(row)
        if current is not None:
            yield current, rows

    def games_and_timelines(self, first: date, last: date) -> tuple[list[GameRecord], dict[str, ScoreTimeline]]:
        """The bulk read of :class:`~nba_predictions.sources.base.Source`: the completed games from
        ``first`` to ``last`` inclusive, in (date, game id) order, and the usable timelines of those
        games (``{game_id: timeline}``, each with its ``player_lines``: the same row holds them),
        from one query and one decode per timeline.  Ask
        :meth:`timeline_problems` or ``score_timeline`` why a game has none.

        Unlike ``completed_games`` this does not check coverage: dates without play-by-play
        simply contribute games without a timeline.
        """
        rows = self._rows("WHERE date BETWEEN ? AND ? ORDER BY date, game_id", (first.isoformat(), last.isoformat()))
        games = self._games(rows)
        return [record for record, _ in games], {r.game_id: t for r, t in games if t is not None}

    def season_games(self, season: Season, season_types: Sequence[str] = RESULT_SEASON_TYPES) -> list[GameRecord]:
        """Completed games of ``season`` of the given types, in (date, game id) order: one query."""
        marks = ",".join("?" * len(season_types))
        rows = self._rows(
            f"WHERE season = ? AND season_type IN ({marks}) ORDER BY date, game_id", (season.start_year, *season_types)
        )
        return [record for record, _ in self._games(rows)]

    def timeline_problems(self, game_ids: Iterable[str]) -> dict[str, str]:
        """``{game_id: why it has no usable timeline}`` for those of ``game_ids`` without one."""
        ids = list(dict.fromkeys(game_ids))
        status: dict[str, tuple[str, str]] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            for gid, st, stype in self._query(
                f"SELECT game_id, timeline_status, season_type FROM archive_games WHERE game_id IN ({marks})", chunk
            ):
                status[gid] = (st, stype)
        problems: dict[str, str] = {}
        for gid in ids:
            if gid not in status:
                problems[gid] = "not in the offline archive; try --source nba_api"
            elif status[gid][0] != "ok":
                problems[gid] = problem_for(*status[gid])
        return problems

    def season_results(self, season: Season) -> list[GameResult]:
        """Every regular-season, play-in and playoff result of ``season``, in (date, id) order (not
        the NBA Cup final, which does not count in the standings)."""
        marks = ",".join("?" * len(RESULT_SEASON_TYPES))
        rows = self._query(
            "SELECT game_id, date, season_type, home_team_id, away_team_id, home_score, away_score "
            f"FROM archive_games WHERE season = ? AND season_type IN ({marks}) ORDER BY date, game_id",
            (season.start_year, *RESULT_SEASON_TYPES),
        )
        return [
            GameResult(
                game_id=gid,
                date=date.fromisoformat(day),
                season_type=stype,
                home_team_id=hid,
                away_team_id=aid,
                home_score=hs,
                away_score=as_,
            )
            for gid, day, stype, hid, aid, hs, as_ in rows
        ]

    def timeline_ids(self, season: Season) -> set[str]:
        """The games of ``season`` either archive holds with a usable timeline."""
        sql = "SELECT game_id FROM archive_games WHERE season = ? AND timeline_status = 'ok'"
        return {gid for (gid,) in self._query(sql, (season.start_year,))}

    def date_counts(self) -> list[tuple[int, date, int, int, int]]:
        """``(season, date, games, with a usable timeline, from the local archive)`` for every date
        with games, in date order: one query (``archive status``)."""
        rows = self._query(
            "SELECT season, date, count(*), sum(timeline_status = 'ok'), sum(origin = 'local') "
            "FROM archive_games GROUP BY season, date ORDER BY date"
        )
        return [(season, date.fromisoformat(day), n, ok, local) for season, day, n, ok, local in rows]

    def neutral_sites(self, game_ids: Iterable[str]) -> set[str]:
        """Those of ``game_ids`` known to be played at a neutral site: one query for any number of
        games (the archive flags a few hundred games in all)."""
        flagged = {r[0] for r in self._query("SELECT game_id FROM archive_games WHERE neutral_site = 1")}
        return flagged.intersection(game_ids)
