"""The live NBA stats API as a :class:`~nba_predictions.sources.base.Source`.

Endpoints (all current; the original design's ScoreboardV2, PlayByPlayV2, WinProbabilityPBP and
BoxScoreSummaryV2 are deprecated, dead or incomplete since April 2025):

* ``ScoreboardV3``       -- a date's games, their status and final scores (1 call per date);
* ``PlayByPlayV3``       -- the score timeline of one game (1 call per game); lead changes and
  times tied are counted from it with the official rule (:mod:`nba_predictions.timeline`), so no
  extra call per game is needed;
* live CDN play-by-play  -- fallback timeline when PlayByPlayV3 fails for a game (2019-20 on);
* ``BoxScoreSummaryV3``  -- lead changes, times tied and attendance of a game whose play-by-play
  cannot be had ("where needed"), so the game is still listed and only its timeline is missing;
* ``LeagueGameLog``      -- a season's results, regular season + play-in + playoffs, for standings
  and head-to-head history.

Calls for a date with N completed games: 1 scoreboard + N play-by-play, plus the current season's
game logs once a day (1 during the regular season; play-in and playoffs once it is over, the
regular-season log then kept for good) = at most N + 3; a rerun for a date whose games are final
costs nothing (everything that cannot change is cached on disk).

Who does what: :class:`~nba_predictions.sources.http.HttpTransport` sends the requests (timeouts,
spacing, retries, classification -- see its docstring for why nba_api's own HTTP layer is not used);
nba_api's endpoint classes build every request (endpoint name, parameters) and its response class
flattens every decoded response into named data sets (:func:`_data_sets`, no request involved); the ``parse_*`` functions below turn those into domain models.  API
column names appear only in the ``parse_*`` functions.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..config import EASTERN, ApiSettings
from ..domain import GameRecord, GameResult, ScoreTimeline
from ..errors import DateNotCoveredError, FatalSourceError, GameDataError, SourceError
from ..rules import RATED_SEASON_TYPES
from ..season import Season, season_type_of_game_id
from ..timeline import lead_changes_and_times_tied
from .cache import Keep, ResponseCache
from .http import HttpTransport, RetryPolicy

logger = logging.getLogger(__name__)

DEFAULT_STATS_URL = "https://stats.nba.com/stats"
DEFAULT_CDN_URL = "https://cdn.nba.com/static/json/liveData"
NETWORK_HINT = "check the network, NBA_API_PROXY and NBA_API_STATS_URL"

PROBE_DAY = date(2025, 11, 5)  # a past date with final games: its scoreboard can never change
PROBE_READ_TIMEOUT_SECONDS = 10.0  # --validate waits at most this long for the answer

FINAL_STATUS = 3  # ScoreboardV3 gameStatus: 1 scheduled, 2 in progress, 3 final
FULL_REGULAR_SEASON_GAMES = 1230  # 30 teams x 82 games / 2: the regular season is over
QUIET_DAYS = 3  # from April on, this many days without a regular-season game: it is over
POSTSEASON_TYPES = ("Play-In", "Playoffs")  # season_type_of_game_id of game ids with digit 3 = 5 or 4
FIRST_COVERED_DAY = date(1996, 11, 1)  # PlayByPlayV3 and ScoreboardV3 start with 1996-97
FIRST_CDN_SEASON = Season(2019)  # the live CDN play-by-play covers 2019-20 on
FIRST_PLAY_IN_SEASON = Season(2019)  # the 2020 bubble had the first play-in game
LOG_SEASON_TYPES = ("Regular Season", "PlayIn", "Playoffs")  # LeagueGameLog SeasonType values
DOMAIN_SEASON_TYPES = {"Regular Season": "Regular Season", "Play-In": "Play-In", "Playoffs": "Playoffs"}

_CLOCK = re.compile(r"^PT(\d+)M(\d+(?:\.\d+)?)S$")


# --------------------------------------------------------------------------------------------
# Parsers: decoded JSON in, domain values out.  nba_api flattens, these validate and convert.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreboardGame:
    """One game of a ScoreboardV3 response."""

    game_id: str
    status: int
    status_text: str
    periods: int
    home_team_id: int
    away_team_id: int
    home_team_abbreviation: str
    away_team_abbreviation: str
    home_team_score: int
    away_team_score: int

    @property
    def is_final(self) -> bool:
        return self.status == FINAL_STATUS


@dataclass(frozen=True)
class GameSummary:
    """What a BoxScoreSummaryV3 response adds to the scoreboard."""

    game_id: str
    lead_changes: int
    times_tied: int
    attendance: int | None
    home_team_score: int
    away_team_score: int


@functools.cache
def _decoded_response_class() -> type:
    """nba_api's stats response class, fed an already decoded document instead of a body."""
    from nba_api.stats.library.http import NBAStatsResponse

    class DecodedResponse(NBAStatsResponse):
        def __init__(self, payload: dict[str, Any]) -> None:
            super().__init__(response="", status_code=200, url=None)
            self._payload = payload

        def get_dict(self) -> dict[str, Any]:
            return self._payload

    return DecodedResponse


