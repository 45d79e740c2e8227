"""The code tools of issue 20, run by the README's test command as `.ci/run` runs them before it.

Each tool runs in a subprocess from the repository root with its settings in pyproject.toml (ruff's
rule set, mypy's strictness, import-linter's contracts), and a failing tool fails its test with the
tool's own output.  They come with the ``test`` extra (requirements-dev.txt); a missing tool fails
too, naming the install, rather than skipping: a check that can silently vanish is no check.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

# name -> the command, as .ci/run and the README's "Tests, benchmarks, CI" section write it.  The
# tools run from this interpreter (python -m ...; lint-imports has no -m, so its console function
# is called), so the venv that runs pytest is the one whose tools are checked.
TOOLS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
    "ruff format --check": [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."],
    "mypy": [sys.executable, "-m", "mypy"],
    "lint-imports": [
        sys.executable,
        "-c",
        "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
        "--no-cache",
    ],
    # No cycle between single modules (the contracts see cycles between layers only).
    "import cycles": [sys.executable, "scripts/check_import_cycles.py"],
}


def run_tool(command: list[str]) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH=src: import-linter and mypy must read this checkout's package, not a copy that
    # `pip install .` put in site-packages.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    env.pop("MYPYPATH", None)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.parametrize("name", list(TOOLS))
def test_tool_passes(name: str) -> None:
    result = run_tool(TOOLS[name])
    if "No module named" in result.stderr and result.returncode != 0:
        pytest.fail(f"{name} is not installed: pip install '.[test]' (or -r requirements-dev.txt)\n{result.stderr}")
    assert result.returncode == 0, f"{name} failed (exit code {result.returncode}):\n{result.stdout}\n{result.stderr}"


def test_the_commands_are_those_of_ci_and_the_readme() -> None:
    """.ci/run and the README run the same tools this module runs."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in ("ruff check", "ruff format --check", "mypy", "lint-imports", "scripts/check_import_cycles.py"):
        assert line in ci, f".ci/run does not run {line}"
        assert line in readme, f"README.md does not say how to run {line}"


def _cycles_script():  # scripts/ is no package: load the file as a module
    spec = importlib.util.spec_from_file_location("check_import_cycles", ROOT / "scripts" / "check_import_cycles.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cycle_check_finds_cycles() -> None:
    script = _cycles_script()
    acyclic = {"a": {"b", "c"}, "b": {"c"}, "c": set()}
    assert script.strongly_connected(acyclic) == []
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": {"d"}, "f": {"f"}}
    assert script.strongly_connected(graph) == [["a", "b", "c"], ["d", "e"], ["f"]]
    assert script.cycle_in(["a", "b", "c"], graph) == ["a", "b", "c", "a"]
    assert script.cycle_in(["d", "e"], graph) == ["d", "e", "d"]
