"""Read and write the pipeline's JSON documents: validated both ways, written atomically."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from . import locations
from .errors import ArtifactError
from .schemas import DOCUMENT_MODELS, DOCUMENT_NAMES, EXTRA_FEATURES, STEPS

logger = logging.getLogger(__name__)

STDIO = locations.STDIO
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
    # The offending value, when it is a value: never the whole document or a whole game.
    shown = first["type"] != "missing" and len(first["loc"]) > 0 and not isinstance(got, (dict, list))
    got_text = f" (got {json.dumps(got, default=str)[:60]})" if shown else ""
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


_WRITABLE = "choose a writable --output path or URL"


def write_document(doc: BaseModel, path: str | Path) -> None:
    """Write ``doc`` to ``path`` all or nothing: a local path or ``file://`` URL through a
    temporary file and a rename, an ``s3://`` or ``memory://`` URL in one put.

    ``"-"`` writes to standard output.  A crash never leaves half a document at ``path``; a
    location that cannot be written is an :class:`ArtifactError` naming it.
    """
    text = _serialise(doc)
    if str(path) == STDIO:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except OSError as exc:
            raise ArtifactError(f"cannot write the document to standard output: {exc.strerror or exc}") from None
        return
    try:
        locations.write_bytes(path, text.encode("utf-8"))
    except locations.LocationError as exc:
        raise ArtifactError(f"cannot write {path}: {exc.reason}; {exc.hint or _WRITABLE}") from None
    logger.info("wrote %s (%d bytes)", path, len(text.encode()))


def check_writable(path: str | Path) -> None:
    """Fail before any work when ``path`` cannot take a document (a folder, an unwritable place,
    a URL whose scheme, package or bucket is missing)."""
    try:
        locations.check_writable(path)
    except locations.LocationError as exc:
        raise ArtifactError(f"cannot write {path}: {exc.reason}; {exc.hint or _WRITABLE}") from None


def read_document(path: str | Path, expected_step: str) -> BaseModel:
    """Read and validate the document of ``expected_step`` from ``path`` (``"-"`` = stdin).

    Every failure is an :class:`ArtifactError` with one line naming the file, the field and
    what was expected; a document of another step names the command that makes the right one.
    """
    name = "standard input" if str(path) == STDIO else str(path)
    expected_name = DOCUMENT_NAMES[expected_step]
    try:
        text = sys.stdin.read() if str(path) == STDIO else locations.read_bytes(path).decode("utf-8")
    except locations.LocationError as exc:
        if exc.missing:
            raise ArtifactError(
                f"{name} does not exist; make {_a(expected_name)} with: {PRODUCING_COMMAND[expected_step]}"
            ) from None
        raise ArtifactError(f"cannot read {name}: {exc.reason}") from None
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
        lacking = _missing_extra_features(exc)
        if lacking:
            raise ArtifactError(
                f"{name}: the games' features lack the model's additional features ({', '.join(lacking)}); "
                f"a features document with the spec's seven only cannot be rated: regenerate it with: "
                f"{PRODUCING_COMMAND['features']}"
            ) from None
        raise ArtifactError(describe_validation_error(name, exc)) from None


def _missing_extra_features(error: ValidationError) -> list[str]:
    """The documented extra features, when their absence is the document's only problem."""
    names: list[str] = []
    for item in error.errors(include_url=False):
        loc = item["loc"]
        if item["type"] != "missing" or len(loc) < 2 or loc[-2] != "features" or loc[-1] not in EXTRA_FEATURES:
            return []
        if loc[-1] not in names:
            names.append(str(loc[-1]))
    return names
