"""Reading and writing sources' fetch state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from storage.models import SourceState

INSERT_ROWS = 500  # rows per INSERT: their bound parameters stay under every database's limit


def sync_sources(session: Session, *, sources: list[tuple[str, str, str]]) -> None:
    """Make sure every configured source has a row; a changed address starts it afresh."""
    existing = {row.id: row for row in session.exec(select(SourceState)).all()}
    new = []
    for source_id, kind, address in sources:
        row = existing.get(source_id)
        if row is None:
            new.append(SourceState(id=source_id, kind=kind, address=address).model_dump())
        elif row.address != address or row.kind != kind:
            row.kind, row.address = kind, address
            row.etag = row.last_modified = None
            row.baseline_done = False
            row.consecutive_failures = 0
            row.paused_at = None
            session.add(row)
    if new:
        # workers starting together on a new database may all find a source new: one row
        insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
        for start in range(0, len(new), INSERT_ROWS):
            session.execute(
                insert(SourceState)
                .values(new[start : start + INSERT_ROWS])
                .on_conflict_do_nothing(index_elements=["id"])
            )
    session.flush()


def all_sources(*, session: Session) -> list[SourceState]:
    """Return every source's state, by id."""
    return list(session.exec(select(SourceState).order_by(SourceState.id)).all())


def resume_source(*, session: Session, source_id: str, now: datetime) -> SourceState | None:
    """Make a failing or paused source due now; a paused one stays paused until it answers,
    so that its "recovered" notice still goes out."""
    row = session.get(SourceState, source_id)
    if row is None:
        return None
    if row.consecutive_failures:
        row.next_poll_at = now
        session.add(row)
    return row
