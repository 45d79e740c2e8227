"""Standings and head-to-head history computed from past results, the same way for every source.

Pure Python (no numpy/pandas): the collection step imports this module and runs with only the
collection requirements installed.

A :class:`History` is built once from a sequence of :class:`~nba_predictions.core.domain.GameResult`
(one pass) and then answers, for any day:

* :meth:`History.conference_ranks` - every team's conference rank from the regular-season games
  of that day's season played strictly *before* the day (never the season's final table).
  Cumulative records are snapshotted once per game date, so a whole season of queries costs
  one pass over its results; ranks are cached per date.
* :meth:`History.head_to_head` - meetings of two teams in the ``years`` before the day, from a
  per-pair index built in the same pass.
* :meth:`History.series_winners`, :meth:`History.seed_racers` and :func:`stakes_context` - the
  series state before a playoff game and the teams in a late-season seeding race, for the stakes
  features (:mod:`nba_predictions.features.stakes`).
* :meth:`History.context` - all of the above for one game, as a
  :class:`~nba_predictions.core.domain.GameContext`.

Ranking rule (deterministic): win percentage, then wins, then team id.  This is the order of
stats.nba.com's conference standings by day (ScoreboardV2 ``EastConfStandingsByDay``), which do
not apply the NBA's playoff tiebreakers: on 2026-02-22 Cleveland (36-21) is listed above New York
(36-21) although New York won both meetings and has the better conference record, and Houston
above the Lakers (both 34-21) although the Lakers have the better conference record.  A team
that has not played a regular-season game yet this season takes its previous season's final rank
(from that season's complete regular season); without that season's results, the middle rank of
its conference.  Ranks of teams that have played are 1..n among those teams, so early in a season
two teams can share a rank.
"""

from __future__ import annotations

import bisect
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from nba_predictions.core import teams
from nba_predictions.core.domain import GameContext, GameRecord, GameResult, HeadToHead, StakesContext
from nba_predictions.core.season import Season
from nba_predictions.errors import DateNotCoveredError
from nba_predictions.features.spec import CLOSE_GAME_POINTS, FEW_GAMES_LEFT
from nba_predictions.features.stakes import season_games, stakes_values, teams_in_seed_race

logger = logging.getLogger(__name__)


class ResultsSource(Protocol):
    """Where the history's results come from (every :class:`~nba_predictions.sources.base.Source`)."""

    def season_results(self, season: Season) -> Sequence[GameResult]:
        """Every completed regular-season, play-in and playoff game of ``season``, in date order;
        ``DateNotCoveredError`` for a season the source does not cover."""
        ...


@dataclass(frozen=True)
class StandingRow:
    """One team's line in its conference table as of a day (games strictly before the day)."""

    team_id: int
    conference: str
    rank: int
    wins: int
    losses: int

    @property
    def games(self) -> int:
        return self.wins + self.losses


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February -> 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return (day - timedelta(days=1)).replace(year=day.year - years)


class _SeasonTable:
    """Regular-season records of one season, snapshotted at every game date."""

    def __init__(self, season: Season, games: list[GameResult]) -> None:
        self.season = season
        self.dates: list[date] = []  # distinct game dates, ascending
        self.records: list[dict[int, tuple[int, int]]] = []  # (wins, losses) before dates[i]
        record: dict[int, tuple[int, int]] = {}
        for g in sorted(games, key=lambda r: (r.date, r.game_id)):
            if not self.dates or g.date != self.dates[-1]:
                self.dates.append(g.date)
                self.records.append(dict(record))
            if g.home_score == g.away_score:
                raise ValueError(f"game {g.game_id}: a final result cannot be a tie")
            winner, loser = (
                (g.home_team_id, g.away_team_id) if g.home_score > g.away_score else (g.away_team_id, g.home_team_id)
            )
            w, lost = record.get(winner, (0, 0))
            record[winner] = (w + 1, lost)
            w, lost = record.get(loser, (0, 0))
            record[loser] = (w, lost + 1)
        self.final_record = dict(record)

    def before(self, day: date) -> dict[int, tuple[int, int]]:
        """Records from the games strictly before ``day``."""
        i = bisect.bisect_left(self.dates, day)
        if i >= len(self.dates):
            return self.final_record
        return self.records[i]


def _order(team_ids: Sequence[int], record: dict[int, tuple[int, int]]) -> list[int]:
    """Teams sorted by the ranking rule: win pct, then wins, then team id (all must have played)."""

    def key(t: int) -> tuple[float, int, int]:
        w, lost = record[t]
        return (-w / (w + lost), -w, t)

    return sorted(team_ids, key=key)


