#!/usr/bin/env python3
"""Each step runs in a venv that has only its own requirements file (CI's per-step check).

For every server of the README's "Distributed processing" block (the spec's distributed example,
verbatim) this script makes a fresh venv, runs the server's two lines in it exactly as written
(`pip install -r requirements-<step>.txt`, then `python main.py …`) from the repository root,
checks that the venv lacks what the other steps need and that `--validate --step <step>` passes
there, and finally checks that the chain's predictions equal a one-shot run's and that storage
saved every game.  The spec's absolute
`/shared/` folder is mapped to a scratch folder (the one change to the lines); the installer's
cache is shared by all venvs, so each package is downloaded once.

    python scripts/check_step_envs.py --venvs DIR            # the check
    python scripts/check_step_envs.py --venvs DIR --workers  # then make them Prefect worker venvs
    python scripts/check_step_envs.py --venvs DIR --installer uv   # `uv pip install`, as CI does

With `--installer uv` each `pip install -r FILE` line runs as `uv pip install -r FILE` (the same
file into the same venv; uv links packages from its cache instead of unpacking them again, which
makes nine venvs take seconds instead of minutes on CI's two cores).

The one-shot run is made in DIR/pipeline, a venv with the four steps' requirement files.
`--workers` then adds to each of the five venvs what a Prefect worker needs
(requirements-s3.txt, requirements-orchestration.txt and the package itself, without
dependencies; DIR/pipeline serves the daily flow and the backfill): the venvs the Prefect
end-to-end test starts its workers in (NBA_WORKER_VENVS=DIR).  Prints the time each phase took.
Needs the package registry.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAY = "2024-01-15"
STEPS = ("collection", "features", "prediction", "storage")
# What each step's venv must NOT have: the other steps' heavy dependencies (import names).
# (nba_api declares pandas and so numpy: collection and features have numpy without using it.)
ABSENT = {
    "collection": ("xgboost", "sqlalchemy", "alembic", "psycopg", "fsspec", "prefect"),
    "features": ("xgboost", "sqlalchemy", "alembic", "psycopg", "fsspec", "prefect"),
    "prediction": ("nba_api", "requests", "sqlalchemy", "alembic", "psycopg", "fsspec", "prefect"),
    "storage": ("nba_api", "requests", "xgboost", "numpy", "fsspec", "prefect"),
}
# The daily flow and the backfill's venv: every step (the one-shot run of the check runs in it too).
PIPELINE_REQUIREMENTS = tuple(f"requirements-{step}.txt" for step in STEPS)
WORKER_REQUIREMENTS = ("requirements-s3.txt", "requirements-orchestration.txt")


def say(message: str) -> None:
    print(f"check_step_envs: {message}", file=sys.stderr, flush=True)


def distributed_example() -> list[tuple[str, str, str]]:
    """``(step, pip line, python line)`` per server, from the README's block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### Distributed processing.*?```bash\n(.*?)```", text, re.S)
    if block is None:
        raise SystemExit("README.md has no 'Distributed processing' bash block")
    lines = [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]
    servers = []
    for pip_line, python_line in zip(lines[::2], lines[1::2]):
        found = re.fullmatch(r"pip install -r requirements-(\w+)\.txt", pip_line)
        if found is None or not python_line.startswith("python main.py "):
            raise SystemExit(f"unexpected lines in the distributed example: {pip_line!r}, {python_line!r}")
        servers.append((found.group(1), pip_line, python_line))
    if [s for s, _, _ in servers] != list(STEPS):
        raise SystemExit(f"the distributed example's servers are {[s for s, _, _ in servers]}, expected {STEPS}")
    return servers


def run(command: str, venv: Path, env: dict[str, str], timeout: float = 1800) -> None:
    """``command`` through bash with ``venv`` activated, from the repository root."""
    full = {**env, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}"}
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        env=full,
        timeout=timeout,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"{venv.name}: {command!r} failed ({result.returncode}):\n{result.stdout[-4000:]}")


INSTALLER = {"pip": "pip install -q --disable-pip-version-check", "uv": "uv pip install -q"}


def make_venv(path: Path, installer: str) -> None:
    if path.exists():
        shutil.rmtree(path)
    if installer == "uv":
        subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(path)], check=True)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)


def install_line(pip_line: str, installer: str) -> str:
    """The README's ``pip install …`` line as run with ``installer``."""
    assert pip_line.startswith("pip install ")
    return INSTALLER[installer] + pip_line.removeprefix("pip install")


