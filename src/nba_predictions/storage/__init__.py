"""The ratings database: engine, schema, migrations, backups and queries.

Importing this package is cheap; the modules that import SQLAlchemy (``engine``, ``schema``,
``migrate``, ``queries``) are imported only by :mod:`nba_predictions.steps.storage` and only when
a run stores, records or shows games.  ``backup`` and ``records`` use the standard library only.

See ``docs/STORAGE.md`` for the schema, its versioning and the PostgreSQL setup.
"""
