"""A disk that fills up, for real: a small tmpfs mounted for the test, or, where mounting is not
allowed, a file size limit (RLIMIT_FSIZE) on the command's process.

* ``tmpfs`` (root with CAP_SYS_ADMIN, as in this project's containers): writes fail with ENOSPC
  once the filesystem is full, as on a full disk; :meth:`SmallDisk.fill` takes what is left.
* ``rlimit``: a write past ``limit`` bytes in any one file fails with EFBIG (SIGXFSZ ignored, so
  the process sees the error rather than dying); the command is started with the limit set.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

SIZE_KB = 1024


class SmallDisk:
    def __init__(self, folder: Path, mode: str) -> None:
        self.folder = folder
        self.mode = mode  # "tmpfs" or "rlimit"
        self.limit_bytes: int | None = None  # rlimit mode: the file size limit of the next command

    def fill(self) -> None:
        """Take every free byte (tmpfs), or limit files to 4 kB (rlimit)."""
        if self.mode == "rlimit":
            self.limit_bytes = 4096
            return
        fd = os.open(self.folder / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            for size in (65536, 4096, 1):  # big blocks, then what is left byte by byte
                with contextlib.suppress(OSError):  # ENOSPC: this size no longer fits
                    while os.write(fd, b"\0" * size) == size:
                        pass
        finally:
            os.close(fd)

    def free(self) -> None:
        """Give the room back."""
        (self.folder / "filler").unlink(missing_ok=True)
        self.limit_bytes = None

    def preexec(self) -> Callable[[], None] | None:
        """What a command's process runs before it starts (the file size limit, in rlimit mode)."""
        limit = self.limit_bytes
        if limit is None:
            return None

        def limited() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-limit write fails with EFBIG instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        return limited


def _try_mount(folder: Path) -> str | None:
    """None when a 1 MB tmpfs is mounted on ``folder``, else why not."""
    if os.geteuid() != 0:
        return "not root"
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE_KB}k,mode=0777", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    return None if result.returncode == 0 else (result.stderr.strip() or "mount failed")


@contextlib.contextmanager
def small_disk(base: Path, mode: str) -> Iterator[SmallDisk]:
    """A :class:`SmallDisk` of ``mode``; raises :class:`DiskUnavailableError` when tmpfs cannot be mounted."""
    folder = base / f"disk-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    if mode == "rlimit":
        yield SmallDisk(folder, mode)
        return
    why = _try_mount(folder)
    if why is not None:
        raise DiskUnavailableError(f"a tmpfs cannot be mounted here ({why}); the rlimit case covers a full disk")
    try:
        yield SmallDisk(folder, mode)
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


class DiskUnavailableError(Exception):
    """This machine cannot make that kind of small disk."""
