"""Our API against the original one: the same database, the same requests, the same answers.

The original web API (Node, from ``../shared/webapp``) runs on a copy of the session's rated
database; every request the front end can make that both accept gets the same JSON from both
(the health timestamp aside).  Where ours is stricter (an unknown team, an impossible date) both
answer 400 and only the error code and message differ, as docs/WEB.md says.  Skipped when the
original web app or node is absent.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import DAY, LiveServer

SAME = [
    "/api/v1/predictions",
    f"/api/v1/predictions?date={DAY}",
    f"/api/v1/predictions?date={DAY}&limit=100",
    f"/api/v1/predictions?date={DAY}&limit=3&offset=4",
    f"/api/v1/predictions?date={DAY}&limit=4&offset=9",
    "/api/v1/predictions?limit=5&offset=50",
    f"/api/v1/predictions?date={DAY}&team=LAL",
    "/api/v1/predictions?team=lal",
    "/api/v1/predictions?team=BOS&limit=1",
    "/api/v1/predictions?date=2024-12-24",
    "/api/v1/predictions/0022300565",
    "/api/v1/predictions/0022300562",
    "/api/v1/predictions/0022399999",
    "/api/v1/predictions/",
    "/api/v1/nothing",
]
BOTH_REFUSE = [
    "/api/v1/predictions?date=2024/01/15",
    "/api/v1/predictions?date=",
    "/api/v1/predictions?team=",
    "/api/v1/predictions?limit=0",
    "/api/v1/predictions?limit=101",
    "/api/v1/predictions?limit=abc",
    "/api/v1/predictions?limit=2.5",
    "/api/v1/predictions?offset=-1",
    "/api/v1/predictions?foo=1",
    "/api/v1/predictions?limit=5&limit=6",
]


@pytest.fixture(scope="module")
def original(node_api_files: Path, rated_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.webapp import WebApi

    work = tmp_path_factory.mktemp("node-run")
    database = work / "ratings.db"
    shutil.copy(rated_db, database)  # the original API may write its journal next to the file
    api = WebApi(node_api_files, database, "production", work / "node-api.log")
    yield api.url
    api.stop()


@pytest.mark.parametrize("path", SAME)
def test_the_same_request_gets_the_same_answer(original: str, live: LiveServer, path: str) -> None:
    theirs, ours = httpx.get(original + path), httpx.get(live.url + path)
    assert ours.status_code == theirs.status_code, (path, theirs.text)
    assert ours.content == theirs.content, path  # byte for byte: key order, number format, escaping


def test_health_has_the_same_shape(original: str, live: LiveServer) -> None:
    theirs, ours = httpx.get(f"{original}/api/v1/health").json(), httpx.get(f"{live.url}/api/v1/health").json()
    for body in (theirs, ours):
        body["data"].pop("timestamp")
    assert ours == theirs


@pytest.mark.parametrize("path", BOTH_REFUSE)
def test_what_the_original_refuses_we_refuse_naming_the_field(original: str, live: LiveServer, path: str) -> None:
    theirs, ours = httpx.get(original + path), httpx.get(live.url + path)
    assert theirs.status_code == ours.status_code == 400
    assert theirs.json()["success"] is ours.json()["success"] is False
    assert ours.json()["error"]["code"] == "INVALID_REQUEST" and ours.json()["error"]["details"]["field"]


@pytest.mark.parametrize("path", ["/api/v1/predictions?team=XXX", "/api/v1/predictions?date=2024-02-30"])
def test_where_the_original_lists_nothing_we_say_what_is_wrong(original: str, live: LiveServer, path: str) -> None:
    theirs, ours = httpx.get(original + path), httpx.get(live.url + path)
    assert theirs.status_code == 200 and theirs.json()["data"]["data"] == []
    assert ours.status_code == 400 and ours.json()["error"]["code"] == "INVALID_REQUEST"
