"""Alembic environment: runs on the connection leakbot hands in, or on DATABASE_URL."""

from __future__ import annotations

import os
from typing import Any, Literal

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from storage.db import make_engine
from storage.models import UTCDateTime

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


def _render_item(kind: str, value: Any, autogen_context: Any) -> str | Literal[False]:
    """Write column types as plain SQLAlchemy, so migrations never import our models."""
    if kind == "type" and isinstance(value, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(value, AutoString):
        return f"sa.String(length={value.length})" if value.length else "sa.String()"
    return False


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