def _data_sets(endpoint: str, payload: Any, root: str) -> dict[str, list[dict[str, Any]]]:
    """nba_api's flattening of a decoded ``endpoint`` response: data set name -> rows (dicts).

    nba_api's response class does the flattening (its V3 parser for the endpoint's nested
    document, or the ``resultSets`` tables of the older endpoints), handed the decoded payload
    directly: no request object is built for it.  ``root`` is the top-level key the document must
    have -- nba_api's V3 parsers read a missing one as "no rows", which would turn a wrong document
    into a day without games or a game without actions.
    """
    if not isinstance(payload, dict):
        raise FatalSourceError(f"{endpoint}: expected a JSON object, got {type(payload).__name__}")
    if root not in payload:
        keys = ", ".join(sorted(map(str, payload))[:5]) or "none"
        raise FatalSourceError(f"{endpoint}: response has no {root!r} (top-level keys: {keys})")
    response = _decoded_response_class()(payload)
    try:
        sets = response.get_data_sets(None if root == "resultSets" else endpoint)
        return {
            str(name): [dict(zip(data["headers"], row, strict=True)) for row in data["data"] or []]
            for name, data in sets.items()
        }
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise FatalSourceError(
            f"{endpoint}: response does not have the expected shape ({type(exc).__name__}: {exc})"
        ) from None


def _rows(sets: dict[str, list[dict[str, Any]]], name: str, endpoint: str) -> list[dict[str, Any]]:
    if name not in sets:
        raise FatalSourceError(f"{endpoint}: data set {name} is missing from the response")
    return sets[name]


def _required(row: dict[str, Any], column: str, where: str) -> Any:
    value = row[column]  # a missing column is a KeyError: caught by the caller as a bad payload
    if value is None or value == "":
        raise FatalSourceError(f"{where}: {column} is missing")
    return value


def scoreboard_request(day: date) -> Any:
    from nba_api.stats.endpoints.scoreboardv3 import ScoreboardV3

    return ScoreboardV3(game_date=day.isoformat(), get_request=False)


def _endpoint_name(module: str, cls: str) -> str:
    """The endpoint name nba_api's class ``cls`` requests (its class attribute, no instance)."""
    import importlib

    return str(getattr(importlib.import_module(f"nba_api.stats.endpoints.{module}"), cls).endpoint)


def parse_scoreboard(payload: Any) -> list[ScoreboardGame]:
    """ScoreboardV3 -> games in game-id order (any status)."""
    endpoint = _endpoint_name("scoreboardv3", "ScoreboardV3")
    sets = _data_sets(endpoint, payload, "scoreboard")
    try:
        headers = _rows(sets, "GameHeader", endpoint)
        lines = _rows(sets, "LineScore", endpoint)
        by_game: dict[str, list[dict[str, Any]]] = {}
        for line in lines:
            by_game.setdefault(str(line["gameId"]), []).append(line)
        games = []
        for header in headers:
            game_id = str(_required(header, "gameId", "ScoreboardV3"))
            where = f"ScoreboardV3 game {game_id}"
            teams = by_game.get(game_id, [])
            if len(teams) != 2:
                raise FatalSourceError(f"{where}: expected 2 line-score rows, got {len(teams)}")
            home, away = teams  # nba_api lists the home team first; checked against the game code
            code = str(header["gameCode"] or "")
            expected = f"{away['teamTricode']}{home['teamTricode']}"
            if code and not code.endswith(f"/{expected}"):
                raise FatalSourceError(f"{where}: game code {code!r} does not match away/home {expected}")
            status = int(_required(header, "gameStatus", where))
            final = status == FINAL_STATUS
            games.append(
                ScoreboardGame(
                    game_id=game_id,
                    status=status,
                    status_text=str(header["gameStatusText"] or "").strip(),
                    periods=int(header["period"] or 0),
                    home_team_id=int(_required(home, "teamId", where)),
                    away_team_id=int(_required(away, "teamId", where)),
                    home_team_abbreviation=str(_required(home, "teamTricode", where)),
                    away_team_abbreviation=str(_required(away, "teamTricode", where)),
                    home_team_score=int(_required(home, "score", where)) if final else int(home["score"] or 0),
                    away_team_score=int(_required(away, "score", where)) if final else int(away["score"] or 0),
                )
            )
    except KeyError as exc:
        raise FatalSourceError(f"ScoreboardV3: column {exc} is missing from the response") from None
    return sorted(games, key=lambda g: g.game_id)


