"""A fake of the NBA's CDN on 127.0.0.1, beside the fake stats server and in its spirit.

Routes (``{url}`` is ``http://127.0.0.1:<ephemeral port>``; ``cdn_url`` = ``{url}/static/json``):

* ``{cdn_url}/staticData/scheduleLeagueV2.json`` and ``scheduleLeagueV2_1.json`` -- the recorded
  2024-25 schedule (``tests/fixtures/api/cdn/stats_scheduleleaguev2int_2024-25.json.gz``, the
  ``scheduleLeagueV2_1`` shape), served as recorded for ``_1`` and in the other variant's spelling
  for ``scheduleLeagueV2.json`` (``ifNecessary`` as a string, ``nationalBroadcasters``, no
  ``gameLabel``).  Both carry an ``ETag`` and a ``Last-Modified``; a request whose
  ``If-None-Match`` matches is answered ``304`` with no body (counted in ``not_modified``).
* ``{cdn_url}/liveData/playbyplay/playbyplay_<id>.json`` and ``.../boxscore/boxscore_<id>.json``
  -- the recorded real feed where there is one (three 2024-25 play-by-plays, two box scores),
  otherwise one built from the offline archive's facts in the recorded shape (only what the
  archive knows is filled in: teams, scores, periods, scoring plays, lead changes, times tied,
  attendance; everything else null or empty).  Like the real CDN, a liveData request without the
  nba.com ``Referer`` is answered 403.
* ``{cdn_url}/liveData/scoreboard/todaysScoreboard_00.json`` -- once a test calls
  :meth:`FakeCdn.show_scoreboard`, the scoreboard of one 2024-25 date (its games from the recorded
  schedule, in the recorded ``todaysScoreboard_00`` shape), whose games turn final one by one as the
  test decides, by the scoreboard request's number (``final_at``: game id -> the first request
  that shows it final; a game not named stays in progress); a benchmark may decide by time instead
  (``final_when``).  The body changes only when a game turns final; it carries an ``ETag`` and a
  ``Last-Modified``, and a request whose ``If-None-Match`` matches is answered ``304`` (counted in
  ``not_modified``, like the schedule's).  ``final_served[game_id]`` is when (``time.monotonic``)
  and ``final_request[game_id]`` at which scoreboard request a game was first shown final.

Faults are the stats server's (decided by request count, never by time), on the endpoints
``schedule``, ``schedule_1``, ``scoreboard``, ``playbyplay`` and ``boxscore`` (match ``gameId=...``), plus
``403`` and ``not_final`` (a play-by-play cut two thirds through its actions, without its ``game
end``; a box score with ``gameStatus`` 2).
"""

from __future__ import annotations

import copy
import functools
import gzip
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nba_predictions.core.domain import GameRecord
from tests.fakeserver.payloads import FIXTURES, _nulled, _period_scores, load_json, scoring_actions
from tests.fakeserver.server import FAULT_KINDS, FakeStatsServer

CDN_FIXTURES = FIXTURES / "cdn"
SCHEDULE_FILE = "stats_scheduleleaguev2int_2024-25.json.gz"
PREFIX = "/static/json/"
ROUTES = {
    "staticData/scheduleLeagueV2.json": "schedule",
    "staticData/scheduleLeagueV2_1.json": "schedule_1",
    "liveData/scoreboard/todaysScoreboard_00.json": "scoreboard",
}
SCOREBOARD_TEMPLATE = "todaysScoreboard_00_2023-04-20.json"  # its final game's entry is the shape
LAST_MODIFIED = "Wed, 27 Aug 2025 13:13:27 GMT"  # the recording's meta.time


