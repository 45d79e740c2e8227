"""Exit codes, and the one place exceptions become an exit code and one line on standard error.

0 every game done (games the source can never rate are reported, not failures); 1 a run failed
or any game that could be rated failed; 2 usage error; 130 interrupted; 141
standard output was closed by its reader (``show --json | head -3``: a quiet exit, as a process
ended by SIGPIPE).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

from nba_predictions.cli.parsers import PROG
from nba_predictions.errors import PipelineError, StdoutClosedError, UsageError

logger = logging.getLogger("nba_predictions")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_STDOUT_CLOSED = 128 + 13  # 128 + SIGPIPE, what a shell reports for a process its pipe ended


def exit_code_of(command: Callable[[], int]) -> int:
    """Run ``command``; its exit code, or the one of what it raised, said in one line."""
    try:
        code = command()
        sys.stdout.flush()  # a reader that left is found out here, not at the interpreter's exit
        return code
    except BrokenPipeError:
        _detach_stdout()  # the reader of our stdout has gone (| head): nothing more to say
        return EXIT_STDOUT_CLOSED
    except UsageError as exc:
        print(f"{PROG}: usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PipelineError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        if isinstance(exc, StdoutClosedError):
            _detach_stdout()
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug, not bad input: keep the line, keep the trace in the log
        logger.debug("unexpected error", exc_info=True)
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {exc} "
            "(rerun with --log-level DEBUG for the traceback and report it)",
            file=sys.stderr,
        )
        return EXIT_FAILED


def _detach_stdout() -> None:
    """Point standard output at /dev/null: what is still buffered for a closed pipe is dropped
    instead of failing again (with a traceback) when the interpreter flushes it at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError) as exc:  # no file descriptor (stdout replaced): nothing to detach
        logger.debug("standard output not detached: %s", exc)
