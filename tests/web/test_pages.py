"""Our page over real HTTP: a date's games best first, badges, navigation, filters, 400s, no spoiler."""

from __future__ import annotations

import math
import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from nba_predictions.config import yesterday_eastern
from nba_predictions.steps.prediction import classify
from tests.web.conftest import DAY, copy_with_games
from tests.web.pagetext import Page, read_page

SPOILER_WORDS = (
    "score",
    "scores",
    "scored",
    "winners",
    "won",
    "wins",
    "beat",
    "beats",
    "lost",
    "final",
    "margin",
    "winner",
    "lead",
    "points",
    "pts",
    "overtime",
    "ot",
    "comeback",
    "blowout",
)


def _page(client: httpx.Client, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return read_page(response.text)


def _shown(rating: float) -> str:
    return f"{math.floor(rating * 10 + 1e-9) / 10:.1f}"


def _best_first(games: list[dict]) -> list[dict]:
    return sorted(games, key=lambda g: (-g["rating"], g["id"]))


def test_a_date_shows_its_games_best_first_with_badges(client: httpx.Client, stored_games: list[dict]) -> None:
    page = _page(client, f"/?date={DAY}&spoilers=number")
    expected = _best_first(stored_games)
    assert len(page.games) == len(expected) == 11
    for shown, stored in zip(page.games, expected):
        assert shown.teams == [stored["away"], stored["home"]]
        assert shown.rating == _shown(stored["rating"])
        assert shown.badge == classify(stored["rating"], 80, 60)
    assert "Monday, January 15, 2024" in page.text
    assert page.inline == 0  # only external scripts and styles: a strict Content-Security-Policy holds


def test_by_default_a_game_shows_its_tier_and_no_number_anywhere_in_the_html(
    client: httpx.Client, stored_games: list[dict]
) -> None:
    page = _page(client, f"/?date={DAY}")
    expected = _best_first(stored_games)
    assert [g.badge for g in page.games] == [classify(g["rating"], 80, 60) for g in expected]
    assert [g.rating for g in page.games] == [""] * 11
    for game in stored_games:
        assert _shown(game["rating"]) not in page.html and str(game["rating"]) not in page.html


def test_the_page_has_no_score_margin_or_winner(
    client: httpx.Client, stored_games: list[dict], final_scores: dict[str, tuple[int, int]]
) -> None:
    game_ids = {g["id"] for g in stored_games}  # in row anchors and reveal links
    for url in (
        f"/?date={DAY}&spoilers=number",
        f"/best?date={DAY}&spoilers=number",
        f"/?date={DAY}&team=LAL&spoilers=number",
        f"/?date={DAY}&teams=LAL,BOS&spoilers=hidden",
    ):
        page = _page(client, url)
        words = set(re.findall(r"[a-z]+", page.text.lower()))
        assert not words & set(SPOILER_WORDS), (url, words & set(SPOILER_WORDS))
        # Every number in the markup is a rating, a date, a threshold or a fixed number of the layout.
        layout = {"0", "1", "2", "7", "10", "100", "80", "60", "76"}  # 0-100, scale=1, h2, 7 days, top 10, 76ers
        explained = {_shown(g["rating"]) for g in stored_games} | layout | game_ids
        for day in (DAY - timedelta(days=n) for n in range(8)):
            explained |= {
                day.isoformat(),
                str(day.year),
                str(day.day),
                f"{day.day:02d}",
                f"{day.month:02d}",
                str(day.month),
            }
        assert page.numbers() <= explained, (url, page.numbers() - explained)
        text_numbers = set(re.findall(r"\d+(?:\.\d+)?", page.text))
        for game in stored_games:
            home, away = final_scores[game["id"]]
            scores = {str(home), str(away), str(abs(home - away))}
            assert not (scores - explained) & text_numbers, (url, game["id"])
        assert not re.search(r"\d+\s*[-\u2013:]\s*\d+", re.sub(r"\d{4}-\d\d-\d\d", "", page.text))  # no "124-115"


def test_an_empty_date_says_so(client: httpx.Client) -> None:
    page = _page(client, "/?date=2024-12-24")
    assert page.games == []
    assert "no games rated for 2024-12-24" in page.text


def test_without_a_date_the_default_day_is_shown(client: httpx.Client) -> None:
    page = _page(client, "/")
    assert len(page.games) == 11 and "January 15, 2024" in page.text


def test_the_default_day_is_the_latest_date_with_rated_games(serve_app, rated_db: Path, tmp_path: Path) -> None:
    db = copy_with_games(
        rated_db,
        tmp_path / "later.db",
        [("0022300570", "2024-01-17", "DEN", "LAL", 90.0), ("0022300580", "2024-01-19", "PHX", "SAC", None)],
    )
    live = serve_app(db)  # no default_day given: the database decides
    page = read_page(httpx.get(f"{live.url}/").text)
    assert "Wednesday, January 17, 2024" in page.text and [g.teams for g in page.games] == [["LAL", "DEN"]]


def test_without_any_rated_game_the_default_day_is_yesterday_in_us_eastern_time(
    serve_app, rated_db: Path, tmp_path: Path
) -> None:
    empty = copy_with_games(rated_db, tmp_path / "empty.db", [])
    with sqlite3.connect(empty) as conn:
        conn.execute("DELETE FROM games")
    conn.close()
    live = serve_app(empty)
    before = yesterday_eastern()
    text = read_page(httpx.get(f"{live.url}/").text).text
    after = yesterday_eastern()
    assert any(f"no games rated for {d.isoformat()}" in text for d in (before, after)), text


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/?date=2024-13-45", "invalid date '2024-13-45': there is no such day"),
        ("/?date=15.01.2024", "invalid date '15.01.2024': expected YYYY-MM-DD, e.g. 2024-01-15"),
        ("/?team=L4L", "invalid team 'L4L': expected a team abbreviation, e.g. LAL"),
        ("/?date=2024-01-15&team=XYZ", "unknown team 'XYZ'"),
        ("/best?date=yesterday", "invalid date 'yesterday'"),
    ],
)
def test_a_bad_date_or_team_is_a_400_page_that_says_what_is_wrong(client: httpx.Client, url: str, says: str) -> None:
    page = _page(client, url, status=400)
    assert "Bad request" in page.text and says in page.text
    assert page.games == []


