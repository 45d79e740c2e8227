"""Read and write the pipeline's JSON documents: validated both ways, written atomically."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .errors import ArtifactError
from .schemas import DOCUMENT_MODELS, DOCUMENT_NAMES, STEPS

logger = logging.getLogger(__name__)

STDIO = "-"
M = TypeVar("M", bound=BaseModel)

# The command that makes the document a step reads, for error messages.
PRODUCING_COMMAND = {
    "collection": "python main.py --date YYYY-MM-DD --until-step collection --output collected_games.json",
    "features": "python main.py --from-step features --input collected_games.json --output engineered_features.json",
    "prediction": "python main.py --from-step prediction --input engineered_features.json --output predictions.json",
}


def input_step_for(from_step: str) -> str:
    """The step whose document ``--from-step from_step`` reads (features <- collection, …)."""
    return STEPS[STEPS.index(from_step) - 1]


def _a(name: str) -> str:
    """``"an engineered_features.json"``, ``"a predictions.json"``."""
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _field_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(document)"


def describe_validation_error(name: str, error: ValidationError) -> str:
    """One line: which file, which field, what was expected (first error, count of the rest)."""
    first = error.errors(include_url=False)[0]
    field = _field_path(tuple(first["loc"]))
    got = first.get("input")
    got_text = "" if first["type"] == "missing" else f" (got {json.dumps(got, default=str)[:60]})"
    more = error.error_count() - 1
    tail = f"; and {more} more problem{'s' if more > 1 else ''}" if more else ""
    return f"{name}: field {field}: {first['msg']}{got_text}{tail}"


def _serialise(doc: BaseModel) -> str:
    model = type(doc)
    # Validate what is about to be written, not just what was constructed.
    try:
        model.model_validate(doc.model_dump())
    except ValidationError as exc:
        raise ArtifactError(describe_validation_error(f"refusing to write {model.__name__}", exc)) from None
    return doc.model_dump_json(indent=2) + "\n"


def write_document(doc: BaseModel, path: str | Path) -> None:
    """Write ``doc`` to ``path`` atomically (temporary file in the same folder, then rename).

    ``"-"`` writes to standard output.  A crash never leaves half a file at ``path``.
    """
    text = _serialise(doc)
    if str(path) == STDIO:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise ArtifactError(f"cannot write {target}: {exc.strerror}; choose a writable --output path") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    logger.info("wrote %s (%d bytes)", target, len(text.encode()))


def read_document(path: str | Path, expected_step: str) -> BaseModel:
    """Read and validate the document of ``expected_step`` from ``path`` (``"-"`` = stdin).

    Every failure is an :class:`ArtifactError` with one line naming the file, the field and
    what was expected; a document of another step names the command that makes the right one.
    """
    name = "standard input" if str(path) == STDIO else str(path)
    expected_name = DOCUMENT_NAMES[expected_step]
    try:
        text = sys.stdin.read() if str(path) == STDIO else Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ArtifactError(
            f"{name} does not exist; make {_a(expected_name)} with: {PRODUCING_COMMAND[expected_step]}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"cannot read {name}: {exc}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise ArtifactError(
            f"{name} is not valid JSON{hint}: {exc.msg} at line {exc.lineno} column {exc.colno}; "
            f"regenerate it with: {PRODUCING_COMMAND[expected_step]}"
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("metadata"), dict):
        raise ArtifactError(f"{name}: field metadata: missing; expected {_a(expected_name)} document")
    step = raw["metadata"].get("step")
    if step != expected_step:
        if step in DOCUMENT_NAMES:
            found = f"is {_a(DOCUMENT_NAMES[step])} document (metadata.step = {step!r})"
        else:
            found = f"has metadata.step = {json.dumps(step)}"
        raise ArtifactError(
            f"{name} {found}, but this step needs {_a(expected_name)} document "
            f"(metadata.step = {expected_step!r}); make one with: {PRODUCING_COMMAND[expected_step]}"
        )
    model = DOCUMENT_MODELS[expected_step]
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ArtifactError(describe_validation_error(name, exc)) from None
