"""Running the pipeline on Prefect 3: one deployment per step on its own work pool.

* :mod:`.runner` - one step of one date, wired from the worker's environment (no Prefect import);
  where its documents go is :mod:`nba_predictions.documents.layout` (a folder per run, a pointer
  to the latest).
* :mod:`.flows` - the Prefect flows: a flow per step, ``nba-rate-date`` (the daily job, which runs
  the four step deployments in turn) and ``nba-backfill``.
* :mod:`.deploy` - creates the work pools and registers the deployments
  (``python -m nba_predictions.orchestration deploy``).

Prefect is an optional extra (``pip install 'nba-predictions[orchestration]'``); nothing outside
this package imports it.  docs/DEPLOYMENT.md sets it up server by server.
"""
