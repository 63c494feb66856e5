"""Alembic environment: the connection is handed in by datavigil.store (no URL in a file)."""

from alembic import context

from datavigil.store.models import ddl_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=ddl_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
