"""The outbox: pending alerts, and the record of every attempt to deliver them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.models import AlertRow, DeliveryRow


def add_alert(
    *,
    session: Session,
    dedup_key: str,
    kind: str,
    channel_id: str,
    item_id: int | None,
    message: dict[str, Any],
    now: datetime,
) -> bool:
    """Queue an alert unless one with the same key was ever queued; say whether it was."""
    exists = session.exec(select(AlertRow.id).where(AlertRow.dedup_key == dedup_key)).first()
    if exists is not None:
        return False
    session.add(
        AlertRow(
            dedup_key=dedup_key,
            kind=kind,
            channel_id=channel_id,
            item_id=item_id,
            message=message,
            created_at=now,
            next_attempt_at=now,
        )
    )
    return True


def pending_alerts(
    *, session: Session, now: datetime, channel_ids: list[str], limit: int = 100
) -> list[AlertRow]:
    """Return alerts due for delivery to these channels, oldest first."""
    statement = (
        select(AlertRow)
        .where(
            col(AlertRow.delivered_at).is_(None),
            AlertRow.next_attempt_at <= now,
            col(AlertRow.channel_id).in_(channel_ids),
        )
        .order_by(col(AlertRow.id))
        .limit(limit)
    )
    return list(session.exec(statement).all())


def count_pending(*, session: Session) -> int:
    """Count alerts not yet delivered."""
    return len(session.exec(select(AlertRow.id).where(col(AlertRow.delivered_at).is_(None))).all())


def record_attempt(
    *,
    session: Session,
    alert: AlertRow,
    sink: str,
    now: datetime,
    ok: bool,
    status: int | None,
    detail: str | None,
    remote_id: str | None,
    retry_at: datetime | None,
) -> None:
    """Record one delivery attempt; a delivered alert leaves the queue."""
    assert alert.id is not None
    session.add(
        DeliveryRow(
            alert_id=alert.id,
            sink=sink,
            attempted_at=now,
            ok=ok,
            status=status,
            detail=(detail or "")[:1000] or None,
            remote_id=remote_id,
        )
    )
    alert.attempts += 1
    if ok:
        alert.delivered_at = now
        alert.last_error = None
    else:
        alert.last_error = (detail or "")[:1000] or None
        alert.next_attempt_at = retry_at or now
    session.add(alert)


def postpone(*, session: Session, alert_ids: list[int], until: datetime) -> None:
    """Hold alerts back until a time, without counting an attempt."""
    session.execute(
        sa.update(AlertRow).where(col(AlertRow.id).in_(alert_ids)).values(next_attempt_at=until)
    )
