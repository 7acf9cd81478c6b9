"""Writes queued together share one transaction, and one that fails costs only itself."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.db import Database, make_engine, migrate, session_scope
from storage.models import SourceState


def _add_sources(session: Session, ids: list[str]) -> list[str]:
    for source_id in ids:
        session.add(SourceState(id=source_id, kind="feed", address=f"https://e.com/{source_id}"))
        session.flush()  # a duplicate id fails here, inside the one transaction of the batch
    return ids


async def test_a_failing_write_in_a_batch_costs_only_its_caller(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    database = Database(engine)
    try:
        await database.run(lambda session: _add_sources(session, ["taken"]))
        results = await asyncio.gather(
            *(
                database.write(_add_sources, source_id)
                for source_id in ["a", "b", "taken", "c", "d"]
            ),
            return_exceptions=True,
        )
    finally:
        database.close()
    with session_scope(engine) as session:
        stored = {row.id for row in session.exec(select(SourceState))}
    engine.dispose()
    assert results[:2] == ["a", "b"] and results[3:] == ["c", "d"]
    assert isinstance(results[2], sa.exc.IntegrityError)
    assert stored == {"taken", "a", "b", "c", "d"}
