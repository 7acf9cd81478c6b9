"""Alembic environment: runs on the connection leakbot hands in, or on DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import make_engine

target_metadata = SQLModel.metadata


def run() -> None:
    """Run the migrations on a live connection."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        engine = make_engine(os.environ.get("DATABASE_URL", "sqlite:///data/leakbot.db"))
        with engine.begin() as own:
            _run_on(own)
        return
    _run_on(connection)


def _run_on(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
