"""Alembic environment: migrations run on the connection `evoting.db` hands over."""

from __future__ import annotations

from alembic import context

from evoting import schema
from evoting.db import make_engine

target_metadata = schema.metadata


def run_migrations(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite rebuilds tables for ALTER
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:  # `alembic` run by hand: use $EVOTING_DATABASE_URL or the default file
    with make_engine().begin() as own_connection:
        run_migrations(own_connection)