def play_by_play_request(game_id: str) -> Any:
    from nba_api.stats.endpoints.playbyplayv3 import PlayByPlayV3

    return PlayByPlayV3(game_id=game_id, get_request=False)


def _elapsed_seconds(period: int, clock: str, game_id: str) -> float:
    match = _CLOCK.match(clock or "")
    if not match:
        raise GameDataError(game_id, f"play-by-play clock {clock!r} in period {period} is not of the form PT11M38.00S")
    # Tenths of a second, as PlayByPlayV3 gives them in a period's last minute (PlayByPlayV2, the
    # source of the archive's games before 2025-26, has whole seconds only).
    left = int(match.group(1)) * 60 + float(match.group(2))
    length = 720 if period <= 4 else 300
    if period < 1 or left > length:
        raise GameDataError(game_id, f"play-by-play clock {clock!r} does not fit period {period}")
    start = (period - 1) * 720 if period <= 4 else 2880 + (period - 5) * 300
    return round(start + length - left, 1)


def timeline_from_actions(game_id: str, actions: Sequence[tuple[int, str, Any, Any]]) -> ScoreTimeline:
    """Build a timeline from ``(period, clock, score_home, score_away)`` actions in logged order.

    Actions without a score (``""``) are skipped.  A score that goes down is a correction (a basket
    taken back after review): the events it undoes are dropped.  A clock logged out of order within
    a period is clamped to the previous event's time so time never decreases.
    """
    if not actions:
        raise GameDataError(game_id, "play-by-play has no actions")
    periods = max(int(period) for period, _, _, _ in actions)
    if periods < 4:
        raise GameDataError(game_id, f"play-by-play ends in period {periods}: incomplete")
    if periods > 10:
        raise GameDataError(game_id, f"play-by-play has {periods} periods: more than 6 overtimes is not plausible")
    events: list[tuple[float, int, int]] = []
    for period, clock, score_home, score_away in actions:
        if score_home in ("", None) or score_away in ("", None):
            continue
        try:
            home, away = int(score_home), int(score_away)
        except (TypeError, ValueError):
            raise GameDataError(game_id, f"play-by-play score {score_home!r}-{score_away!r} is not a number") from None
        t = _elapsed_seconds(int(period), clock, game_id)
        last_h, last_a = (events[-1][1], events[-1][2]) if events else (0, 0)
        if (home, away) == (last_h, last_a):
            continue
        while events and (events[-1][1] > home or events[-1][2] > away):
            events.pop()  # corrected away
        if events and (events[-1][1], events[-1][2]) == (home, away):
            continue
        if (home, away) == (0, 0):
            continue
        if events and t < events[-1][0]:
            t = events[-1][0]
        events.append((t, home, away))
    try:
        return ScoreTimeline(periods=periods, events=events)
    except ValueError as exc:
        raise GameDataError(game_id, f"play-by-play gives an invalid timeline: {exc}") from None


