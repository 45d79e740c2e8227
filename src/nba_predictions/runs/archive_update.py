"""``nba-predictions archive update --season S``: fill the local archive with a season from a live source.

Every date of the season up to today (US Eastern) is asked of the source (``cdn``, ``nba_api``, or
``auto``: the live sources of ``NBA_SOURCES`` in order, the first that serves a date), except the
dates the archives already cover (the bundled archive's, the local archive's whole dates).  Of a
date's games, those either archive already holds with a usable timeline are not asked again;
each other game's timeline is, and the date's games are stored in one transaction
(:class:`~nba_predictions.sources.archive_local.LocalArchive`; each timeline with the
``player_lines`` the source gave, NULL where it gave none).  So the update is resumable: killed
at any point and run again, it asks only for what is missing and ends with the archive an
uninterrupted update makes.  A game or date that could not be had is one line of the report
(game, date, teams and the reason), and the exit code is 1; the others are stored.

Progress: a bar on a terminal, one log line per week of dates otherwise, nothing with ``--quiet``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from nba_predictions.config import EASTERN, Settings
from nba_predictions.core.domain import GameRecord, ScoreTimeline
from nba_predictions.core.season import Season
from nba_predictions.documents.rules import screen_records
from nba_predictions.errors import DateNotCoveredError, GameDataError, SourceError, UsageError
from nba_predictions.runs.backfill.progress import Progress, Silent
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.sources.archive_local import LocalArchive
from nba_predictions.sources.base import Source
from nba_predictions.sources.registry import LIVE_SOURCES, SOURCES

logger = logging.getLogger(__name__)

UPDATE_SOURCES = ("auto", *LIVE_SOURCES)
DATES_PER_CHUNK = 7
"""Dates per progress step (one log line each when standard error is not a terminal)."""


def season_days(season: Season, today: date) -> list[date]:
    """Every date of ``season`` (as :meth:`Season.of_date` assigns them) up to ``today``."""
    day, last = date(season.start_year, 8, 1), min(date(season.start_year + 1, 11, 30), today)
    days = []
    while day <= last:
        if Season.of_date(day) == season:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass
class UpdateReport:
    """What an update did: games stored, found already archived, and what could not be had."""

    season: Season
    source: str
    stored: int = 0
    already: int = 0  # games either archive held with a usable timeline
    covered_days: int = 0  # dates the archives covered whole: not asked
    asked_days: int = 0
    problems: list[str] = field(default_factory=list)  # one line per game or run of dates
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def render(self) -> str:
        head = (
            f"archive update {self.season} from {self.source}: {self.stored} game(s) stored, {self.already} already "
            f"archived; {self.asked_days} date(s) asked, {self.covered_days} already covered; {self.seconds:.1f} s"
        )
        if not self.problems:
            return head
        return "\n".join([f"{head}; {len(self.problems)} could not be had:", *(f"  {p}" for p in self.problems)])


def make_update_source(settings: Settings, name: str) -> Source:
    """The live source ``name``; ``auto`` = the live sources ``NBA_SOURCES`` lists, as a chain."""
    if name != "auto":
        return SOURCES[name](settings)
    live = [n for n in settings.sources if n in LIVE_SOURCES]
    if not live:
        raise UsageError(
            f"NBA_SOURCES={','.join(settings.sources)} names no live source: archive update needs cdn or nba_api"
        )
    from nba_predictions.sources.chain import SourceChain

    return SourceChain(live, lambda n: SOURCES[n](settings, in_chain=True))


def _today() -> date:
    return datetime.now(tz=EASTERN).date()


class SeasonUpdate:
    """One ``archive update`` run; :meth:`run` returns its report."""

    def __init__(
        self,
        settings: Settings,
        season: Season,
        source_name: str,
        *,
        source: Source | None = None,
        progress: Progress | None = None,
        today: Callable[[], date] = _today,
    ) -> None:
        if settings.archive_dir is None:
            raise UsageError("NBA_ARCHIVE_DIR is empty: set it to the folder of the local archive (e.g. data/archive)")
        self.season, self.today = season, today()
        self.source = source if source is not None else make_update_source(settings, source_name)
        self.archives = ArchiveSource(settings.bundled_archive, settings.archive_dir)
        self.local = LocalArchive(settings.archive_dir)
        self.progress = progress or Silent()
        self.report = UpdateReport(season, source_name)
        self._uncovered: list[tuple[date, str]] = []  # a run of dates the source did not cover

    def run(self) -> UpdateReport:
        started = time.perf_counter()
        with self.archives:
            have = self.archives.timeline_ids(self.season)
            days = season_days(self.season, self.today)
            self.progress.stage("update", len(days))
            for chunk in _chunks(days, DATES_PER_CHUNK):
                stored_before, failed_before = self.report.stored, len(self.report.problems)
                for day in chunk:
                    self._day(day, have)
                self.progress.advance(
                    len(chunk),
                    up_to=chunk[-1],
                    games=self.report.stored - stored_before,
                    failed=len(self.report.problems) - failed_before,
                )
        self._flush_uncovered()
        self.progress.close()
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _day(self, day: date, have: set[str]) -> None:
        if self.archives.covers(day):
            self.report.covered_days += 1
            return
        self.report.asked_days += 1
        try:
            listed = self.source.completed_games(day)
        except DateNotCoveredError as exc:
            self._not_covered(day, str(exc))
            return
        except SourceError as exc:
            self._flush_uncovered()
            self.report.problems.append(f"{day}: the date could not be listed ({exc})")
            return
        self._flush_uncovered()
        records, refused = screen_records(listed, "collection", target_date=day, today=self.today)
        self.report.problems.extend(f"{day}: {r.reason}" for r in refused)
        kept: list[tuple[GameRecord, ScoreTimeline]] = []
        missing = len(refused)
        for record in records:
            if record.game_id in have:
                self.report.already += 1
                continue
            try:
                kept.append((record, self._timeline(record)))
            except GameDataError as exc:
                missing += 1
                reason = str(exc).removeprefix(f"game {record.game_id}: ")
                self.report.problems.append(f"{_name(record)}: {reason}")
        whole = missing == 0 and day < self.today
        self.local.write(kept, whole_day=day if whole else None, source=self.source.name)
        have.update(record.game_id for record, _ in kept)
        self.report.stored += len(kept)

    def _timeline(self, record: GameRecord) -> ScoreTimeline:
        timeline = self.source.score_timeline(record)
        if timeline.final_score != (record.home_team_score, record.away_team_score):
            raise GameDataError(
                record.game_id,
                f"play-by-play ends {timeline.final_score[0]}-{timeline.final_score[1]} but the final score is "
                f"{record.home_team_score}-{record.away_team_score} (incomplete play-by-play)",
            )
        return timeline

    def _not_covered(self, day: date, reason: str) -> None:
        reason = reason.removeprefix(f"{self.source.name} source: ").replace(f"{day} ", "the date ", 1)
        if self._uncovered and self._uncovered[-1][1] != reason:
            self._flush_uncovered()
        self._uncovered.append((day, reason))

    def _flush_uncovered(self) -> None:
        """One line for a run of dates the source did not cover for the same reason."""
        if self._uncovered:
            first, last, reason = self._uncovered[0][0], self._uncovered[-1][0], self._uncovered[-1][1]
            span = str(first) if first == last else f"{first} to {last} ({len(self._uncovered)} dates)"
            self.report.problems.append(f"{span}: not covered by {self.report.source}: {reason}")
            self._uncovered = []


def _name(record: GameRecord) -> str:
    return f"game {record.game_id} ({record.date}, {record.away_team_abbreviation} at {record.home_team_abbreviation})"


def _chunks(days: list[date], size: int) -> Iterator[list[date]]:
    for start in range(0, len(days), size):
        yield days[start : start + size]


def update_season(
    settings: Settings, season: Season, source_name: str, *, progress: Progress | None = None
) -> UpdateReport:
    """Fill the local archive with ``season`` from ``source_name`` (see the module doc)."""
    if source_name not in UPDATE_SOURCES:
        raise UsageError(f"archive update --source {source_name}: use one of {', '.join(UPDATE_SOURCES)}")
    return SeasonUpdate(settings, season, source_name, progress=progress).run()
