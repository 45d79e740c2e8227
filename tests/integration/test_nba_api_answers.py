"""Answers of the live API that cannot be complete: errors, never data, never cached.

stats.nba.com sometimes answers with empty or partial result sets.  A game log that cannot be
complete (a past season short of the games it had, a current season empty or cut short, a log
that disagrees with the teams' records on the scoreboard) is an error that names the log and is
never cached; a scoreboard that lists fewer games than the season's log has on the date loses none
of them: each is reported as a failed game (exit 1).  Wrong facts on a scoreboard (exhibition
games, an unknown team) are left out or refused per game.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from nba_predictions.core.season import Season
from nba_predictions.errors import FatalSourceError
from nba_predictions.sources.base import Source
from nba_predictions.sources.nba_api.game_log import game_log_request
from tests.fakeserver import FakeStatsServer
from tests.fakeserver.fixtures import BUILT_DAY, TODAY, archive_facts, fake_server, make_source  # noqa: F401 (pytest fixtures)

BUILT_MORNING = date(2024, 1, 16)  # the morning after BUILT_DAY, when 2023-24 was the current season


@pytest.fixture
def archive(archive_facts: Source) -> Source:  # noqa: F811
    return archive_facts


def _log_with(
    server: FakeStatsServer, season: Season, season_type: str, keep: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The log the server answers for ``season``/``season_type``, keeping only the team rows ``keep`` accepts."""
    payload = server.response("leaguegamelog", Season=str(season), SeasonType=season_type)
    table = payload["resultSets"][0]
    headers = table["headers"]
    table["rowSet"] = [row for row in table["rowSet"] if keep(dict(zip(headers, row, strict=True)))]
    return payload


def _log_cached(source, season: Season, season_type: str = "Regular Season") -> bool:
    request = game_log_request(season, season_type)
    return source.cache.path(request.endpoint, dict(request.parameters)).exists()


# --- game logs that cannot be complete ---------------------------------------------------------


def test_an_empty_past_season_log_is_an_error_and_never_cached(fake_server, archive, tmp_path):  # noqa: F811
    season = Season(2023)
    fake_server.inject("leaguegamelog", "empty", times=None, Season="2023-24", SeasonType="Regular Season")
    source = make_source(fake_server, tmp_path)
    with pytest.raises(FatalSourceError) as caught:
        source.season_results(season)
    message = str(caught.value)
    assert "LeagueGameLog 2023-24 Regular Season lists 0 games, but the season had 1230" in message
    assert "\n" not in message
    assert not _log_cached(source, season)
    fake_server.clear_faults()  # the API is healthy again: asked again, and right
    assert list(make_source(fake_server, tmp_path).season_results(season)) == list(archive.season_results(season))


@pytest.mark.parametrize(
    "cut, expected",
    [
        ("one game", "LeagueGameLog 2023-24 Regular Season lists 1229 games, but the season had 1230"),
        ("one team row", "LeagueGameLog game 0022300500 has 1 team row(s) instead of one per team"),
        ("playoffs", "LeagueGameLog 2023-24 Playoffs lists 81 games, but the season had 82"),
    ],
)
def test_a_past_season_log_short_of_its_games_is_an_error(fake_server, tmp_path, cut, expected):  # noqa: F811
    season_type = "Playoffs" if cut == "playoffs" else "Regular Season"
    payload = _log_with(
        fake_server,
        Season(2023),
        season_type,
        {
            "one game": lambda row: row["GAME_ID"] != "0022300500",
            "one team row": lambda row: not (row["GAME_ID"] == "0022300500" and "@" in row["MATCHUP"]),
            "playoffs": lambda row: row["GAME_ID"] != "0042300401",
        }[cut],
    )
    fake_server.inject(
        "leaguegamelog", "replace", times=None, payload=payload, Season="2023-24", SeasonType=season_type
    )
    source = make_source(fake_server, tmp_path)
    with pytest.raises(FatalSourceError, match="the answer is incomplete") as caught:
        source.season_results(Season(2023))
    assert expected in str(caught.value)
    assert not _log_cached(source, Season(2023), season_type)


def test_an_empty_current_season_log_is_an_error(fake_server, tmp_path):  # noqa: F811
    fake_server.inject("leaguegamelog", "empty", times=None, Season="2025-26", SeasonType="Regular Season")
    source = make_source(fake_server, tmp_path)
    with pytest.raises(FatalSourceError, match=f"LeagueGameLog 2025-26 Regular Season lists no games on {TODAY}"):
        source.season_results(Season(2025))
    assert not _log_cached(source, Season(2025))


