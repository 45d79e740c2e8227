"""The page as fans use it, over real HTTP: favourite teams, spoiler levels, reveal, order, caching."""

from __future__ import annotations

import math
import re
import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest

from nba_predictions.steps.prediction import classify
from tests.web.conftest import DAY
from tests.web.pagetext import Page, read_page
from tests.web.test_postgres import pg_rated  # noqa: F401  (a PostgreSQL database our pipeline rated)


def _shown(rating: float) -> str:
    return f"{math.floor(rating * 10 + 1e-9) / 10:.1f}"


def _get(client: httpx.Client, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, response.text
    return read_page(response.text)


def _rows(html: str) -> list[str]:
    """Each listed game's own HTML."""
    return re.findall(r'<li class="game[^"]*">.*?</li>', html, flags=re.S)


def _teams_of(row: str) -> list[str]:
    return re.findall(r"<abbr[^>]*>(\w+)</abbr>", row)


def _groups(html: str) -> list[str]:
    return [h.strip() for h in re.findall(r'<h2 class="group">(.*?)</h2>', html)]


def _best_first(games: list[dict]) -> list[dict]:
    return sorted(games, key=lambda g: (-g["rating"], g["id"]))


def _with(games: list[dict], *teams: str) -> list[dict]:
    return [g for g in games if g["home"] in teams or g["away"] in teams]


def test_favourite_teams_from_the_url_come_first_and_are_marked(client: httpx.Client, stored_games: list[dict]) -> None:
    page = _get(client, f"/?date={DAY}&teams=lal,BOS&spoilers=number")
    mine = _best_first(_with(stored_games, "LAL", "BOS"))
    rest = _best_first([g for g in stored_games if g not in mine])
    assert len(mine) == 2
    assert [g.teams for g in page.games] == [[g["away"], g["home"]] for g in mine + rest]
    rows = _rows(page.html)
    assert all('class="game favourite"' in r and "your team" in r for r in rows[:2])
    assert not any("favourite" in r for r in rows[2:])
    assert _groups(page.html) == ["Your teams", "Other games"]
    assert page.links["share"] == f"/?date={DAY}&teams=LAL,BOS&spoilers=number"
    only = _get(client, page.links["view-mine"])
    assert [g.teams for g in only.games] == [[g["away"], g["home"]] for g in mine]
    assert "my teams" in only.text and only.links["view-all"] == f"/?date={DAY}&teams=LAL,BOS&spoilers=number"


@pytest.mark.parametrize("teams", ["BOS,XYZ", "BOS,L4L"])
def test_an_unknown_favourite_team_is_a_400_page_naming_it_and_the_valid_ones(client: httpx.Client, teams: str) -> None:
    page = _get(client, f"/?date={DAY}&teams={teams}", status=400)
    bad = teams.split(",")[1]
    assert f"'{bad}'" in page.text and "teams" in page.text
    if bad == "XYZ":
        assert "ATL, BKN, BOS" in page.text  # the valid abbreviations, listed


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("spoilers=all", "invalid spoilers 'all': expected one of tier, number, hidden"),
        ("order=score", "invalid order 'score': expected one of rating, schedule"),
        ("reveal=abc", "invalid reveal 'abc': expected a game id of 10 digits"),
    ],
)
def test_a_bad_choice_in_the_url_is_a_400_page(client: httpx.Client, query: str, says: str) -> None:
    assert says in _get(client, f"/?date={DAY}&{query}", status=400).text


def test_the_settings_form_saves_the_choices_in_cookies(live, stored_games: list[dict]) -> None:
    with httpx.Client(base_url=live.url) as c:
        saved = c.get(f"/?remember=1&date={DAY}&teams=NYK&teams=LAL&spoilers=number&order=schedule")
        assert saved.status_code == 303 and saved.headers["location"] == f"/?date={DAY}"
        assert "etag" not in saved.headers and saved.headers["cache-control"] == "private, no-store"
        cookies = {c.name: c.value for c in c.cookies.jar}
        assert cookies["nba_spoilers"] == "number" and cookies["nba_order"] == "schedule"
        assert re.findall(r"[A-Z]{3}", cookies["nba_teams"]) == ["NYK", "LAL"]
        page = _get(c, "/")  # a fresh visit: the saved choices, no parameter needed
        mine = sorted(_with(stored_games, "NYK", "LAL"), key=lambda g: g["id"])
        rest = sorted([g for g in stored_games if g not in mine], key=lambda g: g["id"])
        assert [g.teams for g in page.games] == [[g["away"], g["home"]] for g in mine + rest]
        assert [g.rating for g in page.games] == [_shown(g["rating"]) for g in mine + rest]
        # A shared link shows its own choices without touching the saved ones.
        shared = _get(c, f"/?date={DAY}&teams=BOS&spoilers=tier")
        assert "BOS" in shared.games[0].teams and shared.games[0].rating == ""
        assert {c.name: c.value for c in c.cookies.jar}["nba_spoilers"] == "number"
        # Saving with no team ticked clears the favourites.
        c.get(f"/?remember=1&date={DAY}&spoilers=tier&order=rating")
        assert _groups(c.get("/").text) == [] and "favourite" not in "".join(_rows(c.get("/").text))