@functools.cache
def schedule_bodies(root: Path = CDN_FIXTURES) -> dict[str, bytes]:
    """The recorded schedule as served under each name (read once per test session)."""
    with gzip.open(root / SCHEDULE_FILE, "rb") as f:
        recorded = f.read()
    other = json.loads(recorded)
    for day in other["leagueSchedule"]["gameDates"]:
        for game in day["games"]:
            game["ifNecessary"] = "true" if game.get("ifNecessary") else "false"
            game.pop("gameLabel", None)
            game.pop("gameSubLabel", None)
            broadcasters = game.get("broadcasters") or {}
            if "nationalTvBroadcasters" in broadcasters:
                broadcasters["nationalBroadcasters"] = broadcasters.pop("nationalTvBroadcasters")
    return {"schedule": json.dumps(other).encode("utf-8"), "schedule_1": recorded}


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class FakeCdn(FakeStatsServer):
    """``with FakeCdn(archive) as cdn: ... cdn.cdn_url ...``"""

    fault_kinds = (*FAULT_KINDS, "403", "not_final")

    def __init__(self, facts: Any = None, **kwargs: Any) -> None:
        super().__init__(facts, **kwargs)
        self.not_modified = 0
        self.schedules: dict[str, bytes] = dict(schedule_bodies())  # a test may replace one
        self._pbp_template = load_json(CDN_FIXTURES / "playbyplay_0022400500.json")["game"]["actions"][0]
        self._box_template = load_json(CDN_FIXTURES / "boxscore_0042200123.json")
        self.scoreboard: FakeScoreboard | None = None
        self.final_served: dict[str, float] = {}
        self.final_request: dict[str, int] = {}

    def show_scoreboard(
        self,
        day: date,
        final_at: Mapping[str, int] | None = None,
        final_when: Callable[[str, int], bool] | None = None,
    ) -> list[str]:
        """Serve ``day``'s scoreboard from now on (see the module doc); returns its game ids in order."""
        self.scoreboard = FakeScoreboard(day, final_at or {}, final_when)
        return [g["gameId"] for g in self.scoreboard.entries]

    @property
    def cdn_url(self) -> str:
        return f"{self.url}/static/json"

    # -- request handling ----------------------------------------------------------------------

    def _route(self, path: str) -> tuple[str, dict[str, str]]:
        rest = path[len(PREFIX) :] if path.startswith(PREFIX) else path
        if rest in ROUTES:
            return ROUTES[rest], {}
        for kind in ("playbyplay", "boxscore"):
            head = f"liveData/{kind}/{kind}_"
            if rest.startswith(head) and rest.endswith(".json"):
                return kind, {"gameId": rest[len(head) : -len(".json")]}
        return path, {}

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        endpoint, params = self._route(urlsplit(request.path).path)
        with self._lock:
            self.counts[endpoint] += 1
            self.log.append((endpoint, params))
            self.timings.append((endpoint, 0.0, None))
        referer = request.headers.get("Referer") or ""
        if endpoint in ("playbyplay", "boxscore", "scoreboard") and not referer.startswith("https://www.nba.com"):
            return self._send(request, 403, "<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD></HTML>")
        fault = self._take_fault(endpoint, params)
        if fault is not None and fault.kind == "hang":
            with self._lock:
                self.hung += 1
            return self._hold_until_client_leaves(request)
        if fault is not None and fault.kind in ("403", "404", "429", "500", "503"):
            return self._send(request, int(fault.kind), "<HTML><BODY>error</BODY></HTML>")
        if fault is not None and fault.kind == "replace":
            return self._send(request, 200, json.dumps(fault.payload))
        if endpoint in self.schedules:
            return self._schedule(request, endpoint, malformed=fault is not None and fault.kind == "malformed")
        if endpoint == "scoreboard":
            return self._scoreboard(request)
        payload = self.feed(
            endpoint, params.get("gameId", ""), not_final=fault is not None and fault.kind == "not_final"
        )
        if payload is None:
            return self._send(request, 404, "<HTML><BODY>Not Found</BODY></HTML>")
        body = json.dumps(payload)
        if fault is not None and fault.kind == "malformed":
            body = body[: len(body) // 2]
        return self._send(request, 200, body)

    def _scoreboard(self, request: BaseHTTPRequestHandler) -> None:
        if self.scoreboard is None:
            return self._send(request, 404, "<HTML><BODY>Not Found</BODY></HTML>")
        with self._lock:
            number = self.counts["scoreboard"]
            body, final = self.scoreboard.body(number)
            for game_id in final:
                self.final_served.setdefault(game_id, time.monotonic())
                self.final_request.setdefault(game_id, number)
        return self._send_conditional(request, body)

    def _schedule(self, request: BaseHTTPRequestHandler, endpoint: str, *, malformed: bool) -> None:
        body = self.schedules[endpoint]
        if malformed:
            body = body[: len(body) // 2]
        return self._send_conditional(request, body)

    def _send_conditional(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        tag = etag(body)
        if request.headers.get("If-None-Match") == tag:
            with self._lock:
                self.not_modified += 1
            request.send_response(304)
            request.send_header("ETag", tag)
            request.send_header("Last-Modified", LAST_MODIFIED)
            request.end_headers()
            return None
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.send_header("ETag", tag)
        request.send_header("Last-Modified", LAST_MODIFIED)
        request.end_headers()
        request.wfile.write(body)
        return None

    # -- feeds ---------------------------------------------------------------------------------

    def feed(self, endpoint: str, game_id: str, *, not_final: bool = False) -> Any:
        """The play-by-play or box score the server answers for ``game_id`` (None: unknown game)."""
        recorded = CDN_FIXTURES / f"{endpoint}_{game_id}.json"
        if recorded.exists():
            payload = load_json(recorded)
        else:
            game = self.builder.facts.game(game_id) if self.builder.facts else None
            if game is None:
                return None
            timeline = self.builder._timeline(game)
            if timeline is None:
                return None
            payload = (
                self._play_by_play(game, timeline) if endpoint == "playbyplay" else self._box_score(game, timeline)
            )
        if not_final:
            payload = copy.deepcopy(payload)
            if endpoint == "playbyplay":
                actions = payload["game"]["actions"]
                payload["game"]["actions"] = actions[: len(actions) * 2 // 3]
            else:
                payload["game"].update(gameStatus=2, gameStatusText="Q4 5:12")
        return payload

    def _play_by_play(self, game: GameRecord, timeline: Any) -> dict[str, Any]:
        rows = scoring_actions(timeline)
        last = rows[-1]
        rows.append((last[0], "PT00M00.00S", last[2], last[3], "game-end"))
        actions = []
        for number, (period, clock, home, away, kind) in enumerate(rows, start=1):
            action = _nulled(self._pbp_template)
            kind_type, _, sub = kind.partition("-")
            action.update(
                actionNumber=number,
                orderNumber=number * 10000,
                clock=clock,
                period=period,
                periodType="REGULAR" if period <= 4 else "OVERTIME",
                actionType=kind_type if sub else kind.lower().replace(" ", ""),
                subType=sub,
                qualifiers=[],
                personIdsFilter=[],
                scoreHome=home,
                scoreAway=away,
                description="",
            )
            actions.append(action)
        return {
            "meta": {
                "version": 1,
                "code": 200,
                "request": f"http://nba.cloud/games/{game.game_id}/playbyplay?Format=json",
                "time": "built by tests/fakeserver/cdn.py",
            },
            "game": {"gameId": game.game_id, "actions": actions},
        }

    def _box_score(self, game: GameRecord, timeline: Any) -> dict[str, Any]:
        payload = _nulled(self._box_template)
        by_period = _period_scores(timeline)
        payload["meta"].update(
            version=1, code=200, request=f"http://nba.cloud/games/{game.game_id}/boxscore?Format=json"
        )
        payload["game"].update(
            gameId=game.game_id,
            gameStatus=3,
            gameStatusText="Final" if timeline.periods == 4 else "Final/OT",
            regulationPeriods=4,
            period=timeline.periods,
            attendance=game.attendance,
        )
        for side, team_id, abbr, score, index in (
            ("homeTeam", game.home_team_id, game.home_team_abbreviation, game.home_team_score, 0),
            ("awayTeam", game.away_team_id, game.away_team_abbreviation, game.away_team_score, 1),
        ):
            team = payload["game"][side]
            team.update(
                teamId=team_id,
                teamTricode=abbr,
                score=score,
                periods=[
                    {"period": p + 1, "periodType": "REGULAR" if p < 4 else "OVERTIME", "score": s[index]}
                    for p, s in enumerate(by_period)
                ],
            )
            team["statistics"].update(leadChanges=game.lead_changes, timesTied=game.times_tied, points=score)
        return payload


def make_cdn_source(
    server: FakeCdn,
    cache_dir: Path,
    *,
    timeout: float = 30.0,
    retries: int = 0,
    give_up_on_timeout: bool = False,
    headers: dict[str, str] | None = None,
    today: Any = None,
) -> Any:
    """The CDN source asking ``server``, caching under ``cache_dir`` (its feeds and its HTTP cache),
    on a calendar where 2024-25 is over (``today`` 2025-08-01 unless given)."""
    from datetime import date

    from nba_predictions.sources.cache import ResponseCache
    from nba_predictions.sources.cdn import CdnSource, cdn_headers
    from nba_predictions.sources.http import HttpTransport, RetryPolicy

    transport = HttpTransport(
        timeout_seconds=timeout,
        connect_timeout_seconds=min(timeout, 1.0),
        min_interval_seconds=0.0,
        retry=RetryPolicy(retries=retries, backoff_base_seconds=0.05, backoff_cap_seconds=0.2),
        headers=cdn_headers() if headers is None else headers,
        give_up_on_timeout=give_up_on_timeout,
        conditional_cache=cache_dir / "http",
    )
    day = today or date(2025, 8, 1)
    return CdnSource(
        base_url=server.cdn_url, transport=transport, cache=ResponseCache(cache_dir / "cdn"), today=lambda: day
    )


@functools.cache
def _schedule_entries() -> dict[date, tuple[dict[str, Any], ...]]:
    """The recorded 2024-25 schedule's games by date (parsed once per test session)."""
    by_day: dict[date, list[dict[str, Any]]] = {}
    for group in json.loads(schedule_bodies()["schedule_1"])["leagueSchedule"]["gameDates"]:
        for game in group["games"]:
            by_day.setdefault(date.fromisoformat(str(game["gameDateEst"])[:10]), []).append(game)
    return {day: tuple(sorted(games, key=lambda g: g["gameId"])) for day, games in by_day.items()}


class FakeScoreboard:
    """One date's ``todaysScoreboard_00``: which games are final at the n-th request, and its body."""

    def __init__(self, day: date, final_at: Mapping[str, int], final_when: Callable[[str, int], bool] | None) -> None:
        self.day = day
        self.entries = list(_schedule_entries()[day])
        unknown = set(final_at) - {g["gameId"] for g in self.entries}
        if unknown:
            raise ValueError(f"not games of {day}: {sorted(unknown)}")
        self.final_at = dict(final_at)
        self.final_when = final_when
        self._template = load_json(CDN_FIXTURES / SCOREBOARD_TEMPLATE)

    def is_final(self, game_id: str, number: int) -> bool:
        if self.final_when is not None:
            return self.final_when(game_id, number)
        return game_id in self.final_at and number >= self.final_at[game_id]

    def body(self, number: int) -> tuple[bytes, list[str]]:
        """The scoreboard as the ``number``-th request sees it, and its final games."""
        final = [g["gameId"] for g in self.entries if self.is_final(g["gameId"], number)]
        template = self._template["scoreboard"]["games"][-1]  # the recording's final game
        games = [self._game(template, entry, entry["gameId"] in final) for entry in self.entries]
        payload = {
            "meta": dict(self._template["meta"], time="built by tests/fakeserver/cdn.py"),
            "scoreboard": {
                "gameDate": self.day.isoformat(),
                "leagueId": "00",
                "leagueName": "National Basketball Association",
                "games": games,
            },
        }
        return json.dumps(payload).encode("utf-8"), final

    @staticmethod
    def _game(template: dict[str, Any], entry: dict[str, Any], final: bool) -> dict[str, Any]:
        game = copy.deepcopy(template)
        game.update(
            gameId=entry["gameId"],
            gameCode=entry.get("gameCode", ""),
            gameStatus=3 if final else 2,
            gameStatusText="Final" if final else "Q3 5:00",
            period=4 if final else 3,
            gameClock="" if final else "PT05M00.00S",
            gameEt=entry.get("gameDateTimeEst", ""),
            gameTimeUTC=entry.get("gameDateTimeUTC", ""),
            ifNecessary=bool(entry.get("ifNecessary") is True),
        )
        for side in ("homeTeam", "awayTeam"):
            recorded = entry[side]
            team = game[side]
            team.update(
                teamId=recorded["teamId"],
                teamName=recorded.get("teamName", ""),
                teamCity=recorded.get("teamCity", ""),
                teamTricode=recorded["teamTricode"],
                score=recorded["score"] if final else 0,
                periods=[],
            )
        game["gameLeaders"] = None
        return game
