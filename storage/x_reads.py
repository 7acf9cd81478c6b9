"""What X's pay-per-use API has cost, as X counts it, for every worker on one database.

X bills each post a read returns, and the same post read again on the same UTC day costs
nothing more: a read is one (UTC day, post id) row, written once. Besides, when each
followed post was last looked up (to spread the deletion look-ups), and until when each
endpoint's rate limit holds (``x_hold``: only lengthened, its own end lifts it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from storage.models import XCheckRow, XHoldRow, XReadRow

CHUNK = 500  # ids in one statement


def _insert(session: Session) -> Any:
    return sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def count_reads(session: Session, *, post_ids: Sequence[str], day: date) -> int:
    """Count the posts a read returned on a UTC day; return how many X bills (new that day)."""
    unique = sorted(set(post_ids))
    if not unique:
        return 0
    paid = already_read(session, post_ids=unique, day=day)
    new = [post_id for post_id in unique if post_id not in paid]
    if new:
        session.execute(
            _insert(session)(XReadRow)
            .values([{"day": day, "post_id": post_id} for post_id in new])
            .on_conflict_do_nothing()
        )
    return len(new)


def already_read(session: Session, *, post_ids: Sequence[str], day: date) -> set[str]:
    """Return which of these posts X has billed already on this UTC day."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(post_ids))):
        found.update(
            session.exec(
                select(XReadRow.post_id).where(
                    col(XReadRow.day) == day, col(XReadRow.post_id).in_(chunk)
                )
            ).all()
        )
    return found


def reads_between(session: Session, *, first: date, last: date) -> int:
    """Return the reads X billed from one UTC day to another, both included."""
    count = session.exec(
        select(sa.func.count())
        .select_from(XReadRow)
        .where(col(XReadRow.day) >= first, col(XReadRow.day) <= last)
    ).one()
    return int(count)


def mark_checked(session: Session, *, post_ids: Sequence[str], at: datetime) -> None:
    """Note that these posts were looked up at a moment."""
    for chunk in _chunks(sorted(set(post_ids))):
        insert = _insert(session)(XCheckRow).values(
            [{"post_id": post_id, "checked_at": at} for post_id in chunk]
        )
        session.execute(
            insert.on_conflict_do_update(
                index_elements=["post_id"], set_={"checked_at": insert.excluded.checked_at}
            )
        )


def last_checked(session: Session, *, post_ids: Sequence[str]) -> dict[str, datetime]:
    """Return when each of these posts was last looked up (those never looked up are left out)."""
    found: dict[str, datetime] = {}
    for chunk in _chunks(sorted(set(post_ids))):
        for row in session.exec(select(XCheckRow).where(col(XCheckRow.post_id).in_(chunk))):
            found[row.post_id] = row.checked_at
    return found


def extend_x_hold(session: Session, *, endpoint: str, until: datetime) -> datetime:
    """Hold an endpoint until a moment, unless it is held longer already; return its end."""
    session.execute(
        _insert(session)(XHoldRow).values(endpoint=endpoint, until=until).on_conflict_do_nothing()
    )
    session.execute(
        sa.update(XHoldRow)
        .where(col(XHoldRow.endpoint) == endpoint, col(XHoldRow.until) < until)
        .values(until=until)
        .execution_options(synchronize_session=False)
    )
    row = session.get(XHoldRow, endpoint, populate_existing=True)
    assert row is not None  # inserted above, and never deleted
    return row.until


def read_x_holds(session: Session) -> dict[str, datetime]:
    """Return until when each endpoint was held (the moment may have passed)."""
    return {row.endpoint: row.until for row in session.exec(select(XHoldRow))}
