"""Named leases: a role only one process holds at a time, until its lease runs out.

The holder renews its lease well before it expires; a holder that died stops renewing, and
once the lease has run out another process takes the role. Used for the Discord gateway
(one session for all workers) and for the one ``leakbot run`` a SQLite file allows.
Taking a lease is one conditional write, so two processes asking at once cannot both win.
The lease runs from the ``now`` the holder sends with its renewal, not from when the write
lands: a holder that counts its lease from the moment it sent the renewal (bot.runtime.worker.Role
does, and lets go a margin before that runs out) never acts as holder once another process
may take the role, however late the answer comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from storage.models import LeaseRow


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a named lease, since when, and until when unless renewed."""

    name: str
    holder: str
    host: str
    pid: int
    since: datetime
    expires_at: datetime


def take_lease(
    session: Session,
    *,
    name: str,
    holder: str,
    host: str,
    pid: int,
    now: datetime,
    ttl: timedelta,
    over: str | None = None,
) -> Lease:
    """Take or renew a lease unless another holder's has not run out; return who holds it.

    ``over`` names a holder whose lease may be taken even before it runs out (one known to
    be dead). The caller holds the lease when the returned holder is its own.
    """
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    session.execute(
        insert(LeaseRow)
        .values(name=name, holder=holder, host=host, pid=pid, since=now, expires_at=now + ttl)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    takeable = sa.or_(col(LeaseRow.holder) == holder, col(LeaseRow.expires_at) <= now)
    if over is not None:
        takeable = sa.or_(takeable, col(LeaseRow.holder) == over)
    session.execute(
        sa.update(LeaseRow)
        .where(col(LeaseRow.name) == name, takeable)
        .values(
            # a renewal keeps the moment the holder took it
            since=sa.case((col(LeaseRow.holder) == holder, col(LeaseRow.since)), else_=now),
            holder=holder,
            host=host,
            pid=pid,
            expires_at=now + ttl,
        )
        .execution_options(synchronize_session=False)
    )
    lease = read_lease(session=session, name=name)
    assert lease is not None  # inserted above, and never deleted but by its holder
    return lease


def read_lease(session: Session, *, name: str) -> Lease | None:
    """Return who holds a lease (it may have run out), or None when nobody ever took it."""
    row = session.get(LeaseRow, name, populate_existing=True)
    if row is None:
        return None
    return Lease(row.name, row.holder, row.host, row.pid, row.since, row.expires_at)


def drop_lease(session: Session, *, name: str, holder: str) -> None:
    """Give a lease up at once, if this holder has it."""
    session.execute(
        sa.delete(LeaseRow).where(col(LeaseRow.name) == name, col(LeaseRow.holder) == holder)
    )
