"""Reading and writing the watches, sources and channels set up from Discord."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain import ManagedEntry, ManagedKind
from storage.models import ManagedRevision, ManagedRow
from storage.sources import sync_sources


def managed_revision(session: Session) -> int:
    """Return the counter every change from Discord bumps: one indexed row, cheap to poll."""
    revision = session.exec(select(ManagedRevision.revision)).first()
    return revision or 0


def managed_entries(session: Session) -> list[ManagedEntry]:
    """Return every entry set up from Discord, oldest first."""
    rows = session.exec(
        select(ManagedRow).order_by(col(ManagedRow.added_at), col(ManagedRow.id))
    ).all()
    return [
        ManagedEntry(
            ManagedKind(row.kind),
            row.id,
            dict(row.spec),
            row.added_by,
            row.added_by_id,
            row.added_at,
        )
        for row in rows
    ]


def add_entry(session: Session, *, entry: ManagedEntry) -> None:
    """Store an entry (replacing one of the same kind and id) and bump the counter."""
    row = session.get(ManagedRow, (entry.kind.value, entry.id))
    if row is not None:
        session.delete(row)
        session.flush()
    session.add(
        ManagedRow(
            kind=entry.kind.value,
            id=entry.id,
            spec=dict(entry.spec),
            added_by=entry.added_by,
            added_by_id=entry.added_by_id,
            added_at=entry.added_at,
        )
    )
    _bump(session)


def remove_entry(session: Session, *, kind: ManagedKind, entry_id: str) -> ManagedEntry | None:
    """Delete an entry and bump the counter; return what was removed, None when absent."""
    row = session.get(ManagedRow, (kind.value, entry_id))
    if row is None:
        return None
    removed = ManagedEntry(
        kind, row.id, dict(row.spec), row.added_by, row.added_by_id, row.added_at
    )
    session.delete(row)
    _bump(session)
    return removed


def _bump(session: Session) -> None:
    # one UPDATE of one row: concurrent changes queue on its lock, so none shares a number
    session.flush()
    bumped = session.execute(
        sa.update(ManagedRevision).values(revision=col(ManagedRevision.revision) + 1)
    )
    if not bumped.rowcount:  # type: ignore[attr-defined]
        session.add(ManagedRevision(id=1, revision=1))
    session.flush()


def add_entries(
    session: Session, *, entries: Sequence[ManagedEntry], sources: list[tuple[str, str, str]]
) -> None:
    """Store entries set up from Discord, and give each new source its row (id, kind,
    address), due now, in one transaction."""
    for entry in entries:
        add_entry(session, entry=entry)
    if sources:
        sync_sources(session=session, sources=sources)
