"""Docs match the code: every flag and command is in the README, every variable in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nba_predictions import cli
from nba_predictions.config import ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _flags(parser) -> list[str]:
    return [
        opt
        for action in parser._actions
        for opt in action.option_strings
        if opt.startswith("--") and opt not in ("--help", "--version")
    ]


def test_every_run_flag_is_in_the_readme_flag_reference():
    table = README[README.index("## Flag reference") :]
    for flag in _flags(cli.run_parser()):
        assert f"`{flag}" in table, f"{flag} is missing from the README's flag reference"


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_every_command_has_help_and_is_in_the_readme(command):
    make_parser, _ = cli.COMMANDS[command]
    parser = make_parser()
    assert parser.description
    for action in parser._actions:
        if action.option_strings and action.option_strings[0] != "-h":
            assert action.help, f"{command} {action.option_strings[0]} has no help text"
    assert f"nba-predictions {command}" in README
    mentioned = " ".join(line for line in README.splitlines() if f"nba-predictions {command}" in line or "`--" in line)
    for flag in _flags(parser):
        if flag not in ("--log-level", "--quiet", "--source", "--database", "--model", "--force", "--date"):
            assert flag in mentioned, f"nba-predictions {command} {flag} is not mentioned in the README"


def test_every_environment_variable_is_in_env_example_with_its_default():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", example, re.M))
    assert values == {name: default for name, (default, _) in ENVIRONMENT.items()}


def test_ci_runs_the_readme_test_command_verbatim():
    """The README's second set-up line (the test command) is a whole line of .ci/run, as written."""
    screen = README[README.index("## Quick start") :]
    setup = re.search(r"```bash\n(.*?)```", screen, re.S).group(1).strip().splitlines()
    test_command = setup[1]
    assert "python -m pytest" in test_command
    ci_lines = [line.split(" || tests_status=$?")[0] for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines, f".ci/run does not run the README's test command: {test_command}"
