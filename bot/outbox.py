"""Dispatching the outbox: each pending alert goes to its channel's sink until one accepts it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bot.alerts import AlertMessage
from bot.backoff import alert_retry_delay
from bot.sinks import Attachment, Sink
from storage.alerts import pending_alerts, postpone, record_attempt
from storage.db import session_scope
from storage.images import get_image

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DispatchReport:
    """What one pass over the outbox did."""

    delivered: int
    failed: int
    waiting: int  # due alerts left for a later pass because their channel is backing off


async def dispatch(
    *,
    engine: sa.Engine,
    sinks: Mapping[str, Sink],
    now: Callable[[], datetime],
    limit: int = 100,
) -> DispatchReport:
    """Deliver due alerts in order; a channel that fails waits, the others go on."""
    if not sinks:
        return DispatchReport(0, 0, 0)
    with session_scope(engine) as session:
        due = pending_alerts(session=session, now=now(), channel_ids=list(sinks), limit=limit)
    delivered = failed = waiting = 0
    blocked: dict[str, datetime] = {}
    postponed: dict[str, list[int]] = {}
    for alert in due:
        if alert.channel_id in blocked:
            waiting += 1
            assert alert.id is not None
            postponed.setdefault(alert.channel_id, []).append(alert.id)
            continue
        sink = sinks[alert.channel_id]
        message = AlertMessage.from_json(alert.message)
        result = await sink.deliver(
            message, idempotency_key=alert.dedup_key, files=_attachments(engine, message)
        )
        moment = now()
        retry_at = None
        if result.ok:
            delivered += 1
        else:
            failed += 1
            retry_at = moment + alert_retry_delay(alert.attempts + 1, result.retry_after)
            log.warning(
                "alert %s to channel %s not delivered (%s); next try at %s",
                alert.id,
                alert.channel_id,
                result.detail or f"HTTP {result.status}",
                retry_at.isoformat(timespec="seconds"),
            )
            if result.stop_channel:
                blocked[alert.channel_id] = retry_at
        with session_scope(engine) as session:
            session.add(alert)
            record_attempt(
                session=session,
                alert=alert,
                sink=sink.name,
                now=moment,
                ok=result.ok,
                status=result.status,
                detail=result.detail,
                remote_id=result.remote_id,
                retry_at=retry_at,
            )
    if postponed:
        # keep the channel's order: what queued behind a failed alert waits as long as it does
        with session_scope(engine) as session:
            for channel_id, alert_ids in postponed.items():
                postpone(session=session, alert_ids=alert_ids, until=blocked[channel_id])
    return DispatchReport(delivered, failed, waiting)


def _attachments(engine: sa.Engine, message: AlertMessage) -> list[Attachment]:
    """Load the archived images an alert carries."""
    files = []
    with session_scope(engine) as session:
        for sha256, filename in message.attachments:
            image = get_image(session=session, sha256=sha256)
            if image is None:
                log.warning("archived image %s is missing; the alert goes without it", sha256)
                continue
            files.append(Attachment(filename, image.content_type, image.data))
    return files
