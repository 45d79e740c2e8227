"""nba-predictions: spoiler-free 0-100 watchability ratings for completed NBA games.

The pipeline has four steps, one module each under :mod:`nba_predictions.steps`:
collection -> features -> prediction -> storage.  Nothing is computed at import time.

For those who use the package as a library, the names in ``__all__``::

    from datetime import date
    import nba_predictions as nba

    settings = nba.Settings.resolve({})  # flags > environment > defaults
    summary = nba.rate_date(settings, date(2024, 1, 15))  # rate a date: a RunSummary
    summary = nba.backfill_range(settings, date(2024, 1, 1), date(2024, 1, 31))  # a range: the same type
    model = nba.load_model()  # the shipped model (a LoadedModel), or load_model(path)

    # finer control: the sources, model and database opened once for several runs
    with nba.Resources(settings) as resources:
        nba.StepRunner(resources).run("collection", "features", day=date(2024, 1, 15), output_path="f.json")
        nba.backfill(resources, date(2024, 2, 1), date(2024, 2, 29))

Every error the package raises on purpose is a :class:`PipelineError`.  The names are loaded
on first use (:data:`PUBLIC`, read by the module's ``__getattr__``), so ``import nba_predictions``
imports none of the steps, models or database code behind them.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> the module that defines it.  To add or move a public name, edit this table and __all__
# (tests/unit/test_public_api.py checks that both agree and that every name resolves).
PUBLIC = {
    # rating a date, a range
    "rate_date": "nba_predictions.runs",
    "backfill_range": "nba_predictions.runs",
    "RunSummary": "nba_predictions.runs.summary",
    "Resources": "nba_predictions.runs.resources",
    "StepRunner": "nba_predictions.runs.pipeline",
    "backfill": "nba_predictions.runs.backfill",
    # the model
    "load_model": "nba_predictions.model.loader",
    "LoadedModel": "nba_predictions.model.loader",
    # settings
    "Settings": "nba_predictions.config",
    "ApiSettings": "nba_predictions.config",
    # errors
    "PipelineError": "nba_predictions.errors",
    "UsageError": "nba_predictions.errors",
    "SourceError": "nba_predictions.errors",
    "RetryableSourceError": "nba_predictions.errors",
    "UnresponsiveSourceError": "nba_predictions.errors",
    "FatalSourceError": "nba_predictions.errors",
    "DateNotCoveredError": "nba_predictions.errors",
    "GameDataError": "nba_predictions.errors",
    "UnrateableGameError": "nba_predictions.errors",
    "ArtifactError": "nba_predictions.errors",
    "ModelError": "nba_predictions.errors",
    "StorageError": "nba_predictions.errors",
    "ArchiveWriteError": "nba_predictions.errors",
}

__all__ = [
    "ApiSettings",
    "ArchiveWriteError",
    "ArtifactError",
    "DateNotCoveredError",
    "FatalSourceError",
    "GameDataError",
    "LoadedModel",
    "ModelError",
    "PipelineError",
    "Resources",
    "RetryableSourceError",
    "RunSummary",
    "Settings",
    "SourceError",
    "StepRunner",
    "StorageError",
    "UnrateableGameError",
    "UnresponsiveSourceError",
    "UsageError",
    "__version__",
    "backfill",
    "backfill_range",
    "load_model",
    "rate_date",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562); cached in the module's namespace."""
    module = PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *PUBLIC})