class History:
    """Standings and head-to-head meetings from a sequence of results (see the module doc)."""

    def __init__(self, results: Iterable[GameResult]) -> None:
        by_id: dict[str, GameResult] = {}
        for r in results:
            by_id[r.game_id] = r
        regular: dict[Season, list[GameResult]] = defaultdict(list)
        meetings: dict[tuple[int, int], list[tuple[date, str, int]]] = defaultdict(list)
        series: dict[str, dict[int, int]] = defaultdict(dict)  # "004YY00RS" -> {game number: winner}
        for r in by_id.values():
            if r.season_type == "Playoffs":
                series[r.game_id[:9]][int(r.game_id[9])] = (
                    r.home_team_id if r.home_score > r.away_score else r.away_team_id
                )
            # Standings count regular-season games only: not play-in or playoff games, and not the
            # NBA Cup final (game id 006...), which the NBA leaves out of the standings (the Cup's
            # earlier rounds are regular-season games, 002..., and count).
            if r.season_type == "Regular Season":
                regular[Season.of_game_id(r.game_id)].append(r)
            pair = (min(r.home_team_id, r.away_team_id), max(r.home_team_id, r.away_team_id))
            meetings[pair].append((r.date, r.season_type, abs(r.home_score - r.away_score)))
        self._regular = dict(regular)
        self._series = dict(series)
        self._tables: dict[Season, _SeasonTable] = {}
        self._meetings = {pair: sorted(v) for pair, v in meetings.items()}
        self._meeting_dates = {pair: [m[0] for m in v] for pair, v in self._meetings.items()}
        self._ranks: dict[date, dict[int, int]] = {}
        self._final_ranks: dict[Season, dict[int, int] | None] = {}
        self._racers: dict[date, frozenset[int]] = {}
        self.games = len(by_id)

    # --- standings ------------------------------------------------------------------------

    def seasons(self) -> list[Season]:
        return sorted(self._regular)

    def _table(self, season: Season) -> _SeasonTable | None:
        if season not in self._regular:
            return None
        if season not in self._tables:
            self._tables[season] = _SeasonTable(season, self._regular[season])
        return self._tables[season]

    def _final_season_ranks(self, season: Season) -> dict[int, int] | None:
        if season not in self._final_ranks:
            table = self._table(season)
            if table is None:
                self._final_ranks[season] = None
            else:
                ranks: dict[int, int] = {}
                for conf in ("East", "West"):
                    played = [t for t in teams.conference_teams(conf, season) if t in table.final_record]
                    for i, t in enumerate(_order(played, table.final_record), start=1):
                        ranks[t] = i
                self._final_ranks[season] = ranks
        return self._final_ranks[season]

    def standings(self, day: date) -> list[StandingRow]:
        """Both conference tables as of ``day`` (games strictly before it), East first, by rank."""
        season = Season.of_date(day)
        table = self._table(season)
        record = table.before(day) if table is not None else {}
        previous = self._final_season_ranks(season.previous())
        rows: list[StandingRow] = []
        for conf in ("East", "West"):
            members = teams.conference_teams(conf, season)
            played = [t for t in members if t in record]
            ranked = {t: i for i, t in enumerate(_order(played, record), start=1)}
            for t in members:
                if t not in ranked:
                    if previous is not None and t in previous:
                        ranked[t] = previous[t]
                    else:
                        ranked[t] = (len(members) + 1) // 2
            for t in sorted(members, key=lambda t: (ranked[t], t)):
                w, lost = record.get(t, (0, 0))
                rows.append(StandingRow(t, conf, ranked[t], w, lost))
        return rows

    def conference_ranks(self, day: date) -> dict[int, int]:
        """``{team_id: conference rank 1-15}`` as of ``day``; computed once per date."""
        ranks = self._ranks.get(day)
        if ranks is None:
            ranks = {row.team_id: row.rank for row in self.standings(day)}
            self._ranks[day] = ranks
        return ranks

    # --- head to head ---------------------------------------------------------------------

    def head_to_head(self, team_a: int, team_b: int, day: date, years: int = 5) -> HeadToHead:
        """Meetings of the two teams from ``years`` before ``day`` up to the day before it.

        Regular-season and playoff games count; play-in games are neither and are left out, and so
        is the NBA Cup final (``006...``).  The Cup final is left out because (1) the NBA counts it
        as neither a regular-season nor a playoff game, and the features count exactly those two
        kinds (regular-season meetings, close ones among them, and playoff meetings); (2) the
        results hold it unevenly: the archive has the 2025-26 final but not those of 2023-24 and
        2024-25, so counting it would make the feature depend on the season rather than the
        teams.  The Cup's earlier rounds are regular-season games (``002...``) and count.
        """
        pair = (min(team_a, team_b), max(team_a, team_b))
        meetings = self._meetings.get(pair, [])
        dates = self._meeting_dates.get(pair, [])
        lo = bisect.bisect_left(dates, years_before(day, years))
        hi = bisect.bisect_left(dates, day)
        playoff = regular = close = 0
        for _, season_type, margin in meetings[lo:hi]:
            if season_type == "Playoffs":
                playoff += 1
            elif season_type == "Regular Season":
                regular += 1
                close += margin <= CLOSE_GAME_POINTS
            # "Play-In" and "NBA Cup Final": not counted (see the docstring)
        return HeadToHead(
            window_years=years, playoff_games=playoff, regular_season_games=regular, close_regular_season_games=close
        )

    # --- one game -------------------------------------------------------------------------

    def context(self, game: GameRecord, years: int = 5) -> GameContext:
        """Conferences, conference ranks as of the game date, head-to-head and the stakes context
        (:func:`stakes_context`) for one game.  Raises ``GameDataError`` when the results lack
        earlier games of a playoff game's series (the series state before it cannot be known)."""
        season = Season.of_game_id(game.game_id)
        ranks = self.conference_ranks(game.date)
        stakes = stakes_context(self, game)
        stakes_values(game.game_id, stakes)  # the series state must be the state before this game
        return GameContext(
            home_conference=teams.conference(game.home_team_id, season),
            away_conference=teams.conference(game.away_team_id, season),
            home_conference_rank=ranks[game.home_team_id],
            away_conference_rank=ranks[game.away_team_id],
            head_to_head=self.head_to_head(game.home_team_id, game.away_team_id, game.date, years),
            stakes=stakes,
        )

    def series_winners(self, game_id: str) -> dict[int, int]:
        """``{game number: winner's team id}`` of the results of playoff game ``game_id``'s series."""
        return dict(self._series.get(game_id[:9], {}))

    def seed_racers(self, day: date) -> frozenset[int]:
        """Teams in a late-season seeding race by the standings as of ``day`` (:func:`racing_teams`), once per date."""
        if day not in self._racers:
            self._racers[day] = frozenset(racing_teams(self.standings(day), Season.of_date(day).start_year))
        return self._racers[day]


