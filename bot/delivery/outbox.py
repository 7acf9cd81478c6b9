"""Delivering the outbox: each channel's alerts in order, by whichever dispatcher claims it.

A pass claims the channels that have alerts due, then drains each one head first: the
next alert goes only once the one before it is settled. Each send is three steps: read
the channel's head and where the channel stands, hand the alert to the sink, and write
what ``bot.delivery.decide`` makes of the answer (the rules for each answer are there) in
one database call. This module does the IO only.

Shutdown lets the deliveries in flight finish and commit, for a few seconds at most.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot.delivery.alerts import AlertMessage, story_alert
from bot.delivery.decide import DeliveryDecision, Tally, decide_delivery
from bot.delivery.decide import DispatchReport as DispatchReport
from bot.domain import AlertKind, OutboxAlert, OutboxHead
from bot.ops import metrics
from bot.sinks.base import Attachment, Delivery, Sink
from storage.db import Database
from storage.outbox import (
    alert_images,
    claim_channels,
    next_alert,
    outbox_summary,
    release_channel,
    settle_delivery,
    sync_channels,
)
from storage.stories import story_message

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)  # longer than one POST may take (20 s) and its commit
SHUTDOWN_GRACE = 5.0  # seconds a stop waits for deliveries in flight
PER_CHANNEL = 100  # alerts one pass sends to one channel at most


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
            claimed = await self._database.run(
                claim_channels,
                channel_ids=list(self._sinks),
                dispatcher=self.dispatcher,
                now=self._now(),
                lease=self._lease,
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
        retried = await self._database.run(sync_channels, targets=targets, now=self._now())
        for channel in retried:
            log.info(
                "channel %s was broken (%s); trying it again", channel.channel_id, channel.reason
            )
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
                release_channel, channel_id=channel_id, dispatcher=self.dispatcher
            )
        return report

    async def _send_head(self, channel_id: str) -> DispatchReport | None:
        """Send the oldest alert of a claimed channel; None when there is none (or no claim)."""
        head = await self._database.run(
            next_alert,
            channel_id=channel_id,
            dispatcher=self.dispatcher,
            now=self._now(),
            lease=self._lease,
        )
        if head is None:
            return None
        alert = head.alert
        if alert.sending_since is not None:
            log.warning(
                "alert %s to channel %s: an earlier try was cut off, so Discord may "
                "have it already; sending it again",
                alert.id,
                channel_id,
            )
        sink = self._sinks[channel_id]
        delivery = await self._hand_over(alert, sink)
        return await self._settle(head, sink, delivery)

    async def _hand_over(self, alert: OutboxAlert, sink: Sink) -> Delivery:
        """Give the sink an alert: a new message, or the edit of its story's message."""
        message = AlertMessage.from_json(alert.message)
        if alert.kind == AlertKind.STORY and alert.story_id is not None:
            told = await self._database.run(
                story_message, story_id=alert.story_id, channel_id=alert.channel_id
            )
            if told is not None:
                # the edit shows the story as it stands now: every report queued so far
                message = story_alert(AlertMessage.from_json(told.message), told.reports[1:])
                if told.message_id is not None:
                    return await sink.edit(message, message_id=told.message_id)
            # the story's first alert never reached Discord: this report says it instead
        files = await self._attachments(message)
        return await sink.deliver(message, idempotency_key=alert.dedup_key, files=files)

    async def _attachments(self, message: AlertMessage) -> list[Attachment]:
        """Load the archived images an alert carries."""
        if not message.attachments:
            return []
        images = await self._database.run(
            alert_images, sha256s=[sha256 for sha256, _ in message.attachments]
        )
        files = []
        for sha256, filename in message.attachments:
            image = images.get(sha256)
            if image is None:
                log.warning("archived image %s is missing; the alert goes without it", sha256)
                continue
            files.append(Attachment(filename, image.content_type, image.data))
        return files

    async def _settle(self, head: OutboxHead, sink: Sink, delivery: Delivery) -> DispatchReport:
        """Decide what the answer means, write it in one call, then log and count it."""
        decision = decide_delivery(
            head.alert,
            head.channel,
            delivery,
            sink=sink.name,
            every_channel=list(self._sinks),
            now=self._now(),
        )
        # the sink has answered: the note of it must land even if the database is slow to
        # take it, or the alert would go out again
        await self._database.note(settle_delivery, plan=decision.plan)
        _tell(head.alert.channel_id, decision)
        return decision.report

    async def _measure(self) -> int:
        """Publish the outbox's depth and oldest age; return what waits for our channels."""
        summary = await self._database.run(outbox_summary, now=self._now())
        metrics.OUTBOX_DEPTH.set(summary.depth)
        oldest = summary.oldest_age.total_seconds() if summary.oldest_age else 0.0
        metrics.OUTBOX_OLDEST_SECONDS.set(oldest)
        return sum(c.pending for i, c in summary.channels.items() if i in self._sinks)


def _tell(channel_id: str, decision: DeliveryDecision) -> None:
    """Log and count what one answer did."""
    if decision.limit_scope is not None:
        metrics.DISCORD_429.labels(decision.limit_scope).inc()
    if decision.tally == Tally.DELIVERED:
        metrics.ALERTS_DELIVERED.labels(channel_id).inc()
    elif decision.tally == Tally.SET_ASIDE:
        metrics.ALERTS_SET_ASIDE.labels(channel_id).inc()
    elif decision.tally == Tally.FAILED:
        metrics.ALERTS_FAILED.labels(channel_id).inc()
    for line in decision.said:
        log.log(line.level, line.text, *line.args)
