"""Where a date's documents live under a documents root (a folder path or a URL): one folder per
run, and a pointer to the latest.

::

    {root}/{YYYY-MM-DD}/latest.json                                   the pointer
    {root}/{YYYY-MM-DD}/runs/{run}/collected_games.json               a run's documents
    {root}/{YYYY-MM-DD}/runs/{run}/engineered_features.json
    {root}/{YYYY-MM-DD}/runs/{run}/predictions.json
    {root}/{YYYY-MM-DD}/runs/{run}/summaries/{step}.json              each step's JSON run summary

A run id is ``20240116T110000Z-3f9a1c2e``: when the run started (UTC, so ids sort by start) and
eight random hex digits (so two runs started in the same second on two machines differ).  Two runs
of one date -- one after the other, or at the same time on two servers -- write to two folders,
so neither replaces the other's documents; ``latest.json`` names the run that last finished a step
for the date (``{"run": ..., "step": ..., "updated_at": ...}``), and a later step that is given no
run follows it (the cron/systemd layout: the features server at 06:20 goes on from the run the
collection server started at 06:00).  The pointer is written all or nothing after the step's
document, so it never names a document that is not there; when two runs finish at the same
moment the last write wins and the pointer names one of them, whose documents are whole.

Pure path functions plus the pointer's read and write (through :mod:`.locations`).  Explicit
``--input``/``--output`` file names of the spec's step-by-step commands do not go through here:
those are the user's.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import date, datetime, timezone

from nba_predictions.documents import locations
from nba_predictions.documents.models import DOCUMENT_NAMES, STEPS
from nba_predictions.errors import ArtifactError, UsageError

POINTER_NAME = "latest.json"
RUNS_FOLDER = "runs"
RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")


def new_run_id(now: datetime | None = None) -> str:
    """A fresh run id: the start time in UTC and eight random hex digits."""
    started = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def check_run_id(text: str) -> str:
    """``text`` if it is a run id; a usage error naming it otherwise (it becomes a folder name)."""
    if not RUN_ID.fullmatch(text):
        raise UsageError(
            f"run id {text!r} is not one: run ids look like 20240116T110000Z-3f9a1c2e "
            f"(see {POINTER_NAME} or the runs/ folder of the date)"
        )
    return text


def _join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *parts])


def date_folder(root: str, day: date) -> str:
    """``{root}/2024-01-15``: the date's pointer and its runs."""
    return _join(root, day.isoformat())


def run_folder(root: str, day: date, run: str) -> str:
    """``{root}/2024-01-15/runs/{run}``: one run's documents and summaries."""
    return _join(date_folder(root, day), RUNS_FOLDER, check_run_id(run))


def document_url(root: str, day: date, run: str, step: str) -> str:
    """The document ``step`` writes in run ``run`` of ``day``."""
    return _join(run_folder(root, day, run), DOCUMENT_NAMES[step])


def summary_url(root: str, day: date, run: str, step: str) -> str:
    """Where ``step``'s JSON run summary of run ``run`` goes."""
    return _join(run_folder(root, day, run), "summaries", f"{step}.json")


def pointer_url(root: str, day: date) -> str:
    """``{root}/2024-01-15/latest.json``."""
    return _join(date_folder(root, day), POINTER_NAME)


def step_locations(root: str, day: date, run: str, step: str) -> tuple[str | None, str | None]:
    """``(input, output)`` document locations of ``step`` in run ``run`` (None where it has none)."""
    index = STEPS.index(step)
    source = document_url(root, day, run, STEPS[index - 1]) if index > 0 else None
    target = document_url(root, day, run, step) if step != "storage" else None
    return source, target


def read_latest(root: str, day: date) -> dict | None:
    """The date's pointer (``run``, ``step``, ``updated_at``), or None when no run finished a step."""
    url = pointer_url(root, day)
    try:
        pointer = json.loads(locations.read_bytes(url))
    except locations.LocationError as exc:
        if exc.missing:
            return None
        raise ArtifactError(f"cannot read {url}: {exc.reason}") from None
    except ValueError as exc:
        raise ArtifactError(f"{url} is not JSON ({exc}): delete it or write the latest run's id into it") from None
    if not isinstance(pointer, dict) or not RUN_ID.fullmatch(str(pointer.get("run"))):
        raise ArtifactError(f"{url} names no run id: delete it, or give the run explicitly (--run)")
    return pointer


def write_latest(root: str, day: date, run: str, step: str, now: datetime | None = None) -> None:
    """Point the date at ``run``, which has just finished ``step`` (all or nothing)."""
    pointer = {
        "run": check_run_id(run),
        "step": step,
        "folder": f"{RUNS_FOLDER}/{run}",
        "updated_at": (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds"),
    }
    url = pointer_url(root, day)
    try:
        locations.write_bytes(url, (json.dumps(pointer, indent=2) + "\n").encode("utf-8"))
    except locations.LocationError as exc:
        raise ArtifactError(f"cannot point {url} at run {run}: {exc.reason}") from None
