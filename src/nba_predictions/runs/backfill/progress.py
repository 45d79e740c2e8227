"""A backfill's progress on standard error: a bar, one log line per chunk, or nothing.

A backfill runs in stages (``features`` over the range's dates, ``rating`` of its games,
``storage`` of them, or ``collection`` for a range document), each reported as it goes.
:func:`make_progress` picks what ``cli.py`` asks for: a tqdm bar per stage (done/total, rate,
ETA, games rated so far) when standard error is a terminal, one INFO log line per chunk otherwise,
and nothing with ``--quiet`` (warnings still print).  tqdm is imported only here and only for a
terminal; log records emitted while a bar is drawn are written above it.
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import ExitStack
from datetime import date
from typing import IO, Protocol

logger = logging.getLogger("nba_predictions.runs.backfill")

UNITS = {"features": "dates", "collection": "dates", "rating": "games", "storage": "games", "update": "dates"}


class Progress(Protocol):
    def stage(self, name: str, total: int) -> None:
        """A stage begins: ``name`` one of :data:`UNITS`, ``total`` its dates or games."""

    def advance(self, done: int, *, up_to: date | None = None, games: int = 0, failed: int = 0) -> None:
        """``done`` more dates or games of the stage; ``games`` rated or saved with them (for the
        date stages), ``failed`` games that could not be, ``up_to`` the last date reached."""

    def close(self) -> None: ...


class Silent:
    """``--quiet``: nothing (warnings are logged as usual)."""

    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, done: int, *, up_to: date | None = None, games: int = 0, failed: int = 0) -> None:
        pass

    def close(self) -> None:
        pass


class _Stage:
    def __init__(self, name: str, total: int) -> None:
        self.name, self.total, self.unit = name, total, UNITS[name]
        self.done = self.games = self.failed = 0
        self.clock = time.perf_counter()

    def add(self, done: int, games: int, failed: int) -> None:
        self.done += done
        self.games += games if self.unit == "dates" else done
        self.failed += failed

    def elapsed(self) -> float:
        return time.perf_counter() - self.clock

    def games_per_second(self) -> float:
        elapsed = self.elapsed()
        return self.games / elapsed if elapsed > 0 else 0.0

    def eta(self) -> str:
        left = (self.total - self.done) * self.elapsed() / self.done if self.done else 0.0
        minutes, seconds = divmod(round(left), 60)
        return f"{minutes}:{seconds:02d}"


class LogLines:
    """Standard error is not a terminal (cron, CI, a log file): one INFO line per chunk."""

    def __init__(self, label: str = "backfill") -> None:
        self._stage: _Stage | None = None
        self._label = label

    def stage(self, name: str, total: int) -> None:
        self._stage = _Stage(name, total)

    def advance(self, done: int, *, up_to: date | None = None, games: int = 0, failed: int = 0) -> None:
        stage = self._stage
        assert stage is not None, "advance() before stage()"
        stage.add(done, games, failed)
        reached = f" (up to {up_to})" if up_to else ""
        logger.info(
            "%s %s: %d/%d %s%s, %d games, %d failed, %.0f games/s, ETA %s",
            self._label,
            stage.name,
            stage.done,
            stage.total,
            stage.unit,
            reached,
            stage.games,
            stage.failed,
            stage.games_per_second(),
            stage.eta(),
        )

    def close(self) -> None:
        pass


class Bar:
    """Standard error is a terminal: a tqdm bar per stage."""

    def __init__(self, stream: IO[str], label: str = "backfill", verb: str = "rated") -> None:
        self._stream = stream
        self._label, self._verb = label, verb
        self._bar = None
        self._stage: _Stage | None = None
        self._redirect = ExitStack()
        self._redirected = False

    def stage(self, name: str, total: int) -> None:
        from tqdm import tqdm
        from tqdm.contrib.logging import logging_redirect_tqdm

        self._finish()
        if not self._redirected:  # one redirection of the log handlers for the whole run
            self._redirect.enter_context(logging_redirect_tqdm())
            self._redirected = True
        self._stage = _Stage(name, total)
        # A terminal that reports no size (a bare pseudo-terminal) gets 100 x 24: tqdm would draw nothing.
        sized = _columns(self._stream) > 0
        self._bar = tqdm(
            total=total,
            unit=UNITS[name][:-1],
            desc=f"{self._label} {name}",
            file=self._stream,
            dynamic_ncols=sized,
            ncols=None if sized else 100,
            nrows=None if sized else 24,
            smoothing=0.1,
            leave=True,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
            + UNITS[name]
            + " [{elapsed}<{remaining}{postfix}]",
        )

    def advance(self, done: int, *, up_to: date | None = None, games: int = 0, failed: int = 0) -> None:
        assert self._stage is not None and self._bar is not None, "advance() before stage()"
        self._stage.add(done, games, failed)
        note = f", {self._stage.games:,} games {self._verb}, {self._stage.games_per_second():,.0f} games/s"
        if up_to:
            note += f", up to {up_to}"
        if self._stage.failed:
            note += f", {self._stage.failed} failed"
        self._bar.set_postfix_str(note.lstrip(", "), refresh=False)
        self._bar.update(done)

    def _finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def close(self) -> None:
        self._finish()
        self._redirect.close()


def _columns(stream: IO[str]) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError):
        return 0


def make_progress(*, quiet: bool, stream: IO[str], label: str = "backfill", verb: str = "rated") -> Progress:
    """Silent with ``quiet``; bars on a terminal (when tqdm is installed); log lines otherwise.
    ``label`` names the command on each bar and line, ``verb`` what was done to the games."""
    if quiet:
        return Silent()
    if stream.isatty():
        try:
            import tqdm  # noqa: F401
        except ImportError:
            logger.debug("tqdm is not installed: progress as log lines")
        else:
            return Bar(stream, label, verb)
    return LogLines(label)
