"""The outbox: alerts queued per channel, first in first out, and who may send each channel's head.

A dispatcher claims a channel (a lease that expires) before it sends; only the oldest
pending alert of a claimed channel goes out, one at a time, so each channel keeps its order
across passes, processes and restarts. On PostgreSQL the claim skips channels another
dispatcher is claiming (``FOR UPDATE SKIP LOCKED``); SQLite has one writer, so there each
claim is one short write. Storage only writes what it is told: what an answer of a sink
means for the alert and its channel is decided in ``bot.delivery.decide``, and written
here as one ``DeliveryPlan``. Every function takes the session first, so that
``Database.run(fn, key=value)`` or ``in_transaction(engine, fn, key=value)`` runs it as
one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, func, select

from bot.domain import AlertChange as AlertChange
from bot.domain import (
    AlertState,
    ArchivedImage,
    ChannelChange,
    ChannelHold,
    ChannelState,
    DeliveryAttempt,
    DeliveryOutcome,
    DeliveryPlan,
    OutboxAlert,
    OutboxHead,
)
from bot.domain import ChannelCounts as ChannelCounts
from bot.domain import ChannelStatus as ChannelStatus
from bot.domain import OutboxSummary as OutboxSummary
from storage.mapping import to_channel_status, to_outbox_alert
from storage.models import AlertRow, ChannelRow, DeliveryRow, ImageRow

# PostgreSQL advisory lock namespace for a channel's queue (with hashtext of the channel id):
# writers of alerts hold it shared until they commit, a dispatcher reading the head takes it
# alone, so no alert with a lower id can commit after a higher one was read.
_QUEUE_LOCK = 0x1EAC


def _queue_lock(session: Session, channel_id: str, *, shared: bool) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite writes one at a time: ids follow the order of commits
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    session.execute(
        sa.text(f"SELECT {function}(:space, hashtext(:channel))"),
        {"space": _QUEUE_LOCK, "channel": channel_id},
    )


def add_alert(
    session: Session,
    *,
    dedup_key: str,
    kind: str,
    channel_id: str,
    item_id: int | None,
    message: dict[str, Any],
    now: datetime,
    story_id: int | None = None,
) -> bool:
    """Queue an alert unless one with the same key was ever queued; say whether it was."""
    exists = session.exec(select(AlertRow.id).where(AlertRow.dedup_key == dedup_key)).first()
    if exists is not None:
        return False
    _queue_lock(session, channel_id, shared=True)
    session.add(
        AlertRow(
            dedup_key=dedup_key,
            kind=kind,
            channel_id=channel_id,
            item_id=item_id,
            message=message,
            created_at=now,
            state=AlertState.PENDING,
            story_id=story_id,
        )
    )
    return True


def count_pending(session: Session) -> int:
    """Count alerts waiting to be delivered."""
    statement = select(func.count()).where(col(AlertRow.state) == AlertState.PENDING)
    return int(session.exec(statement).one())


def sync_channels(
    session: Session, *, targets: Mapping[str, str], now: datetime
) -> list[ChannelStatus]:
    """Know every configured channel; one whose target changed starts afresh, as repaired.

    Return the channels that were broken and now get a new try (as they stood, with why
    they broke): repaired in the config, or probed once because the process starts.
    """
    # processes starting together may both find a channel new: the first one's row stays
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    for channel_id, target in targets.items():
        session.execute(
            insert(ChannelRow)
            .values(id=channel_id, target=target, state=ChannelState.OK, since=now, failures=0)
            .on_conflict_do_nothing(index_elements=["id"])
        )
    rows = {row.id: row for row in session.exec(select(ChannelRow)).all()}
    retried = []
    for channel_id, target in targets.items():
        row = rows[channel_id]
        if row.state == ChannelState.BROKEN:
            retried.append(to_channel_status(row))
        if row.target != target:
            row.target = target
            row.state, row.reason, row.since = ChannelState.OK, None, now
            row.retry_at, row.failures = None, 0
            session.add(row)
        elif row.state == ChannelState.BROKEN:
            row.retry_at = now
            session.add(row)
    return retried


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    waiting = (
        select(AlertRow.id)
        .where(
            col(AlertRow.channel_id) == ChannelRow.id,
            col(AlertRow.state) == AlertState.PENDING,
        )
        .exists()
    )
    return sa.and_(
        sa.or_(col(ChannelRow.claimed_until).is_(None), col(ChannelRow.claimed_until) <= now),
        sa.or_(col(ChannelRow.retry_at).is_(None), col(ChannelRow.retry_at) <= now),
        waiting,
    )


def claim_channels(
    session: Session,
    *,
    channel_ids: Sequence[str],
    dispatcher: str,
    now: datetime,
    lease: timedelta,
) -> list[str]:
    """Claim the channels that have alerts due and no other dispatcher; return their ids."""
    if not channel_ids:
        return []
    candidates: Iterable[str] = sorted(channel_ids)
    if session.get_bind().dialect.name == "postgresql":
        candidates = session.exec(
            select(ChannelRow.id)
            .where(col(ChannelRow.id).in_(candidates), _claimable(now))
            .order_by(col(ChannelRow.id))
            .with_for_update(skip_locked=True)
        ).all()
    claimed = []
    for channel_id in candidates:
        # the condition again, in the write: on SQLite this is what makes the claim exclusive
        result = session.execute(
            sa.update(ChannelRow)
            .where(col(ChannelRow.id) == channel_id, _claimable(now))
            .values(claimed_by=dispatcher, claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            claimed.append(channel_id)
    return claimed


def next_alert(
    session: Session, *, channel_id: str, dispatcher: str, now: datetime, lease: timedelta
) -> OutboxHead | None:
    """Renew the claim and mark the channel's oldest pending alert as being sent.

    Return it with where the channel stands, or None when the claim was lost or nothing is
    pending. The alert comes back as it was before the mark: a ``sending_since`` already
    set means an earlier try was cut off.
    """
    renewed = session.execute(
        sa.update(ChannelRow)
        .where(col(ChannelRow.id) == channel_id, col(ChannelRow.claimed_by) == dispatcher)
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    if not renewed.rowcount:  # type: ignore[attr-defined]
        return None
    _queue_lock(session, channel_id, shared=False)
    head = session.exec(
        select(AlertRow)
        .where(
            col(AlertRow.channel_id) == channel_id,
            col(AlertRow.state) == AlertState.PENDING,
        )
        .order_by(col(AlertRow.id))
        .limit(1)
    ).first()
    if head is None:
        return None
    alert = to_outbox_alert(head)
    session.execute(
        sa.update(AlertRow)
        .where(col(AlertRow.id) == alert.id)
        .values(sending_since=now)
        .execution_options(synchronize_session=False)
    )
    # read with the head, not after the answer: settling an answer is then one call, which
    # a partition leaves to finish once the database answers again (a second call, not yet
    # begun, would be dropped, and the alert sent twice)
    channel = session.get(ChannelRow, channel_id)
    assert channel is not None  # the claim was just renewed on it
    return OutboxHead(alert, to_channel_status(channel))


def alert_images(session: Session, *, sha256s: Sequence[str]) -> dict[str, ArchivedImage]:
    """Return the archived images an alert carries, by hash; a missing one is left out."""
    if not sha256s:
        return {}
    rows = session.exec(select(ImageRow).where(col(ImageRow.sha256).in_(set(sha256s)))).all()
    # the URL it came from is not kept: an alert needs the bytes and their type
    return {row.sha256: ArchivedImage("", row.sha256, row.content_type, row.data) for row in rows}


def settle_delivery(session: Session, *, plan: DeliveryPlan) -> None:
    """Write what one answer of a sink changes: the try, the alert, its channel, any hold."""
    if plan.attempt is None:
        _unmark_sending(session, plan.alert_id)  # nothing went out
    else:
        _record_attempt(session, plan, plan.attempt)
    if plan.hold is not None:
        _hold_channels(session, plan.hold, plan.at)
    _set_channel_state(session, plan.channel_id, plan.channel, plan.at)


def _record_attempt(session: Session, plan: DeliveryPlan, attempt: DeliveryAttempt) -> None:
    """Record one try at delivering an alert, and move the alert where the plan says."""
    session.add(
        DeliveryRow(
            alert_id=plan.alert_id,
            sink=attempt.sink,
            attempted_at=plan.at,
            ok=attempt.outcome == DeliveryOutcome.DELIVERED,
            outcome=attempt.outcome,
            status=attempt.status,
            detail=attempt.detail,
            remote_id=attempt.message_id,
            in_doubt=attempt.in_doubt,
        )
    )
    values: dict[str, Any] = {"attempts": AlertRow.attempts + 1}
    if plan.alert_state == AlertState.DELIVERED:
        values.update(
            state=AlertState.DELIVERED,
            delivered_at=plan.at,
            message_id=attempt.message_id,
            last_error=None,
            sending_since=None,
        )
    elif plan.alert_state == AlertState.SET_ASIDE:
        values.update(
            state=AlertState.SET_ASIDE,
            settled_at=plan.at,
            last_error=attempt.detail,
            sending_since=None,
        )
    else:
        values["last_error"] = attempt.detail
        if attempt.settled:
            values["sending_since"] = None
    session.execute(
        sa.update(AlertRow)
        .where(col(AlertRow.id) == plan.alert_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _unmark_sending(session: Session, alert_id: int) -> None:
    """Say that no try of an alert is under way after all: nothing was sent."""
    session.execute(
        sa.update(AlertRow)
        .where(col(AlertRow.id) == alert_id)
        .values(sending_since=None)
        .execution_options(synchronize_session=False)
    )


def _set_channel_state(
    session: Session, channel_id: str, change: ChannelChange, now: datetime
) -> None:
    """Store where a channel stands; its ``since`` moves only when its state does."""
    row = session.get(ChannelRow, channel_id, with_for_update=True)
    if row is None:
        return
    if ChannelState(row.state) != change.state:
        row.since = now
    row.state, row.reason = change.state, change.reason
    row.retry_at, row.failures = change.retry_at, change.failures
    session.add(row)


def _hold_channels(session: Session, hold: ChannelHold, now: datetime) -> None:
    """Hold every one of these channels until a time; a broken one stays broken."""
    session.execute(
        sa.update(ChannelRow)
        .where(
            col(ChannelRow.id).in_(hold.channel_ids), col(ChannelRow.state) != ChannelState.BROKEN
        )
        .values(state=ChannelState.BACKING_OFF, reason=hold.reason, retry_at=hold.until, since=now)
        .execution_options(synchronize_session=False)
    )


def release_channel(session: Session, *, channel_id: str, dispatcher: str) -> None:
    """Give up a claim, so that any dispatcher may take the channel at once."""
    session.execute(
        sa.update(ChannelRow)
        .where(col(ChannelRow.id) == channel_id, col(ChannelRow.claimed_by) == dispatcher)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def outbox_summary(session: Session, *, now: datetime) -> OutboxSummary:
    """Return the outbox's depth, its oldest pending alert's age, and each channel's counts."""
    rows = session.exec(
        select(
            AlertRow.channel_id,
            AlertRow.state,
            func.count(),
            func.min(AlertRow.created_at),
        )
        .where(col(AlertRow.state).in_((AlertState.PENDING, AlertState.SET_ASIDE)))
        .group_by(col(AlertRow.channel_id), col(AlertRow.state))
    ).all()
    pending: dict[str, int] = {}
    set_aside: dict[str, int] = {}
    oldest: dict[str, datetime] = {}
    for channel_id, state, count, first in rows:
        if state == AlertState.PENDING:
            pending[channel_id] = count
            oldest[channel_id] = _aware(first)
        else:
            set_aside[channel_id] = count
    channels = {
        channel_id: ChannelCounts(
            pending=pending.get(channel_id, 0),
            set_aside=set_aside.get(channel_id, 0),
            oldest_age=now - oldest[channel_id] if channel_id in oldest else None,
        )
        for channel_id in sorted({*pending, *set_aside})
    }
    first_of_all = min(oldest.values(), default=None)
    return OutboxSummary(
        depth=sum(pending.values()),
        oldest_age=now - first_of_all if first_of_all is not None else None,
        set_aside=sum(set_aside.values()),
        channels=channels,
    )


