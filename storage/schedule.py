"""The schedule the database owns: which sources are due, and which worker polls each one.

Each source row carries its next poll (``next_poll_at``) and a claim: the worker polling it
and until when (``claimed_by``, ``claimed_until``). A worker claims due sources, polls them,
writes each outcome (with the next poll) and lets go. A claim is a lease: its worker renews
it while it polls, and the claims of a worker that was killed run out, so that the others
take its sources. On PostgreSQL the claim skips rows another worker is claiming at the same
moment (``FOR UPDATE SKIP LOCKED``); SQLite has one writer, so there each claim is one
short write. Storage only writes what it is told: when a source is due is decided in
``bot.polling.timetable``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, select

from bot.domain import SourceRecord
from storage.mapping import to_source_record
from storage.models import SourceState, UTCDateTime
from storage.sources import resume_source

CHUNK = 500  # ids per IN (...) outside the claim tick: well under every database's limit


@dataclass(frozen=True, slots=True)
class Claimed:
    """A source a worker now holds, and when it was due (None: never placed)."""

    source_id: str
    due: datetime | None


def _free(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(col(SourceState.claimed_until).is_(None), col(SourceState.claimed_until) <= now)


def _among(session: Session, source_ids: Sequence[str]) -> sa.ColumnElement[bool]:
    """Match the sources of these ids, sent as one value: an IN (...) of 15,000 bound
    parameters costs the worker ~0.1 s of CPU at every claim, this a few milliseconds."""
    if session.get_bind().dialect.name == "postgresql":
        return col(SourceState.id) == sa.any_(
            sa.bindparam("source_ids", list(source_ids), type_=postgresql.ARRAY(sa.Text))
        )
    listed = sa.func.json_each(sa.bindparam("source_ids", json.dumps(list(source_ids))))
    return col(SourceState.id).in_(select(sa.column("value")).select_from(listed))


def _due(now: datetime) -> sa.ColumnElement[bool]:
    # a source never placed (added while the workers ran) is due at once
    return sa.or_(col(SourceState.next_poll_at).is_(None), col(SourceState.next_poll_at) <= now)


def claim_due(
    session: Session,
    *,
    source_ids: Sequence[str],
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[Claimed]:
    """Claim at most ``limit`` of these sources that are due and free, the most overdue first."""
    if not source_ids or limit <= 0:
        return []
    wanted = sa.and_(_among(session, source_ids), _due(now), _free(now))
    picked = (
        select(SourceState.id)
        .where(wanted)
        .order_by(col(SourceState.next_poll_at).asc().nulls_first())
        .limit(limit)
        # rows another worker is claiming right now are left to it (PostgreSQL; SQLite
        # writes one at a time and ignores the clause)
        .with_for_update(skip_locked=True)
    )
    result = session.execute(
        sa.update(SourceState)
        # the condition again: a row claimed and committed meanwhile no longer qualifies
        .where(col(SourceState.id).in_(picked.scalar_subquery()), _due(now), _free(now))
        .values(claimed_by=worker, claimed_until=now + lease)
        .returning(col(SourceState.id), col(SourceState.next_poll_at))
        .execution_options(synchronize_session=False)
    )
    claimed = [Claimed(source_id, due) for source_id, due in result]
    claimed.sort(key=lambda c: (c.due is not None, c.due or now))
    return claimed


def claim(
    session: Session, *, source_ids: Sequence[str], worker: str, now: datetime, lease: timedelta
) -> dict[str, str]:
    """Claim these sources now, due or not; return those another worker holds, with its name."""
    held: dict[str, str] = {}
    for chunk in _chunks(list(dict.fromkeys(source_ids))):
        session.execute(
            sa.update(SourceState)
            .where(
                col(SourceState.id).in_(chunk),
                sa.or_(_free(now), col(SourceState.claimed_by) == worker),
            )
            .values(claimed_by=worker, claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        for source_id, holder in session.execute(
            select(SourceState.id, SourceState.claimed_by).where(
                col(SourceState.id).in_(chunk), col(SourceState.claimed_by) != worker
            )
        ):
            held[source_id] = holder or "another worker"
    return held


def _in_order(session: Session, *conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """Match the rows of these conditions, locked in the order of their ids (byte order, as
    Python sorts them): a worker's writes running at once (outcomes, renewals, releases)
    then never deadlock. SQLite writes one at a time and needs no order."""
    if session.get_bind().dialect.name != "postgresql":
        return sa.and_(*conditions)
    rows = (
        select(SourceState.id)
        .where(*conditions)
        .order_by(sa.collate(col(SourceState.id), "C"))
        .with_for_update()
        .scalar_subquery()
    )
    return col(SourceState.id).in_(rows)


def renew_claims(session: Session, *, worker: str, now: datetime, lease: timedelta) -> int:
    """Push back the end of every claim this worker holds; return how many it holds."""
    result = session.execute(
        sa.update(SourceState)
        .where(_in_order(session, col(SourceState.claimed_by) == worker))
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, *, worker: str, source_ids: Iterable[str] | None = None) -> None:
    """Let go of these sources (all of this worker's when none are named)."""
    mine = col(SourceState.claimed_by) == worker
    statement = (
        sa.update(SourceState)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    if source_ids is None:
        session.execute(statement.where(_in_order(session, mine)))
        return
    for chunk in _chunks(sorted(source_ids)):
        session.execute(statement.where(_in_order(session, mine, col(SourceState.id).in_(chunk))))


def release_each(session: Session, claims: list[tuple[str, str]]) -> list[None]:
    """Let go of each (worker, source id) claim, in one transaction: ``Database.write``'s
    shape, so that the sources let go of at one moment share a commit."""
    by_worker: dict[str, list[str]] = {}
    for worker, source_id in claims:
        by_worker.setdefault(worker, []).append(source_id)
    for worker, source_ids in by_worker.items():
        release(session, worker=worker, source_ids=source_ids)
    return [None] * len(claims)


def place(session: Session, *, slots: Mapping[str, tuple[datetime, datetime]]) -> None:
    """Give a first poll time to each source that has none, or whose healthy schedule fell
    behind (its next poll before the given moment: nobody polled it for a long while).

    ``slots`` maps a source id to (its first poll, the moment before which it is behind).
    A failing source keeps its back-off.
    """
    if not slots:
        return
    table = SourceState.__table__  # type: ignore[attr-defined]
    session.execute(
        table.update()
        .where(
            table.c.id == sa.bindparam("source_key"),
            sa.or_(
                table.c.next_poll_at.is_(None),
                sa.and_(
                    table.c.consecutive_failures == 0,
                    table.c.next_poll_at < sa.bindparam("behind", type_=UTCDateTime),
                ),
            ),
        )
        .values(next_poll_at=sa.bindparam("first", type_=UTCDateTime)),
        [
            {"source_key": source_id, "first": first, "behind": behind}
            for source_id, (first, behind) in sorted(slots.items())  # rows in id order
        ],
    )


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def resume_now(session: Session, *, source_id: str, now: datetime) -> SourceRecord | None:
    """Make a failing or paused source due now; return its state, None for no such source."""
    row = resume_source(session=session, source_id=source_id, now=now)
    return None if row is None else to_source_record(row)