def racing_teams(rows: Sequence[StandingRow], start_year: int) -> set[int]:
    """Teams of both conference tables ``rows`` (as :meth:`History.standings` gives them) in a
    late-season seeding race (:func:`~nba_predictions.features.stakes.teams_in_seed_race`)."""
    racing: set[int] = set()
    if all(season_games(start_year) - row.games > FEW_GAMES_LEFT for row in rows):
        return racing  # early in a season no team has few games left
    for conf in ("East", "West"):
        table = [(row.team_id, row.wins, row.losses) for row in rows if row.conference == conf]
        racing |= teams_in_seed_race(table, start_year)
    return racing


def stakes_context(history: History, game: GameRecord) -> StakesContext:
    """What the stakes features need for one game, from games before it
    (:mod:`nba_predictions.features.stakes`): for a playoff game, each team's wins in the series'
    earlier games; for a regular-season game, how many of its teams are in a late-season seeding
    race by the standings as of the game date."""
    if game.game_id[2] == "4":
        winners = history.series_winners(game.game_id)
        earlier = [winners[g] for g in range(1, int(game.game_id[9])) if g in winners]
        return StakesContext(
            home_series_wins=earlier.count(game.home_team_id), away_series_wins=earlier.count(game.away_team_id)
        )
    if game.game_id[2] != "2":
        return StakesContext()
    racing = history.seed_racers(game.date)
    return StakesContext(seed_race_teams=len(racing & {game.home_team_id, game.away_team_id}))


def seasons_needed(first_day: date, last_day: date, years: int = 5) -> list[Season]:
    """Seasons whose results standings and ``years`` of head-to-head need for these dates
    (including the season before ``first_day``'s, for teams that have not played yet)."""
    first = min(Season.of_date(years_before(first_day, years)), Season.of_date(first_day).previous())
    last = Season.of_date(last_day)
    return [Season(y) for y in range(first.start_year, last.start_year + 1)]


def load_history(source: ResultsSource, first_day: date, last_day: date, years: int = 5) -> History:
    """A :class:`History` from ``source.season_results`` for just the seasons these dates need.

    A season the source does not cover (``DateNotCoveredError``) is skipped with a warning: the
    history then starts later and head-to-head counts are lower bounds.
    """
    results: list[GameResult] = []
    for season in seasons_needed(first_day, last_day, years):
        try:
            season_results = source.season_results(season)
        except DateNotCoveredError as exc:
            logger.warning("history: season %s skipped (%s)", season, exc)
            continue
        results.extend(season_results)
    history = History(results)
    logger.info(
        "history: %d results from %d seasons for %s to %s", history.games, len(history.seasons()), first_day, last_day
    )
    return history
