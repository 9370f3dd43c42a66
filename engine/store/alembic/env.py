"""Alembic environment: run with the connection the app hands over, or DATABASE_URL from the environment."""

import os

from alembic import context

from engine.models import Base
from engine.store.db import make_engine

config = context.config
target_metadata = Base.metadata


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = make_engine(os.environ["DATABASE_URL"])
    with engine.begin() as conn:
        run(conn)
