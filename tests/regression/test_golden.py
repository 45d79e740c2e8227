"""Issue 20: the redesign changed nothing a user sees (the golden copy in tests/fixtures/golden/)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.regression.golden import produce, read_golden


def _first_difference(expected, actual, where="") -> str | None:
    if type(expected) is not type(actual):
        return f"{where or '/'}: {expected!r} != {actual!r}"
    if isinstance(expected, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual or key not in expected:
                return f"{where}/{key}: only in {'the golden copy' if key in expected else 'this run'}"
            found = _first_difference(expected[key], actual[key], f"{where}/{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if len(expected) != len(actual):
            return f"{where}: {len(expected)} items in the golden copy, {len(actual)} now"
        for i, (e, a) in enumerate(zip(expected, actual)):
            found = _first_difference(e, a, f"{where}[{i}]")
            if found:
                return found
        return None
    return None if expected == actual else f"{where}: {json.dumps(expected)} != {json.dumps(actual)}"


def test_documents_and_rows_are_todays(tmp_path: Path) -> None:
    golden = read_golden()
    produced = json.loads(json.dumps(produce(tmp_path)))  # the same JSON types as the stored copy
    for key in ("day", "season"):
        assert _first_difference(golden[key], produced[key], key) is None
