"""What a run uses and opens once: its sources, the model and the database.

:class:`Resources` is opened once per run (or per command: a backfill, one-date runs in a
loop) and handed down to the date runner (:mod:`.pipeline`) and the range runner
(:mod:`.backfill`); each thing is made on first use, so a machine that only collects never
imports numpy, xgboost or SQLAlchemy, and closing it releases what was opened (the database
engine).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from nba_predictions.config import Settings

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.model.loader import LoadedModel
    from nba_predictions.sources.base import Source
    from nba_predictions.storage.backup import BackupSettings
    from nba_predictions.storage.database import Database

logger = logging.getLogger(__name__)


class Resources:
    """The sources, model and database of a run, each made once on first use.

    ``with Resources(settings) as resources: ...`` closes them at the end.  ``source`` replaces
    the source the settings would pick for a date (tests hand in a fake one).
    """

    def __init__(self, settings: Settings, source: Source | None = None) -> None:
        self.settings = settings
        self._source = source
        self._sources: dict[str, Source] = {} if source is None else {source.name: source}
        self._model: LoadedModel | None = None
        self._database: Database | None = None

    def __enter__(self) -> Resources:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release what was opened (the database engine)."""
        if self._database is not None:
            self._database.close()
            self._database = None

    def source_for(self, day: date, name: str | None = None) -> Source:
        """The source of a date's run: the settings' choice for ``day`` (``name`` overrides
        ``auto``), made once; later calls return the same source."""
        if self._source is None:
            from nba_predictions.sources.registry import make_source

            settings = self.settings
            if name is not None and settings.source == "auto":
                settings = replace(settings, source=name)
            self._source = make_source(settings, day)
        return self._source

    def source_named(self, name: str) -> Source:
        """The source registered as ``name`` (``archive``, ``nba_api``), made once (a range's dates
        are routed to sources by name)."""
        if name not in self._sources:
            from nba_predictions.sources.registry import SOURCES

            self._sources[name] = SOURCES[name](self.settings)
        return self._sources[name]

    def model(self) -> LoadedModel:
        """The rating model, loaded once."""
        if self._model is None:
            from nba_predictions.model.loader import load_model

            self._model = load_model(self.settings.model_path, self.settings.model_cache_dir)
        return self._model

    def database(self) -> Database:
        """The ratings database, opened once and handed to every storage call of the run."""
        if self._database is None:
            from nba_predictions.storage.database import connect

            self._database = connect(self.settings.database_url)
        return self._database

    def backup_settings(self) -> BackupSettings | None:
        """What BACKUP_ENABLED and friends ask for, or None."""
        if not self.settings.backup_enabled:
            return None
        from nba_predictions.storage.backup import BackupSettings

        return BackupSettings(directory=self.settings.backup_dir, keep=self.settings.backup_keep)

    def database_exists(self) -> bool:
        """False only for a SQLite file not created yet (a failed run never creates one)."""
        from nba_predictions.storage.engine import parse_url, sqlite_path

        path = sqlite_path(parse_url(self.settings.database_url))
        return path is None or path.is_file()
