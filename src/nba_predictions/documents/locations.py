"""Where documents live: a local path, ``-`` (standard input/output), or a URL.

URLs let the four servers pass documents through object storage instead of a shared folder:

* ``file:///abs/path.json`` - a local file (same as the plain path);
* ``memory://name.json`` - fsspec's in-process store (tests, notebooks);
* ``s3://bucket/key.json`` (also ``s3a://``) - Amazon S3 or any S3-compatible store, through
  s3fs (``pip install 'nba-predictions[s3]'`` or ``-r requirements-s3.txt``).

fsspec and s3fs are imported only when a URL asks for them, so a step that reads and writes
plain paths never imports them.  Every write is all-or-nothing: a local file is written to a
temporary file and renamed; an S3 object is stored by one ``PutObject`` (or a multipart upload,
which S3 makes visible only when it completes); a memory entry is replaced in one assignment.
Nowhere does a reader see half a document.

Credentials come only from the environment (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_SESSION_TOKEN``, ``AWS_PROFILE``, ``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL`` for an
S3-compatible server), read by botocore itself; nothing here takes, stores or logs them, and
error messages are scrubbed of their values.

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

import errno
import logging
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from nba_predictions.config import ENVIRONMENT, parse_number
from nba_predictions.core.atomic import write_bytes_atomic

# LocationError lives in errors.py; named here too for the callers that know it as locations.LocationError.
from nba_predictions.errors import LocationError as LocationError
from nba_predictions.errors import UsageError

logger = logging.getLogger(__name__)

STDIO = "-"
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)  # no room left, over quota, over the file size limit
# Environment variables whose values must never appear in a message.
SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID")
# Loggers that would print request headers (session tokens, signatures) at DEBUG.
CHATTY_LOGGERS = ("botocore", "aiobotocore", "s3fs", "fsspec", "urllib3", "aiohttp")


@dataclass(frozen=True)
class Backend:
    """How one URL scheme is reached: fsspec's protocol and the package that provides it."""

    protocol: str
    package: str | None  # import name needed beyond fsspec (None: fsspec alone)
    install: str  # how to get it


# Explicit table: only schemes whose writes are known to be all-or-nothing are accepted.
BACKENDS = {
    "memory": Backend("memory", None, "pip install fsspec"),
    "s3": Backend("s3", "s3fs", "pip install 'nba-predictions[s3]' (or pip install -r requirements-s3.txt)"),
    "s3a": Backend("s3", "s3fs", "pip install 'nba-predictions[s3]' (or pip install -r requirements-s3.txt)"),
}


def scheme_of(location: str | Path) -> str | None:
    """``"s3"`` for ``s3://b/k``; None for a plain path or ``-``."""
    text = str(location)
    if "://" not in text:
        return None
    return text.split("://", 1)[0].lower()


def is_url(location: str | Path) -> bool:
    """True for ``scheme://…`` other than ``file://`` (which is handled as a local path)."""
    return scheme_of(location) not in (None, "file")


def local_path(location: str | Path) -> Path:
    """The local path of a plain path or a ``file://`` URL."""
    text = str(location)
    if scheme_of(text) == "file":
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise LocationError(text, f"file:// URLs name a local file (file:///abs/path), not host {parts.netloc!r}")
        return Path(unquote(parts.path))
    return Path(text)


def base_name(location: str | Path) -> str:
    """The last path component: ``predictions.json`` of ``s3://b/2024-01-15/predictions.json``."""
    if is_url(location):
        return posixpath.basename(urlsplit(str(location)).path)
    return local_path(location).name


def same_location(a: str, b: str) -> bool:
    """Whether two locations name the same document."""
    if is_url(a) or is_url(b):
        return _normalised_url(a) == _normalised_url(b)
    pa, pb = local_path(a), local_path(b)
    if pa.exists() and pb.exists():
        return pa.samefile(pb)
    return pa.resolve() == pb.resolve()


def _normalised_url(text: str) -> str:
    scheme = scheme_of(text) or ""
    backend = BACKENDS.get(scheme)
    rest = str(text).split("://", 1)[-1]
    return f"{backend.protocol if backend else scheme}://{posixpath.normpath(rest)}"