def _aware(value: datetime | str) -> datetime:
    # an aggregate bypasses the column type: SQLite gives back naive UTC (or text)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def channel_states(session: Session) -> list[ChannelStatus]:
    """Return each known channel's state: ok, backing off or broken, why, and until when."""
    rows = session.exec(select(ChannelRow).order_by(col(ChannelRow.id))).all()
    return [to_channel_status(row) for row in rows]


def list_alerts(
    session: Session,
    *,
    states: Sequence[AlertState] = (AlertState.PENDING, AlertState.SET_ASIDE),
    channel_id: str | None = None,
    limit: int = 100,
) -> list[OutboxAlert]:
    """Return alerts in these states, each channel's oldest first."""
    statement = select(AlertRow).where(col(AlertRow.state).in_(states))
    if channel_id is not None:
        statement = statement.where(col(AlertRow.channel_id) == channel_id)
    statement = statement.order_by(col(AlertRow.channel_id), col(AlertRow.id)).limit(limit)
    return [to_outbox_alert(row) for row in session.exec(statement).all()]


def retry_alert(session: Session, *, alert_id: int, now: datetime) -> AlertChange | None:
    """Put an alert back in its place in the queue, and let its channel go at once.

    A set-aside alert is pending again, ahead of the alerts queued after it; a broken or
    backing-off channel is tried again now. Return None for an unknown alert.
    """
    alert = session.get(AlertRow, alert_id, with_for_update=True)
    if alert is None:
        return None
    before = AlertState(alert.state)
    if before in (AlertState.SET_ASIDE, AlertState.DROPPED):
        alert.state, alert.settled_at = AlertState.PENDING, None
        session.add(alert)
    retry_channel(session, channel_id=alert.channel_id, now=now)
    return AlertChange(to_outbox_alert(alert), before)


