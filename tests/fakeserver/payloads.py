"""Responses for the fake stats server: recorded ones, and same-shape ones built from facts.

Recorded real responses (``tests/fixtures/api``) are served as stored for the requests they
answer.  For any other date, game or season a response of the same shape is built from a
:class:`~nba_predictions.sources.base.Source` (the offline archive in the tests): only the facts
that source knows are filled in (teams, scores, per-period scores, scoring plays, lead changes,
times tied, attendance); fields it cannot know (player names, shot charts, box-score stats) are
``null``, never invented.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from nba_predictions.core.domain import GameRecord, GameResult, ScoreTimeline, game_length_seconds
from nba_predictions.core.season import Season
from nba_predictions.errors import PipelineError
from nba_predictions.features.game import score_at
from nba_predictions.sources.base import Source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "api"

_RECORDED = [
    # (endpoint, file-name pattern, key built from the match)
    ("scoreboardv3", re.compile(r"^stats_scoreboardv3_(\d{4}-\d{2}-\d{2})(?:_no_games)?\.json(?:\.gz)?$")),
    ("playbyplayv3", re.compile(r"^stats_playbyplayv3_(\d{10})\.json(?:\.gz)?$")),
    (
        "leaguegamelog",
        re.compile(r"^stats_leaguegamelog_team_(\d{4}-\d{2})_(regular_season|playoffs|playin)\.json(?:\.gz)?$"),
    ),
    ("cdn:playbyplay", re.compile(r"^live_playbyplay_(\d{10})\.json(?:\.gz)?$")),
]
_SEASON_TYPE_SLUG = {"Regular Season": "regular_season", "Playoffs": "playoffs", "PlayIn": "playin"}
_LOG_TYPE_DIGIT = {"Regular Season": "2", "PlayIn": "5", "Playoffs": "4"}


def load_json(path: Path) -> Any:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def recorded_index(root: Path = FIXTURES) -> dict[tuple[str, str], Path]:
    """``(endpoint, key) -> file`` for every recorded response the server can replay."""
    index: dict[tuple[str, str], Path] = {}
    for path in sorted(root.glob("*/*.json*")):
        for endpoint, pattern in _RECORDED:
            match = pattern.match(path.name)
            if match:
                key = "|".join(match.groups())
                index[(endpoint, key)] = path
    return index


def recorded_key(endpoint: str, params: dict[str, str]) -> str | None:
    if endpoint == "scoreboardv3":
        return params.get("GameDate")
    if endpoint == "playbyplayv3":
        return params.get("GameID")
    if endpoint == "leaguegamelog":
        slug = _SEASON_TYPE_SLUG.get(params.get("SeasonType", ""))
        return f"{params.get('Season')}|{slug}" if slug else None
    if endpoint == "cdn:playbyplay":
        return params.get("gameId")
    return None


def _nulled(value: Any) -> Any:
    """The same structure with every leaf value set to None (the template's shape, no facts)."""
    if isinstance(value, dict):
        return {k: _nulled(v) for k, v in value.items()}
    if isinstance(value, list):
        return []
    return None


def _clock(seconds_left: float) -> str:
    minutes, seconds = divmod(round(seconds_left, 2), 60)
    return f"PT{int(minutes):02d}M{seconds:05.2f}S"


def _period_of(t: float, periods: int) -> tuple[int, float]:
    """(period, seconds left in it) of elapsed game-clock time ``t``."""
    for period in range(1, periods + 1):
        end = game_length_seconds(period) if period > 4 else 720 * period
        if t <= end + 1e-9:
            return period, end - t
    raise ValueError(f"time {t} is past the end of a {periods}-period game")


def _period_ends(periods: int) -> list[int]:
    return [720 * p if p <= 4 else game_length_seconds(p) for p in range(1, periods + 1)]


def _period_scores(timeline: ScoreTimeline) -> list[tuple[int, int]]:
    """Points scored by (home, away) in each period."""
    out, last = [], (0, 0)
    for end in _period_ends(timeline.periods):
        now = score_at(timeline, end)
        out.append((now[0] - last[0], now[1] - last[1]))
        last = now
    return out


def scoring_actions(timeline: ScoreTimeline) -> list[tuple[int, str, str, str, str]]:
    """(period, clock, score_home, score_away, kind) for period starts/ends and scoring plays."""
    rows: list[tuple[int, str, str, str, str]] = []
    events = list(timeline.events)
    i = 0
    last = (0, 0)
    for period, end in enumerate(_period_ends(timeline.periods), start=1):
        length = 720 if period <= 4 else 300
        rows.append((period, _clock(length), "0" if period == 1 else "", "0" if period == 1 else "", "period-start"))
        while i < len(events) and events[i][0] <= end + 1e-9:
            t, home, away = events[i]
            _, left = _period_of(t, timeline.periods)
            points = (home - last[0]) + (away - last[1])
            rows.append((period, _clock(left), str(home), str(away), "Free Throw" if points == 1 else "Made Shot"))
            last = (home, away)
            i += 1
        rows.append((period, _clock(0), str(last[0]), str(last[1]), "period-end"))
    return rows


class Facts:
    """What the builders need, read through any :class:`Source` and memoised (thread-safe)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._lock = threading.Lock()
        self._days: dict[date, list[GameRecord]] = {}
        self._seasons: dict[Season, Sequence[GameResult]] = {}
        self._timelines: dict[str, ScoreTimeline] = {}
        self._by_id: dict[str, GameRecord | None] = {}

    def games_on(self, day: date) -> list[GameRecord]:
        with self._lock:
            if day not in self._days:
                try:
                    self._days[day] = list(self.source.completed_games(day))
                except PipelineError:
                    self._days[day] = []
            return self._days[day]

    def season(self, season: Season) -> Sequence[GameResult]:
        with self._lock:
            if season not in self._seasons:
                self._seasons[season] = self.source.season_results(season)
            return self._seasons[season]

    def game(self, game_id: str) -> GameRecord | None:
        """The game's record: one query through the archive's bulk accessor when it has one."""
        bulk = getattr(self.source, "season_games", None)
        if callable(bulk):
            with self._lock:
                if game_id not in self._by_id:
                    for record in bulk(Season.of_game_id(game_id)):
                        self._by_id[record.game_id] = record
                    self._by_id.setdefault(game_id, None)
                return self._by_id[game_id]
        result = next((r for r in self.season(Season.of_game_id(game_id)) if r.game_id == game_id), None)
        if result is None:
            return None
        return next((g for g in self.games_on(result.date) if g.game_id == game_id), None)

    def timeline(self, game: GameRecord) -> ScoreTimeline:
        with self._lock:
            if game.game_id not in self._timelines:
                self._timelines[game.game_id] = self.source.score_timeline(game)
            return self._timelines[game.game_id]


class Builder:
    """Builds ScoreboardV3, PlayByPlayV3, BoxScoreSummaryV3, LeagueGameLog and CDN play-by-play
    responses from facts, shaped after the recorded responses."""

    def __init__(self, facts: Facts | None, root: Path = FIXTURES) -> None:
        self.facts = facts
        board = load_json(root / "nba_api" / "stats_scoreboardv3_2025-11-05.json")
        self._board_game = board["scoreboard"]["games"][0]
        pbp = load_json(root / "nba_api" / "stats_playbyplayv3_0022400001.json.gz")
        self._pbp_action = pbp["game"]["actions"][0]
        log = load_json(root / "nba_api" / "stats_leaguegamelog_team_2025-26_regular_season.json.gz")
        self._log_template = log
        live = load_json(root / "pbpstats" / "live_playbyplay_0022000001.json.gz")
        self._live_action = live["game"]["actions"][0]

    # -- helpers -------------------------------------------------------------------------------

    def _need_facts(self) -> Facts:
        if self.facts is None:
            raise LookupError("no facts source: only recorded responses can be served")
        return self.facts

    def _timeline(self, game: GameRecord) -> ScoreTimeline | None:
        try:
            return self._need_facts().timeline(game)
        except PipelineError:
            return None

    @staticmethod
    def _meta(request: str) -> dict[str, Any]:
        return {"version": 1, "request": request, "time": "built by tests/fakeserver from the offline archive"}

    # -- ScoreboardV3 --------------------------------------------------------------------------

    def scoreboard(self, day: date, *, empty: bool = False) -> dict[str, Any]:
        games = [] if empty else [self._board_entry(g) for g in self._need_facts().games_on(day)]
        return {
            "meta": self._meta(f"http://nba.cloud/league/00/{day:%Y/%m/%d}/scoreboard?Format=json"),
            "scoreboard": {
                "gameDate": day.isoformat(),
                "leagueId": "00",
                "leagueName": "National Basketball Association",
                "games": games,
            },
        }

    def _board_entry(self, game: GameRecord) -> dict[str, Any]:
        entry = _nulled(self._board_game)
        timeline = self._timeline(game)
        periods = timeline.periods if timeline else 4
        by_period = _period_scores(timeline) if timeline else []
        entry.update(
            gameId=game.game_id,
            gameCode=f"{game.date:%Y%m%d}/{game.away_team_abbreviation}{game.home_team_abbreviation}",
            gameStatus=3,
            gameStatusText="Final" if periods == 4 else f"Final/OT{periods - 4 if periods > 5 else ''}",
            period=periods,
            gameClock="",
            regulationPeriods=4,
            isNeutral=False,
        )
        for side, team_id, abbr, score, index in (
            ("homeTeam", game.home_team_id, game.home_team_abbreviation, game.home_team_score, 0),
            ("awayTeam", game.away_team_id, game.away_team_abbreviation, game.away_team_score, 1),
        ):
            team = _nulled(self._board_game[side])
            wins, losses = self._record(team_id, game)
            team.update(
                teamId=team_id,
                teamTricode=abbr,
                score=score,
                wins=wins,
                losses=losses,
                periods=[
                    {"period": p + 1, "periodType": "REGULAR" if p < 4 else "OVERTIME", "score": scores[index]}
                    for p, scores in enumerate(by_period)
                ],
            )
            entry[side] = team
        return entry

    def _record(self, team_id: int, game: GameRecord) -> tuple[int | None, int | None]:
        """The team's regular-season wins and losses through ``game``'s date (that game included),
        as a real scoreboard shows them; None for a game of another season type."""
        if game.game_id[2] != "2":
            return None, None
        wins = losses = 0
        for result in self._need_facts().season(Season.of_game_id(game.game_id)):
            if result.season_type != "Regular Season" or result.date > game.date:
                continue
            if team_id in (result.home_team_id, result.away_team_id):
                won = (result.home_score > result.away_score) == (team_id == result.home_team_id)
                wins, losses = wins + won, losses + (not won)
        return wins, losses

    # -- PlayByPlayV3 and CDN play-by-play -----------------------------------------------------

    def _actions(self, timeline: ScoreTimeline) -> list[tuple[int, str, str, str, str]]:
        return scoring_actions(timeline)

    def play_by_play(self, game_id: str, *, empty: bool = False) -> dict[str, Any] | None:
        game = self._need_facts().game(game_id)
        if game is None:
            return None
        timeline = self._timeline(game)
        if timeline is None:
            return None
        actions = []
        for number, (period, clock, home, away, kind) in enumerate([] if empty else self._actions(timeline), start=1):
            action = _nulled(self._pbp_action)
            action.update(
                actionNumber=number,
                actionId=number,
                clock=clock,
                period=period,
                scoreHome=home,
                scoreAway=away,
                actionType="period" if kind.startswith("period") else kind,
                subType=kind.removeprefix("period-") if kind.startswith("period") else "",
                description="",
                teamTricode="",
                playerName="",
                location="",
            )
            actions.append(action)
        return {
            "meta": self._meta(f"http://nba.cloud/games/{game_id}/playbyplay?Format=json"),
            "game": {"gameId": game_id, "videoAvailable": 0, "actions": actions},
        }

    def cdn_play_by_play(self, game_id: str, *, empty: bool = False) -> dict[str, Any] | None:
        game = self._need_facts().game(game_id)
        timeline = self._timeline(game) if game else None
        if timeline is None:
            return None
        actions = []
        for number, (period, clock, home, away, kind) in enumerate([] if empty else self._actions(timeline), start=1):
            action = _nulled(self._live_action)
            action.update(
                actionNumber=number,
                orderNumber=number * 10000,
                clock=clock,
                period=period,
                periodType="REGULAR" if period <= 4 else "OVERTIME",
                scoreHome=home,
                scoreAway=away,
                actionType="period" if kind.startswith("period") else kind.lower().replace(" ", ""),
                subType=kind.removeprefix("period-") if kind.startswith("period") else "",
                qualifiers=[],
                personIdsFilter=[],
                description="",
            )
            actions.append(action)
        return {
            "meta": {
                "version": 1,
                "code": 200,
                "request": f"http://nba.cloud/games/{game_id}/playbyplay?Format=json",
                "time": "built by tests/fakeserver",
            },
            "game": {"gameId": game_id, "actions": actions},
        }

    # -- BoxScoreSummaryV3 ---------------------------------------------------------------------

    def summary(self, game_id: str, *, empty: bool = False) -> dict[str, Any] | None:
        """BoxScoreSummaryV3 built from the game's facts; lead changes and times tied are the
        archive record's (official counts where the archive has them)."""
        game = self._need_facts().game(game_id)
        if game is None:
            return None
        timeline = self._timeline(game)
        by_period = _period_scores(timeline) if timeline else []
        if empty:
            return {
                "meta": self._meta(f"http://nba.cloud/games/{game_id}/boxscoresummary?Format=json"),
                "boxScoreSummary": {},
            }

        def team(team_id: int, abbr: str, score: int, index: int) -> dict[str, Any]:
            return {
                "teamId": team_id,
                "teamCity": None,
                "teamName": None,
                "teamTricode": abbr,
                "teamSlug": None,
                "teamWins": None,
                "teamLosses": None,
                "score": score,
                "periods": [
                    {"period": p + 1, "periodType": "REGULAR" if p < 4 else "OVERTIME", "score": s[index]}
                    for p, s in enumerate(by_period)
                ],
                "players": [],
                "inactives": [],
            }

        def chart(team_id: int, abbr: str, score: int) -> dict[str, Any]:
            return {
                "teamId": team_id,
                "teamCity": None,
                "teamName": None,
                "teamTricode": abbr,
                "statistics": {"points": score, "leadChanges": game.lead_changes, "timesTied": game.times_tied},
            }

        periods = timeline.periods if timeline else 4
        return {
            "meta": self._meta(f"http://nba.cloud/games/{game_id}/boxscoresummary?Format=json"),
            "boxScoreSummary": {
                "gameId": game_id,
                "gameCode": f"{game.date:%Y%m%d}/{game.away_team_abbreviation}{game.home_team_abbreviation}",
                "gameStatus": 3,
                "gameStatusText": "Final",
                "period": periods,
                "gameClock": "",
                "gameTimeUTC": None,
                "gameEt": f"{game.date.isoformat()}T00:00:00Z",
                "awayTeamId": game.away_team_id,
                "homeTeamId": game.home_team_id,
                "duration": None,
                "attendance": game.attendance,
                "sellout": None,
                "arena": {},
                "officials": [],
                "homeTeam": team(game.home_team_id, game.home_team_abbreviation, game.home_team_score, 0),
                "awayTeam": team(game.away_team_id, game.away_team_abbreviation, game.away_team_score, 1),
                "lastFiveMeetings": {"meetings": []},
                "postgameCharts": {
                    "homeTeam": chart(game.home_team_id, game.home_team_abbreviation, game.home_team_score),
                    "awayTeam": chart(game.away_team_id, game.away_team_abbreviation, game.away_team_score),
                },
            },
        }

    # -- LeagueGameLog -------------------------------------------------------------------------

    def game_log(
        self, season: Season, season_type: str, *, empty: bool = False, before: date | None = None
    ) -> dict[str, Any] | None:
        digit = _LOG_TYPE_DIGIT.get(season_type)
        if digit is None:
            return None
        template = self._log_template["resultSets"][0]
        headers = list(template["headers"])
        rows: list[list[Any]] = []
        if not empty:
            abbreviations = self._abbreviations(season)
            for result in self._need_facts().season(season):
                if result.game_id[2] != digit or (before is not None and result.date >= before):
                    continue
                home_abbr = abbreviations.get(result.home_team_id, "")
                away_abbr = abbreviations.get(result.away_team_id, "")
                for team_id, abbr, opponent, pts, opp_pts, at_home in (
                    (result.home_team_id, home_abbr, away_abbr, result.home_score, result.away_score, True),
                    (result.away_team_id, away_abbr, home_abbr, result.away_score, result.home_score, False),
                ):
                    row: dict[str, Any] = dict.fromkeys(headers)
                    row.update(
                        SEASON_ID=f"{digit}{season.start_year}",
                        TEAM_ID=team_id,
                        TEAM_ABBREVIATION=abbr,
                        GAME_ID=result.game_id,
                        GAME_DATE=result.date.isoformat(),
                        MATCHUP=f"{abbr} vs. {opponent}" if at_home else f"{abbr} @ {opponent}",
                        WL="W" if pts > opp_pts else "L",
                        PTS=pts,
                        PLUS_MINUS=pts - opp_pts,
                    )
                    rows.append([row[h] for h in headers])
        return {
            "resource": "leaguegamelog",
            "parameters": {
                "LeagueID": "00",
                "Season": str(season),
                "SeasonType": season_type,
                "PlayerOrTeam": "T",
                "Counter": 0,
                "Sorter": "DATE",
                "Direction": "ASC",
                "DateFrom": None,
                "DateTo": None,
            },
            "resultSets": [{"name": "LeagueGameLog", "headers": headers, "rowSet": rows}],
        }

    def _abbreviations(self, season: Season) -> dict[int, str]:
        """Team id -> abbreviation in ``season``, from the package's team table."""
        from nba_predictions.core import teams

        ids = {r.home_team_id for r in self._need_facts().season(season)}
        ids |= {r.away_team_id for r in self._need_facts().season(season)}
        return {team_id: teams.abbreviation(team_id, season) for team_id in ids}


def empty_like(payload: Any) -> Any:
    """A recorded response with its result sets emptied (the "empty result sets" fault)."""
    out = copy.deepcopy(payload)
    if isinstance(out, dict):
        if "resultSets" in out:
            for result_set in out["resultSets"]:
                result_set["rowSet"] = []
        if "scoreboard" in out:
            out["scoreboard"]["games"] = []
        if "game" in out and isinstance(out["game"], dict):
            out["game"]["actions"] = []
    return out