def test_my_teams_hidden_shows_neither_tier_nor_number_and_keeps_them_out_of_the_rated_order(
    client: httpx.Client, stored_games: list[dict]
) -> None:
    favourites = ("LAL", "BOS", "NYK")
    page = _get(client, f"/?date={DAY}&teams={','.join(favourites)}&spoilers=hidden")
    hidden = sorted(_with(stored_games, *favourites), key=lambda g: g["id"])  # schedule order, not rating
    rest = _best_first([g for g in stored_games if g not in hidden])
    assert _groups(page.html) == ["Your teams, hidden until you reveal them", "Other games"]
    rows = _rows(page.html)
    assert [_teams_of(r) for r in rows] == [[g["away"], g["home"]] for g in hidden + rest]
    for row, game in zip(rows, hidden):
        assert "hidden" in row and "badge" not in row and 'class="rating"' not in row
        for word in ("good", "mediocre", "bad", _shown(game["rating"])):
            assert word not in row, (game["id"], word)
        assert f"reveal={game['id']}" in row
    # The others show tier and number.
    assert [g.rating for g in page.games[len(hidden) :]] == [_shown(g["rating"]) for g in rest]

    revealed = hidden[1]
    link = re.search(r'href="([^"]*reveal=' + revealed["id"] + '[^"]*)"', page.html).group(1).replace("&amp;", "&")
    after = _get(client, link)
    rows = _rows(after.html)
    row = next(r for r in rows if f'id="g{revealed["id"]}"' in r)
    assert _shown(revealed["rating"]) in row and classify(revealed["rating"], 80, 60) in row
    still = [r for r in rows if "reveal=" in r]
    assert len(still) == len(hidden) - 1  # only that one game is revealed


def test_my_teams_hidden_leaves_them_out_of_the_best_of_the_week(
    client: httpx.Client, stored_games: list[dict]
) -> None:
    top = _best_first(stored_games)[0]
    team = top["home"]
    page = _get(client, f"/best?date={DAY}&teams={team}&spoilers=hidden")
    assert all(team not in g.teams for g in page.games)
    assert len(page.games) == min(10, len(stored_games) - len(_with(stored_games, team)))
    assert "left out of this list while they are hidden" in page.text


def test_schedule_order(client: httpx.Client, stored_games: list[dict]) -> None:
    page = _get(client, f"/?date={DAY}&order=schedule")
    assert [g.teams for g in page.games] == [
        [g["away"], g["home"]] for g in sorted(stored_games, key=lambda g: g["id"])
    ]


# -- HTTP caching ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [f"/?date={DAY}", f"/best?date={DAY}", f"/api/v1/predictions?date={DAY}"])
def test_answers_carry_an_etag_and_a_matching_if_none_match_is_a_304(client: httpx.Client, url: str) -> None:
    first = client.get(url)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=0, must-revalidate"
    assert ("vary" in first.headers and "Cookie" in first.headers["vary"]) == (not url.startswith("/api"))
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url, headers={"If-None-Match": f'W/{etag}, "x"'}).status_code == 304
    other = url.replace(str(DAY), "2024-01-14")
    assert client.get(other).headers["etag"] != etag  # another question, another tag
    if not url.startswith("/api"):  # the viewer's saved choices shape the page
        with httpx.Client(base_url=client.base_url, cookies={"nba_spoilers": "number"}) as saved:
            assert saved.get(url).headers["etag"] != etag


def test_health_and_errors_get_no_etag(client: httpx.Client) -> None:
    assert "etag" not in client.get("/api/v1/health").headers
    assert "etag" not in client.get("/?date=2024-02-30").headers


def test_storing_a_game_changes_the_etag_at_once(serve_app, rated_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "growing.db"
    shutil.copy(rated_db, db)
    live = serve_app(db)
    with httpx.Client(base_url=live.url) as c:
        urls = (f"/?date={DAY}", f"/api/v1/predictions?date={DAY}")
        tags = {url: c.get(url).headers["etag"] for url in urls}
        assert all(c.get(url, headers={"If-None-Match": tags[url]}).status_code == 304 for url in urls)
        with sqlite3.connect(db) as conn:
            ids = dict(conn.execute("SELECT abbreviation, id FROM teams"))
            conn.execute(
                "INSERT INTO games (id, date, home_team_id, away_team_id, prediction_rating) VALUES (?, ?, ?, ?, ?)",
                ("0022300999", DAY.isoformat(), ids["DEN"], ids["PHX"], 99.5),
            )
        conn.close()
        for url in urls:
            fresh = c.get(url, headers={"If-None-Match": tags[url]})
            assert fresh.status_code == 200 and fresh.headers["etag"] != tags[url]
            assert "0022300999" in fresh.text


def test_re_rating_a_game_changes_the_etag_at_once(serve_app, rated_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "rerated.db"
    shutil.copy(rated_db, db)
    live = serve_app(db)
    with httpx.Client(base_url=live.url) as c:
        url = f"/?date={DAY}&spoilers=number"
        etag = c.get(url).headers["etag"]
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE games SET prediction_rating = 42.42 WHERE id = '0022300565'")
        conn.close()
        fresh = c.get(url, headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and fresh.headers["etag"] != etag and "42.4" in fresh.text


@pytest.mark.postgres
def test_on_postgres_storing_a_game_changes_the_etag_at_once(serve_app, pg_rated: str) -> None:  # noqa: F811
    from sqlalchemy import create_engine, text

    live = serve_app(pg_rated)
    url = f"/api/v1/predictions?date={DAY}"
    with httpx.Client(base_url=live.url) as c:
        etag = c.get(url).headers["etag"]
        assert c.get(url, headers={"If-None-Match": etag}).status_code == 304
        writer = create_engine(pg_rated)
        with writer.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO games (id, date, home_team_id, away_team_id, prediction_rating) "
                    "SELECT '0022300999', :day, h.id, a.id, 99.5 FROM teams h, teams a "
                    "WHERE h.abbreviation = 'DEN' AND a.abbreviation = 'PHX'"
                ),
                {"day": DAY.isoformat()},
            )
        writer.dispose()
        fresh = c.get(url, headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and fresh.headers["etag"] != etag and "0022300999" in fresh.text