def test_a_current_season_log_cut_short_is_an_error(fake_server, tmp_path):  # noqa: F811
    payload = _log_with(fake_server, Season(2025), "Regular Season", lambda row: row["GAME_DATE"] < "2026-01-20")
    fake_server.inject("leaguegamelog", "replace", times=None, payload=payload, Season="2025-26")
    source = make_source(fake_server, tmp_path)
    with pytest.raises(
        FatalSourceError, match="LeagueGameLog 2025-26 Regular Season ends on 2026-01-19, 34 days before 2026-02-22"
    ):
        source.season_results(Season(2025))
    assert not _log_cached(source, Season(2025))


def test_a_current_season_log_missing_a_game_disagrees_with_the_scoreboard(fake_server, archive, tmp_path):  # noqa: F811
    """A log short of one game in mid-season passes the date checks; the records on the date's
    scoreboard catch it: an error, and the log (cached for the day) is dropped again."""
    fake_server.today = BUILT_MORNING
    home = archive.completed_games(BUILT_DAY)[0].home_team_id
    dropped = max(
        (
            r
            for r in archive.season_results(Season(2023))
            if r.date < BUILT_DAY and r.season_type == "Regular Season" and home in (r.home_team_id, r.away_team_id)
        ),
        key=lambda r: r.date,
    )
    payload = _log_with(fake_server, Season(2023), "Regular Season", lambda row: row["GAME_ID"] != dropped.game_id)
    fake_server.inject("leaguegamelog", "replace", times=None, payload=payload, Season="2023-24")
    source = make_source(fake_server, tmp_path, today=BUILT_MORNING)
    with pytest.raises(FatalSourceError) as caught:
        source.completed_games(BUILT_DAY)
    message = str(caught.value)
    assert f"LeagueGameLog 2023-24 does not agree with ScoreboardV3 of {BUILT_DAY}" in message
    assert "but the game log lists" in message and "(not cached)" in message
    assert not _log_cached(source, Season(2023))
    fake_server.clear_faults()
    healthy = make_source(fake_server, tmp_path, today=BUILT_MORNING)
    assert healthy.completed_games(BUILT_DAY) == archive.completed_games(BUILT_DAY)


# --- a scoreboard short of games the log lists ----------------------------------------------


def _scoreboard_with(server: FakeStatsServer, day: date, change) -> dict:
    payload = server.response("scoreboardv3", GameDate=day.isoformat(), LeagueID="00")
    change(payload["scoreboard"]["games"])
    return payload


def test_empty_scoreboard_loses_no_game_and_is_not_kept(fake_server, archive, tmp_path):  # noqa: F811
    """A scoreboard answering with no games on a date the season's log lists games for: each of
    them is listed (from the log) and reported as failed, and the empty answer is not cached."""
    from nba_predictions.steps.collection import collect_games

    expected = archive.completed_games(BUILT_DAY)
    fake_server.inject("scoreboardv3", "empty", times=1)
    games, skipped, found = collect_games(make_source(fake_server, tmp_path), BUILT_DAY)
    assert (found, games) == (11, [])
    assert [(s.game_id, s.step) for s in skipped] == [(g.game_id, "collection") for g in expected]
    assert all(
        "LeagueGameLog lists it as played on 2024-01-15 but ScoreboardV3 does not list it" in s.reason for s in skipped
    )
    assert make_source(fake_server, tmp_path).completed_games(BUILT_DAY) == expected  # asked again, healthy


def test_a_scoreboard_missing_one_game_reports_it(fake_server, archive, tmp_path):  # noqa: F811
    from nba_predictions.steps.collection import collect_games

    expected = archive.completed_games(BUILT_DAY)
    lost = expected[6]
    fake_server.inject(
        "scoreboardv3",
        "replace",
        payload=_scoreboard_with(
            fake_server, BUILT_DAY, lambda games: games.remove(next(g for g in games if g["gameId"] == lost.game_id))
        ),
    )
    games, skipped, found = collect_games(make_source(fake_server, tmp_path), BUILT_DAY)
    assert found == 11 and len(games) == 10
    assert [s.game_id for s in skipped] == [lost.game_id]


# --- an API answering with wrong facts --------------------------------------------------------