def scrub(text: str) -> str:
    """``text`` with the values of the credential variables replaced by ``***``."""
    for name in SECRET_VARIABLES:
        value = os.environ.get(name)
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text


def _filesystem(location: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``location`` and the path inside it."""
    scheme = scheme_of(location)
    backend = BACKENDS.get(scheme or "")
    if backend is None:
        supported = ", ".join(f"{s}://" for s in BACKENDS)
        raise LocationError(location, f"unsupported URL scheme {scheme}://; use a local path, file://, {supported}")
    try:
        import fsspec

        if backend.package:
            __import__(backend.package)
    except ImportError as exc:
        raise LocationError(location, f"{scheme}:// needs the {exc.name} package: {backend.install}") from None
    # A new instance each time (not fsspec's cache): it reads the environment as it is now.
    options = s3_options(location) if backend.protocol == "s3" else {}
    fs = fsspec.filesystem(backend.protocol, skip_instance_cache=True, **options)  # credentials: the environment
    if backend.protocol == "s3":
        fs.retries = S3FS_ATTEMPTS  # a class attribute of S3FileSystem, not an option of its constructor
    path = str(location).split("://", 1)[1]
    return fs, path


S3FS_ATTEMPTS = 2
"""s3fs's own loop around each S3 call (its ``retries``, 5 by default): 2 starts a read whose body
broke off (the connection dropped mid-transfer, which botocore has already handed over) once more.
Each of its attempts is one botocore call of at most ``NBA_S3_ATTEMPTS`` requests."""


def s3_options(location: str) -> dict[str, Any]:
    """s3fs's options, every retry and timeout explicit rather than the libraries' defaults.

    botocore's *standard* retry mode makes at most ``NBA_S3_ATTEMPTS`` requests for one call
    (retrying 500, 502, 503, 504, throttling, a lost connection and a timeout, with jittered
    exponential backoff), each with ``NBA_S3_TIMEOUT`` seconds to connect and to read; s3fs starts
    the call over at most :data:`S3FS_ATTEMPTS` times.  So one document read or write sends at most
    ``2 x NBA_S3_ATTEMPTS`` requests and then fails with one line.  (Left alone, botocore's legacy
    mode makes 5 attempts, and s3fs multiplies that by its own 5 with a 60 s read timeout each.)
    """
    attempts = _number(location, "NBA_S3_ATTEMPTS", int)
    timeout = _number(location, "NBA_S3_TIMEOUT", float)
    if attempts < 1:
        raise LocationError(location, f"NBA_S3_ATTEMPTS={attempts} must be 1 or more (1 = no retry)")
    if timeout <= 0:
        raise LocationError(location, f"NBA_S3_TIMEOUT={timeout:g} must be more than 0 seconds")
    return {
        "config_kwargs": {
            "retries": {"total_max_attempts": attempts, "mode": "standard"},
            "connect_timeout": timeout,
            "read_timeout": timeout,
        },
    }


def _number(location: str, name: str, kind: type) -> float:
    try:
        return parse_number(name, os.environ.get(name, ENVIRONMENT[name][0]), kind)
    except UsageError as exc:
        raise LocationError(location, str(exc)) from None


def _describe(location: str, exc: BaseException) -> str:
    """A one-line reason for an I/O failure, without credentials."""
    if isinstance(exc, PermissionError) and is_url(location):
        return (
            "access denied; check the credentials in the environment (AWS_ACCESS_KEY_ID, "
            "AWS_SECRET_ACCESS_KEY or AWS_PROFILE) and the bucket's policy"
        )
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    answer = _s3_answer(exc)
    if answer:
        text = f"the S3 server answered {answer}: {text}"
    return scrub(" ".join(str(text).split()))


def _s3_answer(exc: BaseException) -> str | None:
    """``"503 SlowDown"`` when botocore's error (s3fs keeps it as the cause) carries an HTTP answer."""
    cause = exc.__cause__ or exc.__context__
    response = getattr(cause, "response", None)
    if not isinstance(response, dict):
        return None
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = response.get("Error", {}).get("Code")
    return " ".join(str(part) for part in (status, code) if part) or None


def _gave_up(location: str, exc: BaseException) -> LocationError:
    """The error of a URL's read or write that failed for a reason other than a missing object, a
    folder or refused credentials: an S3 one says how long it tried and what to do."""
    reason = _describe(location, exc)
    if scheme_of(location) not in ("s3", "s3a") or isinstance(exc, (PermissionError, LocationError)):
        return LocationError(location, reason)
    attempts, timeout = (os.environ.get(name, ENVIRONMENT[name][0]) for name in ("NBA_S3_ATTEMPTS", "NBA_S3_TIMEOUT"))
    return LocationError(
        location,
        f"{reason} (gave up after NBA_S3_ATTEMPTS={attempts} attempts of up to NBA_S3_TIMEOUT={timeout} s)",
        hint="rerun when the object store answers again, or raise NBA_S3_ATTEMPTS / NBA_S3_TIMEOUT for a slow one",
    )


def read_bytes(location: str | Path) -> bytes:
    """The bytes at ``location`` (a path, ``file://`` or a supported URL).

    Raises :class:`LocationError` (``missing`` set when nothing is there).
    """
    text = str(location)
    try:
        if not is_url(text):
            return local_path(text).read_bytes()
        fs, path = _filesystem(text)
        return fs.cat_file(path)
    except LocationError:
        raise
    except FileNotFoundError:
        raise LocationError(text, "does not exist", missing=True) from None
    except IsADirectoryError:
        raise LocationError(text, "is a folder, not a document") from None
    except Exception as exc:
        raise _gave_up(text, exc) from None


def exists(location: str | Path) -> bool:
    """Whether a document is stored at ``location`` (a path, ``file://`` or a supported URL)."""
    text = str(location)
    try:
        if not is_url(text):
            return local_path(text).is_file()
        fs, path = _filesystem(text)
        return bool(fs.isfile(path))
    except LocationError:
        raise
    except Exception as exc:
        raise LocationError(text, _describe(text, exc)) from None


def write_bytes(location: str | Path, data: bytes) -> None:
    """Replace the document at ``location`` with ``data``, all or nothing."""
    text = str(location)
    try:
        if not is_url(text):
            write_bytes_atomic(local_path(text), data)
            return
        fs, path = _filesystem(text)
        # One call that stores the whole value: a single PutObject (or a multipart upload that
        # S3 publishes only on completion); MemoryFileSystem swaps the entry in one assignment.
        fs.pipe_file(path, data)
    except LocationError:
        raise
    except OSError as exc:
        if exc.errno in DISK_FULL and not is_url(text):
            raise LocationError(
                text,
                f"{exc.strerror} (the document is {len(data):,} bytes)",
                hint=f"free space where {local_path(text).parent} is; anything already there was left as it was",
            ) from None
        raise _gave_up(text, exc) from None
    except Exception as exc:
        raise _gave_up(text, exc) from None


def check_writable(location: str | Path) -> None:
    """Fail before any work when ``location`` cannot take a document.

    Raises :class:`LocationError` with a one-line reason.
    """
    text = str(location)
    if text == STDIO:
        return
    if not is_url(text):
        target = local_path(text)
        if target.is_dir():
            raise LocationError(text, "it is a folder", hint=f"give a file name, e.g. {target / 'out.json'}")
        probe = target.parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent  # the folder will be created: its nearest existing ancestor must be writable
        if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
            raise LocationError(text, f"{probe} is not a writable folder")
        return
    fs, path = _filesystem(text)
    scheme = scheme_of(text)
    assert scheme is not None  # a URL: a plain path returned above
    if path.endswith("/") or not posixpath.basename(path):
        raise LocationError(text, "the URL names a folder", hint="end it with a file name, e.g. predictions.json")
    try:
        if fs.isdir(path):
            raise LocationError(text, "it is a folder", hint="give a file name inside it")
        if BACKENDS[scheme].protocol == "s3":
            bucket = path.split("/", 1)[0]
            if not fs.exists(bucket):
                raise LocationError(text, f"bucket {bucket!r} does not exist (or these credentials cannot see it)")
    except LocationError:
        raise
    except Exception as exc:
        raise LocationError(text, _describe(text, exc)) from None
