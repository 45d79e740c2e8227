"""Season results for the CDN source's standings and head-to-head: the schedule's season from the
schedule's final games, earlier seasons from the offline archive (reference data, whichever source
serves the date).  A season neither holds completely is an error naming it, never a history
computed from part of the season."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from nba_predictions.core.domain import GameResult
from nba_predictions.core.season import DIGIT_SEASON_TYPES, Season
from nba_predictions.errors import DateNotCoveredError, SourceError
from nba_predictions.sources.cdn.schedule import Schedule
from nba_predictions.sources.game_types import RESULT_SEASON_TYPES

PastResults = Callable[[Season], Sequence[GameResult]]


def schedule_results(schedule: Schedule) -> list[GameResult]:
    """The schedule's final regular-season, play-in and playoff games (not the NBA Cup final,
    which does not count in the standings), in (date, id) order."""
    out = []
    for game in schedule.games:
        season_type = DIGIT_SEASON_TYPES.get(game.game_id[2], "")
        if game.is_final and season_type in RESULT_SEASON_TYPES:
            out.append(
                GameResult(
                    game_id=game.game_id,
                    date=game.day,
                    season_type=season_type,  # type: ignore[arg-type]
                    home_team_id=game.home_team_id,
                    away_team_id=game.away_team_id,
                    home_score=game.home_team_score,
                    away_score=game.away_team_score,
                )
            )
    return sorted(out, key=lambda r: (r.date, r.game_id))


def archive_results(path: str | Path | None = None, local_dir: str | Path | None = None) -> PastResults:
    """Complete past seasons from the offline archive (the bundled file at ``path``, None = the
    packaged one, read with the local archive in ``local_dir``): a season counts as complete when
    the archives hold results of a later date's season (their last result is past that season)."""
    from nba_predictions.sources.archive import ArchiveSource  # stdlib sqlite3 only

    archive = ArchiveSource(path, local_dir)

    def results(season: Season) -> Sequence[GameResult]:
        first, last = archive.results_coverage()
        if season < Season.of_date(first):
            raise DateNotCoveredError(f"the offline archive's results begin with {Season.of_date(first)}, not {season}")
        if season >= Season.of_date(last):
            raise SourceError(
                f"the results of {season} are not complete in any source: the offline archive's end "
                f"{last}, and the CDN's schedule holds only its own season; standings and head-to-head "
                f"need every {season} game (add that season's results to the archive)"
            )
        return archive.season_results(season)

    return results


def season_results(season: Season, schedule: Schedule, past: PastResults, today: date) -> Sequence[GameResult]:
    """``season``'s results: from ``schedule`` for its own season, from ``past`` before it, none after."""
    if season > schedule.season or season > Season.of_date(today):
        return []
    if season == schedule.season:
        return schedule_results(schedule)
    return past(season)