def parse_play_by_play(payload: Any, game_id: str) -> ScoreTimeline:
    """PlayByPlayV3 -> the game's score timeline; ``GameDataError`` when missing or incomplete."""
    try:
        endpoint = _endpoint_name("playbyplayv3", "PlayByPlayV3")
        rows = _rows(_data_sets(endpoint, payload, "game"), "PlayByPlay", endpoint)
        actions = []
        for row in rows:
            if str(row["gameId"]) != game_id:
                raise GameDataError(game_id, f"PlayByPlayV3 answered for game {row['gameId']}")
            actions.append((int(row["period"]), str(row["clock"]), row["scoreHome"], row["scoreAway"]))
    except FatalSourceError as exc:
        raise GameDataError(game_id, f"PlayByPlayV3: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise GameDataError(game_id, f"PlayByPlayV3: unexpected row ({type(exc).__name__}: {exc})") from None
    return timeline_from_actions(game_id, actions)


def cdn_play_by_play_path(game_id: str) -> str:
    from nba_api.live.nba.endpoints.playbyplay import PlayByPlay

    return PlayByPlay.endpoint_url.format(game_id=game_id)


def parse_cdn_play_by_play(payload: Any, game_id: str) -> ScoreTimeline:
    """Live CDN play-by-play (``liveData/playbyplay``) -> the game's score timeline."""
    try:
        game = payload["game"]
        if str(game["gameId"]) != game_id:
            raise GameDataError(game_id, f"CDN play-by-play answered for game {game['gameId']}")
        actions = [
            (int(a["period"]), str(a["clock"]), a["scoreHome"], a["scoreAway"])
            for a in sorted(game["actions"], key=lambda a: (a.get("orderNumber") or 0, a["actionNumber"]))
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise GameDataError(game_id, f"CDN play-by-play: unexpected shape ({type(exc).__name__}: {exc})") from None
    return timeline_from_actions(game_id, actions)


def summary_request(game_id: str) -> Any:
    from nba_api.stats.endpoints.boxscoresummaryv3 import BoxScoreSummaryV3

    return BoxScoreSummaryV3(game_id=game_id, get_request=False)


def parse_box_score_summary(payload: Any, game_id: str) -> GameSummary:
    """BoxScoreSummaryV3 -> official lead changes, times tied, attendance and final score."""
    where = f"BoxScoreSummaryV3 game {game_id}"
    endpoint = _endpoint_name("boxscoresummaryv3", "BoxScoreSummaryV3")
    sets = _data_sets(endpoint, payload, "boxScoreSummary")
    try:
        info = _rows(sets, "GameInfo", endpoint)
        other = _rows(sets, "OtherStats", endpoint)
        lines = _rows(sets, "LineScore", endpoint)
        if len(other) != 2 or len(lines) != 2 or len(info) != 1:
            raise FatalSourceError(f"{where}: expected 2 team rows and 1 game row")
        if str(info[0]["gameId"]) != game_id:
            raise FatalSourceError(f"{where}: answered for game {info[0]['gameId']}")
        home, away = lines  # nba_api lists homeTeam first
        attendance = info[0]["attendance"]
        return GameSummary(
            game_id=game_id,
            lead_changes=int(_required(other[0], "leadChanges", where)),
            times_tied=int(_required(other[0], "timesTied", where)),
            attendance=int(attendance) if attendance not in (None, "") else None,
            home_team_score=int(_required(home, "score", where)),
            away_team_score=int(_required(away, "score", where)),
        )
    except KeyError as exc:
        raise FatalSourceError(f"{where}: column {exc} is missing from the response") from None


def game_log_request(season: Season, season_type: str) -> Any:
    from nba_api.stats.endpoints.leaguegamelog import LeagueGameLog

    return LeagueGameLog(
        season=str(season), season_type_all_star=season_type, player_or_team_abbreviation="T", get_request=False
    )


def parse_game_log(payload: Any) -> list[GameResult]:
    """LeagueGameLog (team mode) -> one result per game, in (date, game id) order.

    Each game has two team rows; the home team's ``MATCHUP`` reads ``"X vs. Y"``, the away team's
    ``"X @ Y"``.  A neutral-site game lists both teams with ``@``: the log does not say which is
    the designated home team, so the team whose abbreviation sorts last is taken as home, the same
    convention as the offline archive's 2025-26 results.
    """
    endpoint = _endpoint_name("leaguegamelog", "LeagueGameLog")
    sets = _data_sets(endpoint, payload, "resultSets")
    try:
        by_game: dict[str, list[dict[str, Any]]] = {}
        for row in _rows(sets, "LeagueGameLog", endpoint):
            by_game.setdefault(str(row["GAME_ID"]), []).append(row)
        results = []
        for game_id, rows in by_game.items():
            where = f"LeagueGameLog game {game_id}"
            kind = DOMAIN_SEASON_TYPES.get(season_type_of_game_id(game_id))
            if kind is None:
                logger.debug("%s: season type %s is not used for standings; skipped", where, game_id[2])
                continue
            if len(rows) != 2:
                logger.warning("%s has %d team rows instead of 2; skipped", where, len(rows))
                continue
            home_rows = [r for r in rows if " vs. " in str(r["MATCHUP"])]
            if len(home_rows) == 1:
                home = home_rows[0]
                away = rows[1] if rows[0] is home else rows[0]
            else:
                away, home = sorted(rows, key=lambda r: str(r["TEAM_ABBREVIATION"]))
            results.append(
                GameResult(
                    game_id=game_id,
                    date=date.fromisoformat(str(_required(home, "GAME_DATE", where))[:10]),
                    season_type=kind,
                    home_team_id=int(_required(home, "TEAM_ID", where)),
                    away_team_id=int(_required(away, "TEAM_ID", where)),
                    home_score=int(_required(home, "PTS", where)),
                    away_score=int(_required(away, "PTS", where)),
                )
            )
    except KeyError as exc:
        raise FatalSourceError(f"LeagueGameLog: column {exc} is missing from the response") from None
    except ValueError as exc:
        raise FatalSourceError(f"LeagueGameLog: bad value ({exc})") from None
    return sorted(results, key=lambda r: (r.date, r.game_id))


# --------------------------------------------------------------------------------------------
# The source
# --------------------------------------------------------------------------------------------


def _today_eastern() -> date:
    return datetime.now(tz=EASTERN).date()


def failure_hint(day: date | None) -> str:
    """What to try when the live API fails for ``day`` (one line).

    The offline archive is suggested only when it covers ``day``: suggesting it for a date it
    cannot answer (yesterday, most of the time) only sends the user to an error that points back
    here.  Otherwise the hint names what to check and the archive's range.
    """
    from .archive import ArchiveSource  # stdlib sqlite3 only: cheap, and only on a failure

    archive = ArchiveSource()
    try:
        first, last = archive.coverage()
        covered = day is not None and archive.covers(day)
    except SourceError as exc:  # a missing or unreadable archive must not hide the API's error
        logger.debug("no archive range for the hint: %s", exc)
        return NETWORK_HINT
    finally:
        archive.close()
    if covered:
        return f"run with --source archive to use the offline archive, which covers {day}"
    if day is None:
        return f"{NETWORK_HINT}; the offline archive (--source archive) covers {first} to {last}"
    return f"{NETWORK_HINT} (the offline archive does not cover {day}: it covers {first} to {last})"


class NbaApiSource:
    """Completed games, timelines and season results from stats.nba.com (or any server with its API).

    ``stats_url`` and ``cdn_url`` are the base URLs (``https://stats.nba.com/stats`` and
    ``https://cdn.nba.com/static/json/liveData``); tests point them at a local fake server.
    """

    name = "nba_api"

    def __init__(
        self,
        settings: ApiSettings | None = None,
        *,
        stats_url: str = DEFAULT_STATS_URL,
        cdn_url: str = DEFAULT_CDN_URL,
        transport: HttpTransport | None = None,
        cache: ResponseCache | None = None,
        today: Callable[[], date] = _today_eastern,
    ) -> None:
        settings = settings or ApiSettings()
        self.stats_url = stats_url.rstrip("/")
        self.cdn_url = cdn_url.rstrip("/")
        self.transport = transport or HttpTransport(
            timeout_seconds=settings.timeout_seconds,
            min_interval_seconds=settings.min_interval_seconds,
            retry=RetryPolicy(retries=settings.retries),
            proxy=settings.proxy,
        )
        self.cache = cache if cache is not None else ResponseCache(Path(settings.cache_dir) / "nba_api")
        self._today = today
        self._boards: dict[date, list[ScoreboardGame]] = {}
        self._timelines: dict[str, ScoreTimeline] = {}
        self._timeline_errors: dict[str, str] = {}
        self._last_day: date | None = None  # the date of the last completed_games call, for hints
        self._unusable: dict[str, str] = {}  # listed games with neither play-by-play nor summary: why
        self._seasons: dict[Season, list[GameResult]] = {}
        self._postseason_seen: set[Season] = set()  # seasons whose play-in/playoff games a scoreboard listed
        self._without_postseason: set[Season] = set()  # current-season results loaded without those logs

    @classmethod
    def from_settings(
        cls, settings: ApiSettings, *, stats_url: str | None = None, cdn_url: str | None = None
    ) -> NbaApiSource:
        """The source the CLI builds.  Base URLs: the arguments, else ``settings.stats_url`` /
        ``settings.cdn_url`` when :class:`ApiSettings` has them, else stats.nba.com and cdn.nba.com."""
        return cls(
            settings,
            stats_url=stats_url or settings.stats_url or DEFAULT_STATS_URL,
            cdn_url=cdn_url or settings.cdn_url or DEFAULT_CDN_URL,
        )

    @property
    def calls(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return self.transport.calls

    # -- fetching -------------------------------------------------------------------------

    def _fetch(self, base: str, endpoint: str, params: dict[str, Any]) -> Any:
        return self.transport.get_json(f"{base}/{endpoint}", params)

    def _cached(self, endpoint: str, params: dict[str, Any]) -> Any | None:
        return self.cache.get(endpoint, params)

    def _stats(self, request: Any) -> tuple[str, dict[str, Any], Any | None]:
        """(endpoint, parameters, cached payload or None) of an nba_api request object."""
        params = dict(request.parameters)
        return request.endpoint, params, self._cached(request.endpoint, params)

    def _with_hint(self, exc: SourceError, day: date | None = None) -> SourceError:
        """``exc`` on one line with the source's URL and what to try (for the run's target date:
        ``day``, else the last date whose games were asked for)."""
        hint = failure_hint(day or self._last_day)
        return type(exc)(f"nba_api source ({self.stats_url}): {exc}; {hint}")

    # -- checks (--validate) ----------------------------------------------------------------

    def describe(self) -> str:
        """Where the source asks: the configured stats API base URL."""
        return self.stats_url

    def probe_bound_seconds(self) -> float:
        """Upper bound on the wall time of :meth:`probe`."""
        return self.transport.worst_case_seconds(retries=0, read_timeout_seconds=self._probe_read_timeout())

    def _probe_read_timeout(self) -> float:
        return min(self.transport.read_timeout_seconds, PROBE_READ_TIMEOUT_SECONDS)

    def probe(self, day: date | None = None) -> str:
        """Ask the API once whether it answers: ScoreboardV3 of :data:`PROBE_DAY`, never from the
        cache, one attempt (no retries), within :meth:`probe_bound_seconds`.

        Returns a one-line description; raises :class:`SourceError` with the one-line hint (for
        ``day``, the run's target date) when the API cannot be reached or answers wrongly.
        """
        request = scoreboard_request(PROBE_DAY)
        started = time.monotonic()
        try:
            payload = self.transport.get_json(
                f"{self.stats_url}/{request.endpoint}", dict(request.parameters),
                retries=0, read_timeout_seconds=self._probe_read_timeout(),
            )
            games = parse_scoreboard(payload)
        except SourceError as exc:
            raise self._with_hint(exc, day) from exc
        return (f"live NBA API at {self.describe()} answered ScoreboardV3 for {PROBE_DAY} "
                f"({len(games)} games) in {time.monotonic() - started:.2f} s")

    # -- Source protocol ------------------------------------------------------------------

    def covers(self, day: date) -> bool:
        return FIRST_COVERED_DAY <= day <= self._today()

    def scoreboard(self, day: date) -> list[ScoreboardGame]:
        """Every game of ``day`` with its status (cached for good once all are final)."""
        if day in self._boards:
            return self._boards[day]
        endpoint, params, payload = self._stats(scoreboard_request(day))
        if payload is None:
            try:
                payload = self._fetch(self.stats_url, endpoint, params)
                games = parse_scoreboard(payload)
            except SourceError as exc:
                raise self._with_hint(exc, day) from exc
            if games and all(g.is_final for g in games):
                self.cache.put(endpoint, params, payload, Keep.FOREVER)
        else:
            games = parse_scoreboard(payload)
        self._note_postseason(games)
        self._boards[day] = games
        return games

    def completed_games(self, day: date) -> list[GameRecord]:
        if not self.covers(day):
            raise DateNotCoveredError(
                f"nba_api source: {day} is outside {FIRST_COVERED_DAY}..{self._today()} (no completed games can be listed)"
            )
        self._last_day = day
        games = self.scoreboard(day)
        final = [g for g in games if g.is_final]
        if len(final) < len(games):
            logger.info("%s: %d of %d games are not final yet; listing the final ones", day, len(games) - len(final), len(games))
        rated = [g for g in final if season_type_of_game_id(g.game_id) in RATED_SEASON_TYPES]
        if len(rated) < len(final):
            logger.info("%s: %d preseason or All-Star game(s) are not rated (not listed)", day, len(final) - len(rated))
        return [self._record(day, game) for game in rated]

    def _record(self, day: date, game: ScoreboardGame) -> GameRecord:
        """The game as the ``Source`` protocol lists it -- every final game of the scoreboard.

        Lead changes and times tied come from the play-by-play, else from BoxScoreSummaryV3.  A
        game with neither is still listed, from the scoreboard alone (teams, final score), so the
        run counts it as found and reports it as failed (exit 1) instead of losing it silently:
        its :meth:`score_timeline` raises ``GameDataError`` saying why, and the collection step
        skips and reports every game whose timeline raises.
        """
        attendance = None
        try:
            timeline = self._timeline(game.game_id, game.home_team_score, game.away_team_score)
            lead_changes, times_tied = lead_changes_and_times_tied(timeline)
        except GameDataError as exc:
            logger.warning("%s; taking lead changes and times tied from BoxScoreSummaryV3", exc)
            try:
                summary = self._summary(game.game_id)
            except (SourceError, GameDataError) as summary_exc:
                reason = (
                    f"{str(exc).removeprefix(f'game {game.game_id}: ')}, and no BoxScoreSummaryV3 "
                    f"({str(summary_exc).removeprefix(f'game {game.game_id}: ')}): "
                    "lead changes and times tied cannot be known"
                )
                logger.warning("game %s: %s; listed so that it is reported as failed", game.game_id, reason)
                self._unusable[game.game_id] = reason
                # Unknown, not zero.  GameRecord requires ints >= 0, and 0 is acceptable only
                # because this record never reaches a document: score_timeline() raises for it
                # (see _unusable), so the collection step skips it and reports it as failed.
                lead_changes, times_tied = 0, 0
            else:
                lead_changes, times_tied, attendance = summary.lead_changes, summary.times_tied, summary.attendance
        season_type = season_type_of_game_id(game.game_id)
        return GameRecord(
            game_id=game.game_id,
            date=day,
            home_team_id=game.home_team_id,
            away_team_id=game.away_team_id,
            home_team_abbreviation=game.home_team_abbreviation,
            away_team_abbreviation=game.away_team_abbreviation,
            season_id=Season.of_game_id(game.game_id).season_id(season_type),
            home_team_score=game.home_team_score,
            away_team_score=game.away_team_score,
            lead_changes=lead_changes,
            times_tied=times_tied,
            game_status="Final",
            attendance=attendance,
        )

    def score_timeline(self, game: GameRecord) -> ScoreTimeline:
        if game.game_id in self._unusable:
            raise GameDataError(game.game_id, self._unusable[game.game_id])
        return self._timeline(game.game_id, game.home_team_score, game.away_team_score)

    def _timeline(self, game_id: str, home_score: int, away_score: int) -> ScoreTimeline:
        """PlayByPlayV3, else the CDN play-by-play; kept for good once it matches the final score."""
        if game_id in self._timelines:
            return self._timelines[game_id]
        if game_id in self._timeline_errors:
            raise GameDataError(game_id, self._timeline_errors[game_id])
        problems = []
        attempts: list[tuple[str, Callable[[], tuple[str, str, dict[str, Any]]], Callable[[Any, str], ScoreTimeline]]] = [
            ("PlayByPlayV3", lambda: self._stats_target(play_by_play_request(game_id)), parse_play_by_play),
        ]
        if Season.of_game_id(game_id) >= FIRST_CDN_SEASON:
            attempts.append(("CDN play-by-play", lambda: (self.cdn_url, cdn_play_by_play_path(game_id), {}), parse_cdn_play_by_play))
        for label, target, parse in attempts:
            base, endpoint, params = target()
            payload = self.cache.get(endpoint, params)
            from_cache = payload is not None
            try:
                if payload is None:
                    payload = self._fetch(base, endpoint, params)
                timeline = parse(payload, game_id)
                if timeline.final_score != (home_score, away_score):
                    raise GameDataError(
                        game_id,
                        f"{label} ends {timeline.final_score[0]}-{timeline.final_score[1]}, "
                        f"the final score is {home_score}-{away_score}: play-by-play incomplete",
                    )
            except (SourceError, GameDataError) as exc:
                text = str(exc).removeprefix(f"game {game_id}: ")
                problems.append(f"{label}: {text}" if not text.startswith(label) else text)
                logger.warning("game %s: %s", game_id, problems[-1])
                continue
            if not from_cache:
                self.cache.put(endpoint, params, payload, Keep.FOREVER)
            self._timelines[game_id] = timeline
            return timeline
        message = "no usable play-by-play (" + "; ".join(problems) + ")"
        self._timeline_errors[game_id] = message
        raise GameDataError(game_id, message)

    def _stats_target(self, request: Any) -> tuple[str, str, dict[str, Any]]:
        return self.stats_url, request.endpoint, dict(request.parameters)

    def _summary(self, game_id: str) -> GameSummary:
        endpoint, params, payload = self._stats(summary_request(game_id))
        fetched = payload is None
        if fetched:
            payload = self._fetch(self.stats_url, endpoint, params)
        summary = parse_box_score_summary(payload, game_id)
        if fetched:
            self.cache.put(endpoint, params, payload, Keep.FOREVER)
        return summary

    def season_results(self, season: Season) -> Sequence[GameResult]:
        """Regular season, play-in and playoff results of ``season`` from LeagueGameLog.

        Past seasons are kept for good.  The current season's regular-season log is fetched once a
        day; its play-in and playoff logs are requested (once a day) only once the regular season
        is over (:meth:`_regular_season_over`), since they cannot have games before -- so a daily
        run during the regular season costs one log call, and N + 3 calls in all.
        """
        if season in self._seasons:
            return self._seasons[season]
        today = self._today()
        current = Season.of_date(today)
        if season > current:
            return []
        past = season < current
        regular = self._game_log(
            season, "Regular Season", keep_for_good=lambda games: past or self._regular_season_over(season, games)
        )
        results = list(regular)
        over = past or self._regular_season_over(season, regular, today)
        for season_type in LOG_SEASON_TYPES[1:]:
            if season_type == "PlayIn" and season < FIRST_PLAY_IN_SEASON:
                continue
            if not over:
                logger.debug("%s: regular season not over (%d games); no %s log requested", season, len(regular), season_type)
                self._without_postseason.add(season)
                continue
            results.extend(self._game_log(season, season_type, keep_for_good=lambda games: past))
        results.sort(key=lambda r: (r.date, r.game_id))
        self._seasons[season] = results
        return results

    def _regular_season_over(self, season: Season, regular: Sequence[GameResult], today: date | None = None) -> bool:
        """Whether ``season``'s regular season is over, so its play-in and playoff logs can have games.

        Certain when the log holds a full 82-game schedule (1,230 games), or when a scoreboard read
        by this source lists a play-in or playoff game of the season (game id digit 3: 5 or 4) --
        which is how a shortened season (990 games in 2011-12, 1,059 in 2019-20, 1,080 in 2020-21)
        is recognised on a daily run, whose scoreboard is read before the history.  Without
        ``today`` only a certain answer counts (it decides whether the regular-season log is kept
        for good).  With it, a season also counts as over when no regular-season game has been
        played for more than ``QUIET_DAYS`` days from April of its second year on (the All-Star
        break is in February): that covers callers who load the history before reading any
        scoreboard (a backfill).  The cost of a wrong guess is two log calls.
        """
        if sum(1 for r in regular if r.season_type == "Regular Season") >= FULL_REGULAR_SEASON_GAMES:
            return True
        if season in self._postseason_seen:
            return True
        if today is None or not regular:
            return False
        last = max(r.date for r in regular)
        return today >= date(season.start_year + 1, 4, 1) and (today - last).days > QUIET_DAYS

    def _note_postseason(self, games: Sequence[ScoreboardGame]) -> None:
        """Remember the seasons whose play-in or playoffs a scoreboard shows to have started."""
        for game in games:
            if season_type_of_game_id(game.game_id) in POSTSEASON_TYPES:
                season = Season.of_game_id(game.game_id)
                self._postseason_seen.add(season)
                if season in self._without_postseason:  # loaded before it was known: load again
                    self._without_postseason.discard(season)
                    self._seasons.pop(season, None)

    def _game_log(
        self, season: Season, season_type: str, *, keep_for_good: Callable[[list[GameResult]], bool]
    ) -> list[GameResult]:
        endpoint, params, payload = self._stats(game_log_request(season, season_type))
        if payload is not None:
            return parse_game_log(payload)
        try:
            payload = self._fetch(self.stats_url, endpoint, params)
            results = parse_game_log(payload)
        except SourceError as exc:
            raise self._with_hint(exc) from exc
        final = keep_for_good(results)
        if not results:
            # An empty answer is never kept for good: it may be a glitch (stats.nba.com sometimes
            # answers with empty result sets), and it is cheap to ask again tomorrow.
            if season_type == "Regular Season":
                logger.warning("LeagueGameLog %s %s has no games", season, season_type)
            final = False
        self.cache.put(endpoint, params, payload, Keep.FOREVER if final else Keep.TODAY)
        return results