def test_preseason_and_all_star_games_on_the_scoreboard_are_not_listed(fake_server, archive, tmp_path):  # noqa: F811
    def add_exhibitions(games: list[dict]) -> None:
        for digit in ("1", "3"):
            extra = json.loads(json.dumps(games[0]))
            extra["gameId"] = f"00{digit}{extra['gameId'][3:]}"
            games.append(extra)

    fake_server.inject("scoreboardv3", "replace", payload=_scoreboard_with(fake_server, BUILT_DAY, add_exhibitions))
    games = make_source(fake_server, tmp_path).completed_games(BUILT_DAY)
    assert games == archive.completed_games(BUILT_DAY)  # the two exhibition games are not rated


def test_a_scoreboard_game_with_an_unknown_team_is_refused_and_reported(fake_server, archive, tmp_path):  # noqa: F811
    from nba_predictions.steps.collection import collect_games

    def unknown_team(games: list[dict]) -> None:
        games[4]["homeTeam"]["teamId"] = 1610612799

    expected = archive.completed_games(BUILT_DAY)
    fake_server.inject("scoreboardv3", "replace", payload=_scoreboard_with(fake_server, BUILT_DAY, unknown_team))
    games, skipped, found = collect_games(make_source(fake_server, tmp_path), BUILT_DAY)
    assert found == 11
    assert [g.game_id for g in games] == [g.game_id for i, g in enumerate(expected) if i != 4]
    assert [(s.game_id, s.step) for s in skipped] == [(expected[4].game_id, "collection")]
    assert "home_team_id: unknown team id 1610612799" in skipped[0].reason


# --- through the command line: nothing wrong is rated, stored or kept -------------------------


def _live_env(server: FakeStatsServer, cache: Path) -> dict[str, str]:
    return {
        "NBA_API_STATS_URL": server.stats_url,
        "NBA_API_CDN_URL": server.cdn_url,
        "NBA_API_MIN_INTERVAL": "0",
        "NBA_API_CACHE_DIR": str(cache),
    }


def test_empty_game_logs_rate_nothing_and_a_forced_rerun_rates_right(
    fake_server,  # noqa: F811
    run_cli,
    tmp_path,
    scores_only_archive,
):
    """Every LeagueGameLog answering empty: exit 1 with one line naming the log, nothing stored,
    nothing cached; the rerun with --force against the healthy API rates as the archive does."""
    env = _live_env(fake_server, tmp_path / "cache")
    fake_server.inject("leaguegamelog", "empty", times=None)
    failed = run_cli("--date", str(BUILT_DAY), "--source", "nba_api", env=env)
    assert failed.returncode == 1, failed.stderr
    errors = [line for line in failed.stderr.splitlines() if line.startswith("nba-predictions: error:")]
    assert len(errors) == 1 and "LeagueGameLog 2023-24 Regular Season lists 0 games" in errors[0], failed.stderr
    assert not list((tmp_path / "cache").rglob("leaguegamelog/*")), "an incomplete log was cached"
    assert not (tmp_path / "ratings.db").exists() or run_cli("show", "--date", str(BUILT_DAY), "--json").stdout in (
        "",
        "[]\n",
    )

    fake_server.clear_faults()
    rerun = run_cli("--date", str(BUILT_DAY), "--source", "nba_api", "--force", env=env)
    assert rerun.returncode == 0, rerun.stderr
    archive_db = f"sqlite:///{tmp_path / 'archive.db'}"
    scores_only = {"NBA_BUNDLED_ARCHIVE": str(scores_only_archive)}  # what the fake feeds know (no players)
    assert (
        run_cli("--date", str(BUILT_DAY), "--source", "archive", "--database", archive_db, env=scores_only).returncode
        == 0
    )
    live = json.loads(run_cli("show", "--date", str(BUILT_DAY), "--json").stdout)
    reference = json.loads(run_cli("show", "--date", str(BUILT_DAY), "--json", "--database", archive_db).stdout)
    unstamped = lambda rows: [{k: v for k, v in row.items() if k != "predicted_at"} for row in rows]  # noqa: E731
    assert len(live) == 11 and unstamped(live) == unstamped(reference)


def test_an_empty_scoreboard_fails_the_run_with_every_game_reported(fake_server, run_cli, tmp_path):  # noqa: F811
    fake_server.inject("scoreboardv3", "empty", times=None)
    result = run_cli("--date", str(BUILT_DAY), "--source", "nba_api", env=_live_env(fake_server, tmp_path / "cache"))
    assert result.returncode == 1, result.stderr
    assert "found 11, processed 0, saved 0, skipped 0, failed 11" in result.stderr
