"""Alembic environment: runs the shipped migrations on a connection it is handed.

:func:`nba_predictions.storage.migrate.upgrade` passes an open connection (already inside the
transaction that holds the migration lock) in ``config.attributes["connection"]``.  From the
``alembic`` command line (developers writing a new migration), the database comes from
``-x url=...``; see docs/STORAGE.md.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from nba_predictions.storage.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
        # Our SQLite connections issue BEGIN themselves (storage.engine), so DDL is
        # transactional there too: a failed migration rolls back as a whole.
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("pass the database with: alembic -c <this folder>/alembic.ini -x url=sqlite:///dev.db ...")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()