def check_absent(venv: Path, step: str) -> None:
    probe = (
        f"import importlib.util, json; print(json.dumps([m for m in {ABSENT[step]!r} if importlib.util.find_spec(m)]))"
    )
    out = subprocess.run([str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True, check=True)
    present = json.loads(out.stdout)
    if present:
        raise SystemExit(f"the {step} venv (only requirements-{step}.txt) has {present}: another step's dependencies")


def predictions_of(path: Path) -> list[tuple]:
    doc = json.loads(path.read_text())
    return [(p["game_id"], p["raw_data"], p["features"], p["rating"], p["classification"]) for p in doc["predictions"]]


def check(venvs: Path, env: dict[str, str], installer: str) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="nba-step-envs-"))
    shared = scratch / "shared"
    shared.mkdir()
    database = scratch / "ratings.db"
    run_env = {k: v for k, v in env.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL", "VIRTUAL_ENV"))}
    run_env["DATABASE_URL"] = f"sqlite:///{database}"
    run_env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ of these venvs in the checkout
    for step, pip_line, python_line in distributed_example():
        venv = venvs / step
        started = time.perf_counter()
        make_venv(venv, installer)
        run(install_line(pip_line, installer), venv, run_env)
        installed = time.perf_counter()
        check_absent(venv, step)
        run(python_line.replace("/shared/", f"{shared}/"), venv, run_env, timeout=900)
        # what that server checks before its first run: only its step's needs, all present
        run(f"python main.py --validate --step {step} --source archive --date {DAY}", venv, run_env, timeout=300)
        say(
            f"{step}: venv with only requirements-{step}.txt: install {installed - started:.0f} s, "
            f"step {time.perf_counter() - installed:.0f} s: {python_line}"
        )
    whole_venv = venvs / "pipeline"
    make_venv(whole_venv, installer)
    run(f"{INSTALLER[installer]} " + " ".join(f"-r {f}" for f in PIPELINE_REQUIREMENTS), whole_venv, run_env)
    one_shot = scratch / "one-shot.json"
    subprocess.run(
        [
            str(whole_venv / "bin" / "python"),
            str(ROOT / "main.py"),
            "--date",
            DAY,
            "--until-step",
            "prediction",
            "--output",
            str(one_shot),
            "--quiet",
        ],
        cwd=scratch,
        env=run_env,
        check=True,
        timeout=900,
    )
    chain, whole = predictions_of(shared / "predictions.json"), predictions_of(one_shot)
    if chain != whole or len(chain) != 11:
        raise SystemExit(f"the chain's {len(chain)} predictions differ from the one-shot run's {len(whole)}")
    with sqlite3.connect(database) as db:
        stored = db.execute("SELECT COUNT(*) FROM games").fetchone()[0]
    if stored != 11:
        raise SystemExit(f"the storage server saved {stored} games, expected 11")
    say(f"the chain's 11 predictions equal the one-shot run's; storage saved 11 games ({scratch})")
    shutil.rmtree(scratch)


def add_workers(venvs: Path, env: dict[str, str], installer: str) -> None:
    """Turn each step's venv into its Prefect worker's venv, and make the pipeline worker's."""
    wheels = venvs / "wheelhouse"
    started = time.perf_counter()
    if wheels.exists():
        shutil.rmtree(wheels)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--disable-pip-version-check",
            "--no-deps",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        env=env,
    )
    wheel = next(wheels.glob("nba_predictions-*.whl"))
    say(f"package wheel: {time.perf_counter() - started:.0f} s")
    pip_env = {k: v for k, v in env.items() if k != "VIRTUAL_ENV"}
    for name in (*STEPS, "pipeline"):
        venv = venvs / name
        started = time.perf_counter()
        files = WORKER_REQUIREMENTS
        requirements = " ".join(f"-r {f}" for f in files)
        run(f"{INSTALLER[installer]} {requirements} && {INSTALLER[installer]} --no-deps {wheel}", venv, pip_env)
        say(f"{name} worker venv: {time.perf_counter() - started:.0f} s ({', '.join(files)} and the package)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venvs", type=Path, required=True, help="folder for the venvs (replaced)")
    parser.add_argument("--workers", action="store_true", help="then add what each Prefect worker needs")
    parser.add_argument(
        "--installer",
        choices=sorted(INSTALLER),
        default="pip",
        help="run the requirement lines with pip (default) or uv pip",
    )
    args = parser.parse_args()
    args.venvs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    started = time.perf_counter()
    if args.installer == "uv" and shutil.which("uv") is None:
        raise SystemExit("--installer uv: uv is not on PATH (pip install uv)")
    check(args.venvs.resolve(), env, args.installer)
    say(f"per-step check: {time.perf_counter() - started:.0f} s")
    if args.workers:
        started = time.perf_counter()
        add_workers(args.venvs.resolve(), env, args.installer)
        say(f"worker venvs: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