def retry_channel(session: Session, *, channel_id: str, now: datetime) -> bool:
    """Try a held channel again now, as repaired; say whether the channel is known."""
    result = session.execute(
        sa.update(ChannelRow)
        .where(col(ChannelRow.id) == channel_id)
        .values(state=ChannelState.OK, reason=None, retry_at=None, failures=0, since=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def drop_alert(session: Session, *, alert_id: int, now: datetime) -> AlertChange | None:
    """Take a pending or set-aside alert out of the queue for good; None if unknown."""
    # locked: two operators dropping it at once, or a dispatcher sending it, go one by one
    alert = session.get(AlertRow, alert_id, with_for_update=True)
    if alert is None:
        return None
    before = AlertState(alert.state)
    if before in (AlertState.PENDING, AlertState.SET_ASIDE):
        alert.state, alert.settled_at = AlertState.DROPPED, now
        session.add(alert)
    return AlertChange(to_outbox_alert(alert), before)


# --- the operator's hands (``leakbot outbox``), each run as one transaction -------------------


def outbox_listing(
    session: Session, *, channel_id: str | None, limit: int
) -> tuple[list[OutboxAlert], list[ChannelStatus]]:
    """Return the alerts waiting or set aside (each channel's oldest first) and every channel."""
    return list_alerts(session, channel_id=channel_id, limit=limit), channel_states(session)


def retry_channel_now(session: Session, *, channel_id: str, now: datetime) -> tuple[bool, int]:
    """Try a held channel again now; say whether it is known, and how many alerts wait in it."""
    known = retry_channel(session, channel_id=channel_id, now=now)
    counts = outbox_summary(session, now=now).channels.get(channel_id)
    return known, counts.pending if counts is not None else 0
