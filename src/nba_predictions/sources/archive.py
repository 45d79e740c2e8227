"""The offline archive shipped in the package: the embedded default source.

``nba_predictions/data/archive.sqlite`` is built by ``scripts/build_archive.py`` from real NBA
data (provenance, coverage and caveats in ``data/README.md``).  It holds the result of every game
from 1996-97 to the 2026 Finals (2026-06-13) and the score timeline of every game with play-by-play (2013-14 to
2025-12-07).  The file is opened read-only and lazily, on the first query; a query for one date
reads a few index pages, never the whole archive.

Collectable dates are those between the first and the last date with play-by-play.  Outside that
range ``completed_games`` raises :class:`DateNotCoveredError`; an in-range date without games
(off day, All-Star break, the 2020 suspension, the off-season) returns ``[]``.  A game without a
usable timeline (play-in games, a truncated play-by-play) is still listed; its
``score_timeline`` raises :class:`GameDataError` saying why, and its ``lead_changes`` /
``times_tied`` are the official box-score values where the archive has them, otherwise the
counts of the partial timeline, otherwise 0.

A date costs one query and one timeline decode per game: ``completed_games`` reads the games and
their timelines together (it needs the timelines for the lead-change counts) and keeps the
decoded timelines of the last few dates' games, so the collection step's ``score_timeline``
call for each of them runs no query at all.  ``score_timeline`` given a
:class:`~nba_predictions.core.domain.GameRecord` checks that the archive's game of that id was played
on the same date by the same teams: a document's game id that belongs to another game is an
error, never another game's timeline.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from importlib import resources
from pathlib import Path

from nba_predictions.core.domain import GameRecord, GameResult, ScoreTimeline
from nba_predictions.core.scoring import lead_changes_and_times_tied
from nba_predictions.core.season import Season
from nba_predictions.errors import DateNotCoveredError, GameDataError, SourceError
from nba_predictions.sources.archive_rows import SELECT_GAMES as _SELECT_GAMES
from nba_predictions.sources.archive_rows import ArchiveRow, decode_events, problem_for

logger = logging.getLogger(__name__)

ARCHIVE_FILE = "archive.sqlite"
_RECENT_GAMES = 64
"""How many collected games keep their decoded timeline in the source (a date has at most 15)."""


def default_archive_path() -> Path:
    """Where the packaged archive lives (inside the installed package)."""
    return Path(str(resources.files("nba_predictions").joinpath("data").joinpath(ARCHIVE_FILE)))


class ArchiveSource:
    """The packaged SQLite archive behind the :class:`~nba_predictions.sources.base.Source` protocol."""

    name = "archive"

    def __init__(self, path: str | Path | None = None) -> None:
        self._path = Path(path) if path is not None else None
        self._con: sqlite3.Connection | None = None
        self._meta: dict[str, str] | None = None
        self._lock = threading.Lock()
        # game id -> (record, usable timeline or None): the games of the last few collected dates.
        self._recent: OrderedDict[str, tuple[GameRecord, ScoreTimeline | None]] = OrderedDict()
        self._recent_lock = threading.Lock()

    # --- plumbing -------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else default_archive_path()

    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            with self._lock:
                if self._con is None:
                    path = self.path
                    if not path.is_file():
                        raise SourceError(
                            f"offline archive {path} is missing: reinstall the package or rebuild it "
                            "with scripts/build_archive.py"
                        )
                    uri = f"{path.resolve().as_uri()}?mode=ro"
                    con = sqlite3.connect(uri, uri=True, check_same_thread=False)
                    logger.debug("opened offline archive %s", path)
                    self._con = con
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> ArchiveSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise SourceError(f"offline archive {self.path} could not be read ({exc}): rebuild it") from exc

    def meta(self) -> dict[str, str]:
        """The archive's build metadata (coverage, known gaps, input commits, counts)."""
        if self._meta is None:
            self._meta = dict(self._query("SELECT key, value FROM meta"))
        return self._meta

    # --- coverage -------------------------------------------------------------------------

    def coverage(self) -> tuple[date, date]:
        """First and last date whose games can be collected (dates with play-by-play)."""
        m = self.meta()
        return date.fromisoformat(m["first_timeline_date"]), date.fromisoformat(m["last_timeline_date"])

    def results_coverage(self) -> tuple[date, date]:
        """First and last date of the results used for standings and head-to-head."""
        m = self.meta()
        return date.fromisoformat(m["first_result_date"]), date.fromisoformat(m["last_result_date"])

    def _gap(self, day: date) -> str | None:
        for gap in json.loads(self.meta()["known_gaps"]):
            if date.fromisoformat(gap["first"]) <= day <= date.fromisoformat(gap["last"]):
                return str(gap["reason"])
        return None

    def covers(self, day: date) -> bool:
        first, last = self.coverage()
        return first <= day <= last and self._gap(day) is None

    def uncovered_reason(self, day: date) -> str | None:
        """Why :meth:`completed_games` cannot answer for ``day`` (without the date: "is outside the
        offline archive, which covers ..." or "falls in a known gap of the offline archive (...)"),
        or None when it can."""
        first, last = self.coverage()
        if not first <= day <= last:
            return f"is outside the offline archive, which covers {first} to {last}"
        gap = self._gap(day)
        if gap is not None:
            return f"falls in a known gap of the offline archive ({gap})"
        return None

    def _check_covered(self, day: date) -> None:
        reason = self.uncovered_reason(day)
        if reason is not None:
            which = "this date" if reason.startswith("falls") else "other dates"
            raise DateNotCoveredError(f"{day} {reason}; use --source nba_api for {which}")

    # --- games ----------------------------------------------------------------------------

    def _rows(self, where: str, params: Sequence[object]) -> list[ArchiveRow]:
        return [ArchiveRow._make(row) for row in self._query(f"{_SELECT_GAMES} {where}", params)]

    def _games(self, rows: Iterable[ArchiveRow]) -> list[tuple[GameRecord, ScoreTimeline | None]]:
        """Records of archive rows, each with its usable timeline (``None`` without one).

        A usable timeline is decoded once, for the lead-change counts and for the caller.
        """
        out: list[tuple[GameRecord, ScoreTimeline | None]] = []
        for row in rows:
            timeline = None
            if row.timeline_status == "ok" and row.periods is not None and row.events is not None:
                timeline = self._timeline(row.game_id, row.periods, row.events)
                lc, tt = lead_changes_and_times_tied(timeline)
            else:
                lc, tt = row.counts_without_timeline()
            out.append((row.record(lc, tt), timeline))
        return out

    def range_rows(self, first: date, last: date, batch: int = 2000) -> Iterator[list[ArchiveRow]]:
        """The archive rows from ``first`` to ``last`` in (date, game id) order, from one query,
        ``batch`` rows at a time (the backfill's bulk read; nothing is decoded here).  Coverage is
        not checked, as in :meth:`games_and_timelines`."""
        try:
            cursor = self._connection().execute(
                f"{_SELECT_GAMES} WHERE date BETWEEN ? AND ? ORDER BY date, game_id",
                (first.isoformat(), last.isoformat()),
            )
            while rows := cursor.fetchmany(batch):
                yield [ArchiveRow._make(row) for row in rows]
        except sqlite3.Error as exc:
            raise SourceError(f"offline archive {self.path} could not be read ({exc}): rebuild it") from exc

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

    def completed_games(self, day: date) -> list[GameRecord]:
        """Completed games of ``day`` in game-id order; ``[]`` for an in-range day without games."""
        self._check_covered(day)
        games = self._games(self._rows("WHERE date = ? ORDER BY game_id", (day.isoformat(),)))
        self._remember(games)
        logger.debug("archive: %d games on %s", len(games), day)
        return [record for record, _ in games]

    def games_and_timelines(self, first: date, last: date) -> tuple[list[GameRecord], dict[str, ScoreTimeline]]:
        """The bulk read of :class:`~nba_predictions.sources.base.Source`: the completed games from
        ``first`` to ``last`` inclusive, in (date, game id) order, and the usable timelines of those
        games (``{game_id: timeline}``), from one query and one decode per timeline.  Ask
        :meth:`timeline_problems` or :meth:`score_timeline` why a game has none.

        Unlike :meth:`completed_games` this does not check coverage: dates without play-by-play
        simply contribute games without a timeline.
        """
        rows = self._rows("WHERE date BETWEEN ? AND ? ORDER BY date, game_id", (first.isoformat(), last.isoformat()))
        games = self._games(rows)
        return [record for record, _ in games], {r.game_id: t for r, t in games if t is not None}

    def season_games(
        self, season: Season, season_types: Sequence[str] = ("Regular Season", "Playoffs", "Play-In")
    ) -> list[GameRecord]:
        """Completed games of ``season`` of the given types, in (date, game id) order: one query."""
        marks = ",".join("?" * len(season_types))
        rows = self._rows(
            f"WHERE season = ? AND season_type IN ({marks}) ORDER BY date, game_id", (season.start_year, *season_types)
        )
        return [record for record, _ in self._games(rows)]

    # --- timelines ------------------------------------------------------------------------

    @staticmethod
    def _timeline(game_id: str, periods: int, blob: bytes) -> ScoreTimeline:
        try:
            return ScoreTimeline(periods=periods, events=decode_events(blob))
        except (ValueError, zlib.error, struct.error) as exc:
            raise GameDataError(
                game_id, f"the archive's score timeline is unreadable ({exc}); rebuild the archive"
            ) from exc

    def _remember(self, games: Sequence[tuple[GameRecord, ScoreTimeline | None]]) -> None:
        with self._recent_lock:
            for record, timeline in games:
                self._recent[record.game_id] = (record, timeline)
                self._recent.move_to_end(record.game_id)
            while len(self._recent) > _RECENT_GAMES:
                self._recent.popitem(last=False)

    def _recalled(self, game_id: str) -> tuple[GameRecord, ScoreTimeline | None] | None:
        with self._recent_lock:
            return self._recent.get(game_id)

    def score_timeline(self, game: GameRecord | str) -> ScoreTimeline:
        """Score after every change of score.  Raises ``GameDataError`` for a game without a
        usable timeline (no play-by-play, or truncated play-by-play), and, given a
        :class:`GameRecord`, for a game id whose archive game has another date or other teams.

        The games of the last few dates :meth:`completed_games` listed are answered from memory;
        any other game costs one query.
        """
        game_id = game if isinstance(game, str) else game.game_id
        found = self._recalled(game_id)
        if found is None:
            games = self._games(self._rows("WHERE game_id = ?", (game_id,)))
            if not games:
                raise GameDataError(game_id, "not in the offline archive; try --source nba_api")
            found = games[0]
        archived, timeline = found
        if isinstance(game, GameRecord):
            _check_same_game(game, archived)
        if timeline is None:
            raise GameDataError(game_id, self.timeline_problems([game_id])[game_id])
        return timeline

    def timeline_problems(self, game_ids: Iterable[str]) -> dict[str, str]:
        """``{game_id: why it has no usable timeline}`` for those of ``game_ids`` without one."""
        ids = list(dict.fromkeys(game_ids))
        status: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(ids, 900):
            marks = ",".join("?" * len(chunk))
            for gid, st, stype in self._query(
                f"SELECT game_id, timeline_status, season_type FROM games WHERE game_id IN ({marks})", chunk
            ):
                status[gid] = (st, stype)
        problems: dict[str, str] = {}
        for gid in ids:
            if gid not in status:
                problems[gid] = "not in the offline archive; try --source nba_api"
            elif status[gid][0] != "ok":
                problems[gid] = problem_for(*status[gid])
        return problems

    # --- results --------------------------------------------------------------------------

    def season_results(self, season: Season) -> list[GameResult]:
        """Every result of ``season`` (regular season, play-in, playoffs, NBA Cup final), in (date, id) order."""
        rows = self._query(
            "SELECT game_id, date, season_type, home_team_id, away_team_id, home_score, away_score "
            "FROM games WHERE season = ? ORDER BY date, game_id",
            (season.start_year,),
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

    def neutral_sites(self, game_ids: Iterable[str]) -> set[str]:
        """Those of ``game_ids`` known to be played at a neutral site: one query for any number of
        games (the archive flags a few hundred games in all)."""
        flagged = {r[0] for r in self._query("SELECT game_id FROM games WHERE neutral_site = 1")}
        return flagged.intersection(game_ids)


def _check_same_game(asked: GameRecord, archived: GameRecord) -> None:
    """Raise ``GameDataError`` unless ``archived`` (the archive's game of that id) has ``asked``'s
    date and teams: a wrong or made-up game id must not bring another game's timeline."""
    same_teams = (asked.home_team_id, asked.away_team_id) == (archived.home_team_id, archived.away_team_id)
    if asked.date != archived.date or not same_teams:
        raise GameDataError(
            asked.game_id,
            f"in the offline archive this game id is {archived.home_team_abbreviation} vs "
            f"{archived.away_team_abbreviation} on {archived.date}, not {asked.home_team_abbreviation} vs "
            f"{asked.away_team_abbreviation} on {asked.date}: check the document's game_id, date and teams, "
            "or collect this date with --source nba_api",
        )


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