def test_an_unknown_page_is_a_404_page(client: httpx.Client) -> None:
    page = _page(client, "/standings", status=404)
    assert "there is no page at /standings" in page.text


@pytest.mark.parametrize("team", ["LAL", "lal"])
def test_the_team_filter(client: httpx.Client, stored_games: list[dict], team: str) -> None:
    page = _page(client, f"/?date={DAY}&team={team}")
    expected = [g for g in stored_games if "LAL" in (g["home"], g["away"])]
    assert [g.teams for g in page.games] == [[g["away"], g["home"]] for g in expected]
    assert '<option value="LAL" selected>' in page.html
    assert len(_page(client, f"/?date={DAY}&team=").games) == 11  # the form's "All teams"


def test_previous_and_next_jump_to_the_nearest_dates_with_games(serve_app, rated_db: Path, tmp_path: Path) -> None:
    db = copy_with_games(
        rated_db,
        tmp_path / "more.db",
        [
            ("0022300530", "2024-01-12", "BOS", "LAL", 70.0),  # LAL's previous game
            ("0022300540", "2024-01-13", "MIA", "NYK", 40.0),
            ("0022300570", "2024-01-17", "DEN", "LAL", 90.0),
            ("0022300580", "2024-01-19", "PHX", "SAC", 30.0),
        ],
    )
    live = serve_app(db, default_day=DAY)
    with httpx.Client(base_url=live.url) as c:
        page = _page(c, f"/?date={DAY}")
        assert (page.links["prev"], page.links["next"]) == ("/?date=2024-01-13", "/?date=2024-01-17")
        page = _page(c, f"/?date={DAY}&team=lal")
        assert (page.links["prev"], page.links["next"]) == ("/?date=2024-01-12&team=LAL", "/?date=2024-01-17&team=LAL")
        last = _page(c, "/?date=2024-01-19")
        assert "next" not in last.links and last.links["prev"] == "/?date=2024-01-17"
        first = _page(c, "/?date=2024-01-12")
        assert "prev" not in first.links


def test_best_of_the_last_7_days(serve_app, rated_db: Path, tmp_path: Path, stored_games: list[dict]) -> None:
    top = max(g["rating"] for g in stored_games)
    db = copy_with_games(
        rated_db,
        tmp_path / "week.db",
        [
            ("0022300500", "2024-01-09", "BOS", "LAL", min(top + 0.5, 100.0)),  # first day of the window
            ("0022300490", "2024-01-08", "MIA", "NYK", 100.0),  # the day before: not in it
            ("0022300600", "2024-01-16", "DEN", "PHX", 100.0),  # the day after: not in it
        ],
    )
    live = serve_app(db, default_day=DAY)
    with httpx.Client(base_url=live.url) as c:
        page = _page(c, f"/best?date={DAY}&spoilers=number")
        assert "Best of the last 7 days" in page.text and "January 9 to January 15, 2024" in page.text
        week = [
            *stored_games,
            {"id": "0022300500", "rating": min(top + 0.5, 100.0), "away": "LAL", "home": "BOS", "date": "2024-01-09"},
        ]
        # Best first; a tie goes to the later date, then the lower game id.
        expected = sorted(
            sorted(week, key=lambda g: g["id"]),
            key=lambda g: (-g["rating"], -date.fromisoformat(g["date"]).toordinal()),
        )[:10]
        assert [g.teams for g in page.games] == [[g["away"], g["home"]] for g in expected]
        assert [g.rating for g in page.games] == [_shown(g["rating"]) for g in expected]
        assert [g.day_link for g in page.games] == [f"/?date={g['date']}" for g in expected]
        assert page.links["prev"] == "/best?date=2024-01-08&spoilers=number"
        assert page.links["next"] == "/best?date=2024-01-22&spoilers=number"
        team = _page(c, f"/best?date={DAY}&team=LAL")
        assert team.games[0].teams == ["LAL", "BOS"] and all("LAL" in g.teams for g in team.games)
    assert f'href="/best?date={DAY}"' in httpx.get(f"{live.url}/?date={DAY}").text  # the day page links the week


def test_the_stylesheet_is_served_and_the_page_fits_a_phone(client: httpx.Client) -> None:
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "@media (max-width" in css.text
    html = client.get(f"/?date={DAY}").text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
