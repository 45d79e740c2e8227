"""The README's pipeline commands work exactly as written (run in order, in a scratch folder).

The blocks under "Running the pipeline", "Distributed processing" and "Development & testing"
reproduce the spec's "Command Line Interface", "Usage Examples" and "Development & Testing"
sections.  `pip install` lines are not run (the test environment has everything), `python` is
this interpreter and the absolute `/shared/` folder of the distributed example is a scratch
folder.  Nothing else is changed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("## Running the pipeline", "### Distributed processing", "### Development & testing")


def readme_commands() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for heading in SECTIONS:
        start = text.index(heading)
        block = re.search(r"```bash\n(.*?)```", text[start:], re.S)
        assert block, f"no bash block under {heading}"
        for raw in block.group(1).splitlines():
            line = raw.strip()
            if line and not line.startswith("#"):
                out.append((heading, line))
    return out


def test_readme_has_the_spec_commands():
    commands = [c for _, c in readme_commands()]
    for expected in [
        "python main.py --date 2024-01-15",
        "python main.py --from-step storage --input predictions.json",
        "python main.py --from-step prediction --input /shared/features.json --output /shared/predictions.json",
        "python main.py --from-step features --input test_data/collected_games.json --output debug_features.json",
        "cat debug_features.json | jq '.games[0].features'",
    ]:
        assert expected in commands


def test_readme_commands_work_as_written(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copytree(ROOT / "test_data", work / "test_data")
    shared = tmp_path / "shared"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    env["DATABASE_URL"] = f"sqlite:///{work / 'ratings.db'}"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for heading, command in readme_commands():
        if command.startswith("pip install"):
            continue
        if "jq" in command and shutil.which("jq") is None:
            pytest.skip("jq is not installed (apt-get install jq); the other README commands passed")
        shell = command.replace("python main.py", f"{sys.executable} {ROOT / 'main.py'}").replace(
            "/shared/", f"{shared}/"
        )
        result = subprocess.run(shell, shell=True, cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{heading}: {command!r} failed: {result.stderr[-2000:]}"
        if "jq" in command:
            assert '"competitive_seconds"' in result.stdout
