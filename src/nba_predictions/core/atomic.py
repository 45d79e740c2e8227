"""Write a file atomically: a temporary file in the same folder, fsync, then rename.

Every file the project writes (documents, the API cache, the trained model) goes through here, so
a crash never leaves half a file and every file gets the same permissions (0666 minus the umask,
like ``open()``; ``mkstemp`` alone would make it 0600 and unreadable to a second user).

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

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically.  Raises ``OSError`` (nothing left behind)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o666 & ~_umask())
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    """``write_bytes_atomic`` for UTF-8 text."""
    write_bytes_atomic(path, text.encode("utf-8"))
