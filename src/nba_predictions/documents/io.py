"""Read and write the pipeline's JSON documents: validated both ways, written atomically.

The documents' I/O is three modules, from the document down to the disk:

* :mod:`nba_predictions.documents.io` - *what*: JSON text <-> a step's validated pydantic
  document (duplicate keys, nesting, NaN, the step, the schema), every failure one
  :class:`~nba_predictions.errors.ArtifactError` line naming the file and the field;
* :mod:`nba_predictions.documents.locations` - *where*: a path, ``-`` or a URL (``file://``,
  ``memory://``, ``s3://`` through fsspec), its bytes read and written all-or-nothing, failures a
  :class:`~nba_predictions.errors.LocationError` free of credentials;
* :mod:`nba_predictions.core.atomic` - *how a local file is replaced*: temporary file, fsync,
  rename (in ``core`` because the API cache and the trained model use it too).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from nba_predictions.documents import locations
from nba_predictions.documents.models import DOCUMENT_MODELS, DOCUMENT_NAMES, EXTRA_FEATURES, STEPS
from nba_predictions.errors import ArtifactError, DuplicateKeyError, StdoutClosedError

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
    loc = tuple(first["loc"])
    message = first["msg"]
    if first["type"] == "value_error":
        # Our own validators' messages; those of document-wide checks start with the field path
        # themselves ("metadata.total_games: ...", "games[3].game_id: ...").
        message = message.removeprefix("Value error, ")
    got = first.get("input")
    # The offending value, when it is a value: never the whole document or a whole game.
    shown = first["type"] not in ("missing", "value_error") and len(loc) > 0 and not isinstance(got, (dict, list))
    got_text = f" (got {json.dumps(got, default=str)[:60]})" if shown else ""
    more = error.error_count() - 1
    tail = f"; and {more} more problem{'s' if more > 1 else ''}" if more else ""
    where = f"field {_field_path(loc)}: " if loc else ""
    return f"{name}: {where}{message}{got_text}{tail}"


MAX_DEPTH = 32
"""How deep a document may nest.  The pipeline's documents nest 6 levels at most
(``games[i].score_timeline.events[j][k]``); far deeper is a broken or hostile file."""

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]')
_COLON = re.compile(r"\s*:")


def _too_deep(text: str, limit: int = MAX_DEPTH) -> tuple[str, int, int] | None:
    """``(field path, line, column)`` where ``text`` first nests deeper than ``limit``, else None.

    A small scanner over strings and brackets only (no values are decoded), used when the JSON
    decoder gives up on the nesting: it names the field the way validation errors do.
    """
    stack: list[list] = []  # per open container: [kind, current key or index]
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            if len(stack) >= limit:
                path = ""
                for depth, (kind, at) in enumerate(stack):
                    if depth == 8:
                        path += "…"  # the field where it starts is what matters
                        break
                    if kind == "[":
                        path += f"[{at}]"
                    elif at is not None:
                        path += f".{at}" if path else str(at)
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
                return path or "(document)", line, column
            stack.append([token, 0 if token == "[" else None])
        elif token in "]}":
            if stack:
                stack.pop()
        elif token == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][1] += 1
        elif stack and stack[-1][0] == "{" and _COLON.match(text, match.end()):
            try:
                stack[-1][1] = json.loads(token)
            except ValueError:
                stack[-1][1] = token
    return None


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """``json.loads`` keeps the last of two equal keys without a word: refuse the object instead."""
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(key)
        out[key] = value
    return out


def decode_document(text: str, name: str, regenerate: str) -> object:
    """Strict JSON: one line naming the file (and the field where known) for anything else.

    Refused: invalid or truncated JSON, an object with the same key twice (the decoder would keep
    one silently), nesting deeper than :data:`MAX_DEPTH`, numbers beyond what JSON can carry.
    ``NaN`` and ``Infinity`` are decoded here and refused by the models with the field's name.
    """
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise ArtifactError(
            f"{name} is not valid JSON{hint}: {exc.msg} at line {exc.lineno} column {exc.colno}; "
            f"regenerate it with: {regenerate}"
        ) from None
    except DuplicateKeyError as exc:
        raise ArtifactError(
            f"{name}: field {exc.key}: the same key appears twice in one object (which value is meant cannot be "
            f"known); regenerate it with: {regenerate}"
        ) from None
    except RecursionError:
        where = _too_deep(text)
        field, line, column = where if where else ("(document)", 1, 1)
        raise ArtifactError(
            f"{name}: field {field}: nested more than {MAX_DEPTH} levels deep at line {line} column {column} "
            f"(a pipeline document nests at most 6); regenerate it with: {regenerate}"
        ) from None
    except ValueError:  # the decoder's one other refusal: an integer too long to convert
        raise ArtifactError(
            f"{name}: a number in it has more digits than any field can hold (over 4,300); "
            f"regenerate it with: {regenerate}"
        ) from None


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
            if isinstance(exc, BrokenPipeError):
                raise StdoutClosedError(
                    f"cannot write the document to standard output: {exc.strerror or exc}; "
                    "its reader closed it before the end"
                ) from None
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
        raise ArtifactError(f"cannot read {name}: {exc.reason}{f'; {exc.hint}' if exc.hint else ''}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"cannot read {name}: {exc}") from None
    raw = decode_document(text, name, PRODUCING_COMMAND[expected_step])
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
                f"{name}: the games' features lack the additional features ({', '.join(lacking)}); "
                f"a features document from an older version or with the spec's seven only cannot be read: "
                f"regenerate it with: "
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
