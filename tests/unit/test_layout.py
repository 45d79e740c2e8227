"""The package's shape (issue 20): small modules and classes, and a root that holds only entry points.

Read from the source files (no import), so the test sees this checkout whatever is installed.
Each test lists every offender at once, not the first one.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "nba_predictions"
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 150
# The package root: the public API, `python -m`, the command line (a package), settings, errors.
ROOT_MODULES = {"__init__", "__main__", "cli", "config", "errors"}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_the_package_is_where_the_test_looks() -> None:
    assert (PACKAGE / "__init__.py").is_file()
    assert len(modules()) > 50


def test_no_module_is_over_400_lines() -> None:
    lengths = {name(path): len(path.read_text(encoding="utf-8").splitlines()) for path in modules()}
    offenders = {module: lines for module, lines in lengths.items() if lines > MAX_MODULE_LINES}
    assert not offenders, f"modules over {MAX_MODULE_LINES} lines: " + ", ".join(
        f"{module} ({lines})" for module, lines in sorted(offenders.items())
    )


def test_no_class_is_over_150_lines() -> None:
    offenders = []
    for path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lines = (node.end_lineno or node.lineno) - first + 1
                if lines > MAX_CLASS_LINES:
                    offenders.append(f"{name(path)}:{node.lineno} {node.name} ({lines})")
    assert not offenders, f"classes over {MAX_CLASS_LINES} lines: " + ", ".join(offenders)


def test_the_package_root_holds_only_the_entry_points() -> None:
    found = {path.stem for path in PACKAGE.glob("*.py")} | {
        path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").is_file()
    }
    packages = {path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").is_file()}
    offenders = sorted(found - ROOT_MODULES - (packages - {"cli"}))
    assert not offenders, "modules at the package root that belong in a subpackage: " + ", ".join(offenders)
    assert "cli" in found, "the command line (cli) is missing"
