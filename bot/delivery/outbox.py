"""Delivering the outbox: each channel's alerts in order, by whichever dispatcher claims it.

A pass claims the channels that have alerts due, then drains each one head first: the
next alert goes only once the one before it is settled. What Discord answers decides what
happens to the channel:

- 2xx: delivered, Discord's message id stored; the channel goes on;
- 400 (and other refusals of one message): that alert is set aside with Discord's error;
  the channel goes on;
- 429: the channel waits for ``retry_after`` (every channel, for a global limit);
- 5xx, a timeout or no answer: the channel backs off, 15 s doubling up to 5 minutes;
- 401, 403, 404: the channel is broken. Its alerts are held, the log says so once, and
  it is tried again when the process starts, when its webhook or token changes in the
  config, on ``leakbot outbox retry``, and once an hour.

Shutdown lets the deliveries in flight finish and commit, for a few seconds at most.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.delivery.alerts import AlertMessage, story_alert
from bot.domain import AlertKind, ChannelState, DeliveryOutcome
from bot.ops import metrics
from bot.polling.backoff import BROKEN_CHANNEL_PROBE, alert_retry_delay
from bot.sinks.base import Attachment, Delivery, Sink
from storage.db import Database
from storage.images import get_image
from storage.models import AlertRow
from storage.outbox import (
    channel_failures,
    claim_channels,
    hold_channels,
    next_alert,
    outbox_summary,
    record_attempt,
    release_channel,
    set_channel_state,
    sync_channels,
    unmark_sending,
)
from storage.stories import story_message

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)  # longer than one POST may take (20 s) and its commit
SHUTDOWN_GRACE = 5.0  # seconds a stop waits for deliveries in flight
PER_CHANNEL = 100  # alerts one pass sends to one channel at most


@dataclass(frozen=True, slots=True)
class DispatchReport:
    """What one pass over the outbox did."""

    delivered: int = 0
    failed: int = 0  # tries that failed and will be retried: 429, 5xx, no answer
    waiting: int = 0  # alerts still queued for the channels this process delivers
    set_aside: int = 0  # alerts Discord refused (400), kept aside with its error
    broken: tuple[str, ...] = field(default=())  # channels that broke in this pass

    def __add__(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(
            self.delivered + other.delivered,
            self.failed + other.failed,
            self.waiting + other.waiting,
            self.set_aside + other.set_aside,
            self.broken + other.broken,
        )


class Outbox:
    """The dispatcher of one process: claims channels, sends their heads, records answers."""

    def __init__(
        self,
        *,
        database: Database,
        sinks: Mapping[str, Sink],
        now: Callable[[], datetime],
        lease: timedelta = LEASE,
        per_channel: int = PER_CHANNEL,
    ) -> None:
        self._database = database
        self._sinks = sinks
        self._now = now
        self._lease = lease
        self._per_channel = per_channel
        # who holds a claim, in the channel table: enough for an operator to find the process
        self.dispatcher = f"{socket.gethostname()} pid {os.getpid()} {secrets.token_hex(4)}"
        self._pass = asyncio.Lock()
        self._stopping = False
        self._synced = False

    async def dispatch(self) -> DispatchReport:
        """Run one pass: deliver what is due, each claimed channel in order."""
        async with self._pass:
            if self._stopping or not self._sinks:
                return DispatchReport()
            if not self._synced:
                await self._sync()
            moment = self._now()
            claimed = await self._database.run(
                lambda session: claim_channels(
                    session=session,
                    channel_ids=list(self._sinks),
                    dispatcher=self.dispatcher,
                    now=moment,
                    lease=self._lease,
                )
            )
            results = await asyncio.gather(
                *(self._drain(channel_id) for channel_id in claimed), return_exceptions=True
            )
            report = DispatchReport()
            for result in results:
                if isinstance(result, BaseException):
                    raise result
                report += result
            return report + DispatchReport(waiting=await self._measure())

    async def stop(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Start no new delivery; give the ones in flight a few seconds to finish and commit."""
        self._stopping = True
        try:
            await asyncio.wait_for(self._pass.acquire(), grace)
        except TimeoutError:
            log.warning(
                "stopping with a delivery still in flight after %g s; it will be sent again "
                "on the next start (Discord may have it already)",
                grace,
            )
            return
        self._pass.release()

    async def _sync(self) -> None:
        targets = {channel_id: sink.target for channel_id, sink in self._sinks.items()}
        moment = self._now()
        retried = await self._database.run(
            lambda session: sync_channels(session=session, targets=targets, now=moment)
        )
        for row in retried:
            log.info("channel %s was broken (%s); trying it again", row.id, row.reason)
        self._synced = True

    async def _drain(self, channel_id: str) -> DispatchReport:
        """Send a claimed channel's alerts, oldest first, until one is not delivered."""
        report = DispatchReport()
        try:
            for _ in range(self._per_channel):
                if self._stopping:
                    break
                sent = await self._send_head(channel_id)
                if sent is None:
                    break
                report += sent
                if not (sent.delivered or sent.set_aside):
                    break
        finally:
            await self._database.run(
                lambda session: release_channel(
                    session=session, channel_id=channel_id, dispatcher=self.dispatcher
                )
            )
        return report

    async def _send_head(self, channel_id: str) -> DispatchReport | None:
        """Send the oldest alert of a claimed channel; None when there is none (or no claim)."""
        moment = self._now()
        alert = await self._database.run(
            lambda session: next_alert(
                session=session,
                channel_id=channel_id,
                dispatcher=self.dispatcher,
                now=moment,
                lease=self._lease,
            )
        )
        if alert is None:
            return None
        in_doubt = alert.sending_since is not None
        if in_doubt:
            log.warning(
                "alert %s to channel %s: an earlier try was cut off, so Discord may "
                "have it already; sending it again",
                alert.id,
                channel_id,
            )
        message = AlertMessage.from_json(alert.message)
        sink = self._sinks[channel_id]
        if alert.kind == AlertKind.STORY and alert.story_id is not None:
            story_id = alert.story_id
            told = await self._database.run(
                lambda session: story_message(
                    session=session, story_id=story_id, channel_id=channel_id
                )
            )
            if told is not None:
                # the edit shows the story as it stands now: every report queued so far
                message = story_alert(AlertMessage.from_json(told.message), told.reports[1:])
                if told.message_id is not None:
                    delivery = await sink.edit(message, message_id=told.message_id)
                    return await self._settle(channel_id, sink, alert, delivery, in_doubt)
            # the story's first alert never reached Discord: this report says it instead
        files = await self._database.run(lambda session: _attachments(session, message))
        delivery = await sink.deliver(message, idempotency_key=alert.dedup_key, files=files)
        return await self._settle(channel_id, sink, alert, delivery, in_doubt)

    async def _settle(
        self, channel_id: str, sink: Sink, alert: AlertRow, delivery: Delivery, in_doubt: bool
    ) -> DispatchReport:
        """Record an answer, then log and count what it did."""
        moment = self._now()
        recorded = await self._database.run(
            lambda session: self._record(
                session, channel_id, sink, alert, delivery, in_doubt=in_doubt, moment=moment
            )
        )
        if recorded is None:
            return DispatchReport()
        before, retry_at = recorded
        return self._tell(channel_id, alert, delivery, before, retry_at)

    def _record(
        self,
        session: Session,
        channel_id: str,
        sink: Sink,
        alert: AlertRow,
        delivery: Delivery,
        *,
        in_doubt: bool,
        moment: datetime,
    ) -> tuple[ChannelState | None, datetime | None] | None:
        """Decide what an answer means for the alert and its channel, and write it down.

        Return the channel's state before and its next try, or None when nothing was sent.
        """
        assert alert.id is not None
        outcome = delivery.outcome
        if delivery.scope == "bucket":  # our own wait: nothing went out
            unmark_sending(session=session, alert_id=alert.id)
            set_channel_state(
                session=session,
                channel_id=channel_id,
                state=ChannelState.BACKING_OFF,
                reason=delivery.detail,
                retry_at=moment + alert_retry_delay(0, delivery.retry_after),
                failures=channel_failures(session=session, channel_id=channel_id),
                now=moment,
            )
            return None
        record_attempt(
            session=session,
            alert_id=alert.id,
            sink=sink.name,
            outcome=outcome,
            status=delivery.status,
            detail=delivery.detail,
            message_id=delivery.remote_id,
            in_doubt=in_doubt,
            settled=delivery.status is not None or not delivery.sent,
            now=moment,
        )
        failures = channel_failures(session=session, channel_id=channel_id)
        state, reason, retry_at = ChannelState.OK, None, None
        if outcome == DeliveryOutcome.RATE_LIMITED:
            state, reason = ChannelState.BACKING_OFF, delivery.detail
            retry_at = moment + alert_retry_delay(0, delivery.retry_after or 1.0)
            if delivery.scope == "global":
                hold_channels(
                    session=session,
                    channel_ids=list(self._sinks),
                    until=retry_at,
                    reason=delivery.detail or "Discord's global rate limit",
                    now=moment,
                )
        elif outcome == DeliveryOutcome.FAILED:
            failures += 1
            state, reason = ChannelState.BACKING_OFF, delivery.detail
            retry_at = moment + alert_retry_delay(failures, None)
        elif outcome == DeliveryOutcome.BROKEN:
            state, reason = ChannelState.BROKEN, delivery.detail
            retry_at = moment + BROKEN_CHANNEL_PROBE
        else:
            failures = 0
        before = set_channel_state(
            session=session,
            channel_id=channel_id,
            state=state,
            reason=reason,
            retry_at=retry_at,
            failures=failures,
            now=moment,
        )
        return before, retry_at

    def _tell(
        self,
        channel_id: str,
        alert: AlertRow,
        delivery: Delivery,
        before: ChannelState | None,
        retry_at: datetime | None,
    ) -> DispatchReport:
        """Log and count what one answer did, and report it."""
        outcome = delivery.outcome
        if outcome == DeliveryOutcome.DELIVERED:
            metrics.ALERTS_DELIVERED.labels(channel_id).inc()
            if before not in (ChannelState.OK, None):
                log.info("channel %s delivers again", channel_id)
            return DispatchReport(delivered=1)
        if outcome == DeliveryOutcome.REFUSED:
            metrics.ALERTS_SET_ASIDE.labels(channel_id).inc()
            log.warning(
                "alert %s to channel %s set aside: Discord refused it (%s); the channel goes "
                "on; `leakbot outbox retry %s` sends it again",
                alert.id,
                channel_id,
                delivery.detail,
                alert.id,
            )
            return DispatchReport(set_aside=1)
        if outcome == DeliveryOutcome.BROKEN:
            if before == ChannelState.BROKEN:
                log.debug("channel %s is still broken: %s", channel_id, delivery.detail)
                return DispatchReport()
            log.error(
                "channel %s is broken: %s. Its alerts are held, not dropped; fix the channel "
                "(its webhook, or the bot's access), then restart or run "
                "`leakbot outbox retry %s`",
                channel_id,
                delivery.detail,
                channel_id,
            )
            return DispatchReport(broken=(channel_id,))
        if outcome == DeliveryOutcome.RATE_LIMITED:
            metrics.DISCORD_429.labels(delivery.scope or "user").inc()
        metrics.ALERTS_FAILED.labels(channel_id).inc()
        log.warning(
            "alert %s to channel %s not delivered (%s); next try at %s",
            alert.id,
            channel_id,
            delivery.detail or f"HTTP {delivery.status}",
            retry_at.isoformat(timespec="seconds") if retry_at else "once the channel is free",
        )
        return DispatchReport(failed=1)

    async def _measure(self) -> int:
        """Publish the outbox's depth and oldest age; return what waits for our channels."""
        moment = self._now()
        summary = await self._database.run(
            lambda session: outbox_summary(session=session, now=moment)
        )
        metrics.OUTBOX_DEPTH.set(summary.depth)
        oldest = summary.oldest_age.total_seconds() if summary.oldest_age else 0.0
        metrics.OUTBOX_OLDEST_SECONDS.set(oldest)
        return sum(c.pending for i, c in summary.channels.items() if i in self._sinks)


def _attachments(session: Session, message: AlertMessage) -> list[Attachment]:
    """Load the archived images an alert carries."""
    files = []
    for sha256, filename in message.attachments:
        image = get_image(session=session, sha256=sha256)
        if image is None:
            log.warning("archived image %s is missing; the alert goes without it", sha256)
            continue
        files.append(Attachment(filename, image.content_type, image.data))
    return files
