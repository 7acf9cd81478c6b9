"""Reading and writing sources' fetch state."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.models import SourceState


def sync_sources(*, session: Session, sources: list[tuple[str, str, str]]) -> None:
    """Make sure every configured source has a row; a changed address starts it afresh."""
    existing = {row.id: row for row in session.exec(select(SourceState)).all()}
    for source_id, kind, address in sources:
        row = existing.get(source_id)
        if row is None:
            session.add(SourceState(id=source_id, kind=kind, address=address))
        elif row.address != address or row.kind != kind:
            row.kind, row.address = kind, address
            row.etag = row.last_modified = None
            row.baseline_done = False
            row.consecutive_failures = 0
            row.paused_at = None
            session.add(row)
    session.flush()


def get_source(*, session: Session, source_id: str) -> SourceState:
    """Return one source's state."""
    row = session.get(SourceState, source_id)
    if row is None:
        raise KeyError(source_id)
    return row


def all_sources(*, session: Session) -> list[SourceState]:
    """Return every source's state, by id."""
    return list(session.exec(select(SourceState).order_by(SourceState.id)).all())


def record_failure(
    *,
    session: Session,
    source_id: str,
    error: str,
    now: datetime,
    next_poll_at: datetime,
    paused: bool,
) -> SourceState:
    """Note a failed poll and when the source will be tried again; a source that is
    ``paused`` keeps the moment its pause began (``now``, the first time)."""
    row = get_source(session=session, source_id=source_id)
    row.consecutive_failures += 1
    if paused and row.paused_at is None:
        row.paused_at = now
    row.last_polled_at = now
    row.last_error = error[:1000]
    row.next_poll_at = next_poll_at
    session.add(row)
    return row


def record_success(
    *,
    session: Session,
    source_id: str,
    now: datetime,
    next_poll_at: datetime,
    etag: str | None,
    last_modified: str | None,
    baseline_done: bool,
) -> SourceState:
    """Note a successful poll, with the validators for the next conditional GET; a paused
    source is unpaused."""
    row = get_source(session=session, source_id=source_id)
    row.consecutive_failures = 0
    row.paused_at = None
    row.last_polled_at = row.last_success_at = now
    row.last_error = None
    row.next_poll_at = next_poll_at
    row.etag, row.last_modified = etag, last_modified
    row.baseline_done = row.baseline_done or baseline_done
    session.add(row)
    return row


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


def next_polls(*, session: Session) -> dict[str, tuple[datetime | None, int]]:
    """Return each source's next poll time and its failures in a row, by id."""
    statement = select(SourceState.id, SourceState.next_poll_at, SourceState.consecutive_failures)
    return {source_id: (at, failures) for source_id, at, failures in session.exec(statement)}
