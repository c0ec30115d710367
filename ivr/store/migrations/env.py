"""Alembic environment: runs migrations against the URL set by ivr.store.db.alembic_config."""

from alembic import context

from ivr.store.db import make_engine
from ivr.store.db import metadata

config = context.config
engine = make_engine(config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
