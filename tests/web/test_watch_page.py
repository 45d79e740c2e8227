"""A game the watch stores is on ``serve``'s page and API at the next request: over real HTTP, the
server a real process running all along on the database the watch writes (no restart, no cache)."""

from __future__ import annotations

import json

import httpx

from nba_predictions.config import Settings
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.watch import Watch, WatchOptions
from nba_predictions.sources.archive import ArchiveSource
from nba_predictions.sources.cdn.scoreboard import ScoreboardReader
from tests.fakeserver.cdn import FakeCdn
from tests.integration.test_watch import DAY, env_for, one_by_one
from tests.web.test_serve import serving


def test_each_game_is_on_the_page_and_the_api_at_the_next_request_after_it_is_stored(tmp_path):
    database = tmp_path / "ratings.db"
    with FakeCdn(ArchiveSource()) as cdn:
        one_by_one(cdn)
        settings = Settings.resolve({"source": "cdn", "database": f"sqlite:///{database}"}, env_for(cdn, tmp_path))
        seen: list[tuple[int, int, int]] = []  # (games rated so far, in the API, on the page)
        served: list[str] = []  # serve's base URL, once it runs
        rated: list[str] = []

        def check(line: str) -> None:  # after every poll: what the page and the API list now
            rated.extend(json.loads(line)["rated"])
            listing = httpx.get(f"{served[0]}/api/v1/predictions", params={"date": DAY.isoformat()}).json()
            page = httpx.get(f"{served[0]}/", params={"date": DAY.isoformat()}).text
            seen.append((len(rated), listing["data"]["pagination"]["total"], page.count('<li class="game">')))

        with Resources(settings) as resources:
            reader = ScoreboardReader.for_settings(settings.api, cdn.cdn_url)
            options = WatchOptions(day=DAY, interval=0.05, until_done=True, log_json=True)
            watch = Watch(resources, options, reader, emit=check)
            # The database exists now (the watch asked it what is rated): serve it, then watch.
            with serving("--database", f"sqlite:///{database}", cwd=tmp_path) as (url, _proc):
                served.append(url)
                report = watch.run()
            reader.close()
    assert report.exit_code == 0 and len(report.rated) == 5
    assert [s[0] for s in seen][-1] == 5 and len({s[0] for s in seen}) == 6  # 0, 1, ..., 5 games over the polls
    assert all(games == in_api == on_page for games, in_api, on_page in seen), seen
