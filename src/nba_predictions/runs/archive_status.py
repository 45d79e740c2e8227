"""``nba-predictions archive status``: what the archives hold, season by season.

For each season with play-by-play in either archive: its games (results), how many of them the
bundled archive and the local archive hold with a usable timeline (a game in both counts where it
is read from, see :mod:`nba_predictions.sources.archive_db`), its dates with games, and the dates
no archive covers (not in the bundled archive's range or in one of its gaps, and not held whole by
the local archive), which ``archive update`` would ask a live source for.  The seasons before the
first play-by-play (results only, for standings and head-to-head) are one line.  One query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from nba_predictions.config import Settings
from nba_predictions.core.season import Season
from nba_predictions.sources.archive import ArchiveSource

SHOWN_DATES = 6
"""Missing dates listed per season; the rest are counted."""


@dataclass
class SeasonCoverage:
    season: Season
    games: int = 0
    bundled: int = 0  # games read from the bundled archive with a usable timeline
    local: int = 0  # games read from the local archive
    dates: int = 0
    missing: list[date] = field(default_factory=list)  # dates with games no archive covers

    def render(self) -> str:
        line = (
            f"{self.season}  {self.games:>5,} games  bundled {self.bundled:>5,}  local {self.local:>5,}  "
            f"dates {self.dates:>3}  missing {len(self.missing):>3}"
        )
        if self.missing:
            shown = ", ".join(str(d) for d in self.missing[:SHOWN_DATES])
            more = f" and {len(self.missing) - SHOWN_DATES} more" if len(self.missing) > SHOWN_DATES else ""
            line += f": {shown}{more}"
        return line


def archive_status(settings: Settings, season: Season | None = None) -> list[SeasonCoverage]:
    """Coverage per season of the bundled and local archives (only ``season`` when given)."""
    with ArchiveSource(settings.bundled_archive, settings.archive_dir) as archives:
        by_season: dict[int, SeasonCoverage] = {}
        for start_year, day, games, usable, local in archives.date_counts():
            if season is not None and start_year != season.start_year:
                continue
            row = by_season.setdefault(start_year, SeasonCoverage(Season(start_year)))
            row.games += games
            row.local += local
            row.bundled += usable - local
            row.dates += 1
            if not archives.covers(day):
                row.missing.append(day)
        for day in archives.local_days():  # a date stored whole with no game (an off day) is no news
            if season is None or Season.of_date(day) == season:
                by_season.setdefault(Season.of_date(day).start_year, SeasonCoverage(Season.of_date(day)))
    return [by_season[year] for year in sorted(by_season)]


def render_status(rows: Sequence[SeasonCoverage], bundled: str, local: str) -> str:
    """The report: a header naming both files, the results-only seasons as one line, a line per season."""
    lines = [f"bundled archive: {bundled}", f"local archive:   {local}"]
    results_only = [r for r in rows if r.bundled == 0 and r.local == 0]
    with_play_by_play = [r for r in rows if r not in results_only]
    first = with_play_by_play[0].season if with_play_by_play else None
    early = [r for r in results_only if first is None or r.season < first]
    if early:
        lines.append(
            f"{early[0].season} to {early[-1].season}: results only ({sum(r.games for r in early):,} games: "
            "standings and head-to-head), no play-by-play"
        )
    lines.extend(r.render() for r in rows if r not in early)
    return "\n".join(lines)
