"""Shared test helpers: run the real command line in a subprocess, as a user would.

Also the suite-wide Hypothesis profile: no per-example deadline.  Hypothesis fails an example that
takes longer than 200 ms by default, which a busy machine turns into random failures; what a
property test checks is the property, and speed is measured by ``benchmarks/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("nba-predictions", deadline=None)
settings.load_profile("nba-predictions")

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "main.py"


@pytest.fixture
def run_cli(tmp_path: Path):
    """Run ``python main.py ARGS`` in ``tmp_path`` with a private database; return the result."""

    def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
            entry: list[str] | None = None) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
        full_env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'ratings.db'}"
        full_env.update(env or {})
        command = (entry or [sys.executable, str(MAIN)]) + list(args)
        return subprocess.run(command, cwd=tmp_path, env=full_env, input=stdin, capture_output=True,
                              text=True, timeout=300)

    return run
