"""Runs of the same date never replace each other's documents (issue 25, item 2).

Real processes: ``deploy/bin/nba-step`` (the four-server layout, each step in its own process) and
``nba-predictions step`` run one after the other and at the same time, against a local folder and
against moto's S3 server on 127.0.0.1.  Each run writes to ``DATE/runs/RUN/``; ``DATE/latest.json``
names the run that last finished a step.  (Before run folders, the second run wrote the same
``DATE/collected_games.json`` and the first run's documents were gone.)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nba_predictions.documents import io as artifacts
from nba_predictions.documents import layout, locations
from nba_predictions.documents.models import DOCUMENT_NAMES, STEPS
from tests.conftest import MAIN, ROOT

DAY = "2024-01-15"
RUN_LINE = re.compile(r"^(\w+) for 2024-01-15: run (\S+), documents in (\S+)$", re.M)


def _env(tmp_path: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL", "AWS_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'ratings.db'}", NBA_ARCHIVE_DIR=str(tmp_path / "archive"))
    env.update(extra or {})
    return env


def _step(step: str, root: str, env: dict[str, str], cwd: Path, *more: str) -> subprocess.Popen[str]:
    command = [sys.executable, str(MAIN), "step", step, "--date", DAY, "--documents", root, *more]
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen[str]) -> str:
    """The run id the finished step names (its exit code must be 0)."""
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    match = RUN_LINE.search(stderr)
    assert match, stderr
    return match.group(2)


def _documents_intact(root: str, run: str, steps: tuple[str, ...]) -> None:
    """Each of the run's documents is there, whole, of its step and of the date."""
    day = artifacts_day()
    for step in steps:
        document = artifacts.read_document(layout.document_url(root, day, run, step), step)
        assert document.metadata.target_date.isoformat() == DAY
        summary = json.loads(locations.read_bytes(layout.summary_url(root, day, run, step)))
        assert summary["steps"] == [step] and summary["status"] == "ok"


def artifacts_day():
    from datetime import date

    return date.fromisoformat(DAY)


@pytest.fixture(params=["folder", "s3"])
def documents_root(request, tmp_path):
    """A documents root and the environment that reaches it: a local folder, or a bucket on moto."""
    if request.param == "folder":
        return str(tmp_path / "documents"), _env(tmp_path)
    s3 = request.getfixturevalue("s3_server")
    return f"s3://{s3.new_bucket()}/nba", _env(tmp_path, s3.env)


def _in_env(env: dict[str, str], monkeypatch) -> None:
    for name, value in env.items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)


def test_two_runs_one_after_the_other_keep_both_and_point_at_the_second(documents_root, tmp_path, monkeypatch):
    root, env = documents_root
    _in_env(env, monkeypatch)
    first = _finish(_step("collection", root, env, tmp_path))
    first_bytes = locations.read_bytes(layout.document_url(root, artifacts_day(), first, "collection"))
    second = _finish(_step("collection", root, env, tmp_path))
    assert first != second
    assert layout.read_latest(root, artifacts_day())["run"] == second
    # A later step goes on with the latest run; the first run's documents are left as they were.
    assert _finish(_step("features", root, env, tmp_path)) == second
    assert locations.read_bytes(layout.document_url(root, artifacts_day(), first, "collection")) == first_bytes
    assert not locations.exists(layout.document_url(root, artifacts_day(), first, "features"))
    _documents_intact(root, first, ("collection",))
    _documents_intact(root, second, ("collection", "features"))
    assert layout.read_latest(root, artifacts_day()) | {"updated_at": None} == {
        "run": second,
        "step": "features",
        "folder": f"runs/{second}",
        "updated_at": None,
    }


def test_two_runs_at_once_keep_both_whole(documents_root, tmp_path, monkeypatch):
    root, env = documents_root
    _in_env(env, monkeypatch)
    processes = [_step("collection", root, env, tmp_path) for _ in range(2)]
    runs = [_finish(process) for process in processes]
    assert runs[0] != runs[1]
    for run in runs:
        _documents_intact(root, run, ("collection",))
    # Both finished the same step: the pointer names one of them (the last to write it), whole.
    assert layout.read_latest(root, artifacts_day())["run"] in runs


def test_a_later_step_with_no_run_to_follow_is_one_line(tmp_path):
    root = str(tmp_path / "documents")
    process = _step("features", root, _env(tmp_path), tmp_path)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 1
    assert stderr.strip().splitlines()[-1] == (
        f"nba-predictions: error: no run of {DAY} under {root} to go on from ({root}/{DAY}/latest.json does not "
        f"exist): run the collection step first (nba-predictions step collection --date {DAY} --documents {root})"
    )


def test_a_bad_run_id_is_a_usage_error(tmp_path):
    process = _step("features", str(tmp_path / "d"), _env(tmp_path), tmp_path, "--run", "../../etc")
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 2
    assert "run id '../../etc' is not one" in stderr.strip().splitlines()[-1]


def _nba_home(tmp_path: Path) -> Path:
    """An NBA_HOME whose four step venvs run this interpreter and whose main.py is the checkout's."""
    home = tmp_path / "home"
    for step in STEPS:
        (home / f"venv-{step}" / "bin").mkdir(parents=True)
        python = home / f"venv-{step}" / "bin" / "python"
        python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')  # a symlink would lose this venv
        python.chmod(0o755)
    (home / "main.py").symlink_to(MAIN)
    return home


def _nba_step(step: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    script = ROOT / "deploy" / "bin" / "nba-step"
    return subprocess.Popen(
        ["bash", str(script), step, DAY], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_the_four_server_chain_twice_keeps_both_runs(documents_root, tmp_path, monkeypatch):
    """deploy/bin/nba-step, as cron and systemd run it: the four steps in turn, twice for one date
    (a rerun by hand the same morning); the second chain rates from its own documents."""
    root, env = documents_root
    _in_env(env, monkeypatch)
    env = env | {"NBA_HOME": str(_nba_home(tmp_path)), "NBA_DOCUMENTS": root}
    chains = []
    for _ in range(2):
        chains.append([_finish(_nba_step(step, env, tmp_path)) for step in STEPS])
    first, second = chains
    assert len(set(first)) == 1 and len(set(second)) == 1 and first[0] != second[0]
    for run in (first[0], second[0]):
        _documents_intact(root, run, tuple(step for step in STEPS if step in DOCUMENT_NAMES))
        storage = json.loads(locations.read_bytes(layout.summary_url(root, artifacts_day(), run, "storage")))
        assert storage["found"] == 11
    assert (
        json.loads(locations.read_bytes(layout.summary_url(root, artifacts_day(), second[0], "storage")))["skipped"]
        == 11
    )  # the second chain found the games stored by the first
    assert layout.read_latest(root, artifacts_day())["run"] == second[0]
