"""The ratings database: the original web app's tables plus ours, migrations, adoption, backups.

* ``schema`` - the tables at the newest revision (``teams``/``games`` are the web app's).
* ``database`` - a :class:`~.database.Database` opened once per run and handed to the storage step.
* ``detect`` - which kind of database a URL points at (ours, the web app's, empty, foreign).
* ``migrate`` - Alembic upgrades (``migrations/``); ``adopt`` - the web app's database as 0002.
* ``frozen`` - table definitions frozen at their revision, shared by migrations and adoption.
* ``engine``, ``queries``, ``rows``, ``records``, ``backup`` - URLs and engines, statements,
  rows from a document, plain values, SQLite backups.

Importing this package is cheap; the modules that import SQLAlchemy are imported only by
:mod:`nba_predictions.steps.storage` and only when a run stores, records or shows games.
``backup`` and ``records`` use the standard library only.

See ``docs/STORAGE.md`` for the schema, adoption, versioning, the web app and PostgreSQL.
"""
