"""Backfills: a range of dates as one pipeline run.

``nba-predictions backfill --start A --end B`` rates every date from A to B.  The range is one
run, not a loop of one-date runs: one route per date to a source (the archive where it covers the
date; under ``--source auto`` the live API elsewhere, under ``--source archive`` the date is
reported as not rated, with the archive's reason), one read of the range's archive rows, the
columnar features pass, one batch prediction and one storage transaction per chunk of about
:data:`~.runner.CHUNK_GAMES` games, one ``pipeline_runs`` row.  The games, features, ratings and
failures are those of running the dates one by one (``tests/integration/test_backfill.py``).

* **Resumable**: every chunk commits on its own; a rerun leaves alone the games already stored
  with a rating and does the rest, so a backfill killed at any point and rerun ends with the
  database an uninterrupted one makes.
* **Step by step**: ``--until-step collection|features|prediction --output F`` writes one document
  for the range; ``--from-step features|prediction|storage --input F`` goes on from one.
* Progress: :mod:`.progress`.  What it did: a range's :class:`~nba_predictions.runs.summary.RunSummary`
  (its per-date reports in ``dates``).
* Inside: :mod:`.runner` (the run), :mod:`.chunks`, :mod:`.collect`, :mod:`.stages`, :mod:`.documents`.
"""

from __future__ import annotations

from datetime import date

from nba_predictions.errors import UsageError
from nba_predictions.runs.backfill.progress import Progress, make_progress
from nba_predictions.runs.backfill.runner import CHUNK_GAMES, RangeRun
from nba_predictions.runs.pipeline import StepRunner
from nba_predictions.runs.resources import Resources
from nba_predictions.runs.summary import RunSummary

__all__ = ["CHUNK_GAMES", "Progress", "backfill", "make_progress"]


def backfill(
    resources: Resources,
    first: date | None,
    last: date | None,
    until: str = "storage",
    *,
    from_step: str | None = None,
    input_path: str | None = None,
    output_path: str | None = None,
    progress: Progress | None = None,
    chunk_games: int = CHUNK_GAMES,
) -> RunSummary:
    """Rate every date from ``first`` to ``last`` through step ``until`` (see the module doc), or,
    with ``from_step``, go on from the range document at ``input_path``.

    The sources, the model and the database are ``resources``', opened once (the caller closes
    them).  Returns the range's summary whatever the outcome: a date that cannot be rated is
    reported and the run goes on; a failure that stops the run (the database, the model) is in
    the summary's ``errors`` and ``error``.  Raises :class:`UsageError` for an empty range or a
    document that contradicts the command line.
    """
    if from_step is not None:
        run = StepRunner(resources).run(from_step, until, input_path=input_path, output_path=output_path)
        if isinstance(run.error, UsageError):
            raise run.error
        return run.as_range()
    if first is None or last is None:
        raise UsageError("backfill needs --start and --end (or --from-step with --input)")
    if last < first:
        raise UsageError(f"--end {last} is before --start {first}")
    return RangeRun(
        resources, first, last, until, output_path=output_path, progress=progress, chunk_games=chunk_games
    ).run()
