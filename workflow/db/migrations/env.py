"""Alembic environment: always run with a connection handed in by workflow.db.migrate."""

from alembic import context

from workflow.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `rectify init`, which passes a connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
