"""What one answer of a sink means for the alert and its channel: the decide step, pure.

The outbox reads the alert and where its channel stands, hands the alert to the sink, and
asks ``decide_delivery`` what the answer means; it writes the plan in one transaction and
logs and counts what the decision says. The rules, one Discord answer at a time:

- 2xx: delivered, Discord's message id stored; the channel goes on;
- 400 (and other refusals of one message): that alert is set aside with Discord's error;
  the channel goes on;
- 429: the channel waits for ``retry_after`` (every channel, for a global limit);
- 5xx, a timeout or no answer: the channel backs off, 15 s doubling up to 5 minutes;
- 401, 403, 404: the channel is broken. Its alerts are held, the log says so once, and
  it is tried again when the process starts, when its webhook or token changes in the
  config, on ``leakbot outbox retry``, and once an hour;
- our own wait for a rate limit bucket (nothing sent): no try is counted; the channel
  waits for the bucket.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.domain import (
    AlertState,
    ChannelChange,
    ChannelHold,
    ChannelState,
    ChannelStatus,
    DeliveryAttempt,
    DeliveryOutcome,
    DeliveryPlan,
    OutboxAlert,
)
from bot.polling.backoff import BROKEN_CHANNEL_PROBE, alert_retry_delay

GLOBAL_LIMIT = "Discord's global rate limit"  # a global 429's reason when it gives none
OWN_WAIT = "bucket"  # the scope of our own wait for a bucket: nothing was sent


class Answer(Protocol):
    """How one attempt to hand over an alert went, as a sink says it (``Delivery``)."""

    @property
    def outcome(self) -> DeliveryOutcome:
        """Say how the try ended."""
        ...

    @property
    def status(self) -> int | None:
        """Give the HTTP status; None when no answer came."""
        ...

    @property
    def detail(self) -> str | None:
        """Give the far side's error, in words."""
        ...

    @property
    def retry_after(self) -> float | None:
        """Give the seconds the far side asked us to wait."""
        ...

    @property
    def remote_id(self) -> str | None:
        """Give the id the far side gave the message."""
        ...

    @property
    def scope(self) -> str | None:
        """Give a rate limit's scope: "global" holds every channel; "bucket" is our own."""
        ...

    @property
    def sent(self) -> bool:
        """Say whether anything left: False for our own wait or a refused connection."""
        ...


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


class Tally(StrEnum):
    """Which of a channel's counters one answer adds to."""

    DELIVERED = "delivered"
    SET_ASIDE = "set-aside"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class LogLine:
    """A line for the log, as ``logging`` takes it: a level, a format and its arguments."""

    level: int
    text: str
    args: tuple[object, ...] = ()


@dataclass(frozen=True, slots=True)
class DeliveryDecision:
    """What one answer means: what to write, what the pass reports, what to log and count."""

    plan: DeliveryPlan
    report: DispatchReport = DispatchReport()
    said: tuple[LogLine, ...] = ()
    tally: Tally | None = None  # None: nothing to count (our own wait; a broken channel)
    limit_scope: str | None = None  # a 429's scope, for the rate limit counter

    @property
    def in_doubt(self) -> bool:
        """Say whether the sink may have had the alert from an earlier try cut off."""
        return self.plan.attempt is not None and self.plan.attempt.in_doubt


def decide_delivery(
    alert: OutboxAlert,
    channel: ChannelStatus,
    answer: Answer,
    *,
    sink: str,
    every_channel: Sequence[str],
    now: datetime,
    rng: random.Random | None = None,
) -> DeliveryDecision:
    """Decide what a sink's answer means for the alert, its channel and every channel.

    ``channel`` is where the alert's channel stood when the alert was taken to be sent;
    ``every_channel`` the channels this process delivers, held together by a global limit.
    """
    failures, before = channel.failures, channel.state
    if answer.scope == OWN_WAIT:  # our own wait: nothing went out, no try to count
        return DeliveryDecision(
            DeliveryPlan(
                alert_id=alert.id,
                channel_id=alert.channel_id,
                at=now,
                alert_state=AlertState.PENDING,
                channel=ChannelChange(
                    ChannelState.BACKING_OFF,
                    answer.detail,
                    now + alert_retry_delay(0, answer.retry_after, rng=rng),
                    failures,
                ),
            )
        )
    attempt = DeliveryAttempt(
        sink=sink,
        outcome=answer.outcome,
        status=answer.status,
        detail=answer.detail,
        message_id=answer.remote_id,
        in_doubt=alert.sending_since is not None,
        # an answer, or nothing sent at all: either way the sink surely has it or surely not
        settled=answer.status is not None or not answer.sent,
    )
    plan = DeliveryPlan(
        alert_id=alert.id,
        channel_id=alert.channel_id,
        at=now,
        alert_state=AlertState.PENDING,
        channel=ChannelChange(ChannelState.OK),
        attempt=attempt,
    )
    outcome = answer.outcome
    if outcome == DeliveryOutcome.DELIVERED:
        plan = replace(plan, alert_state=AlertState.DELIVERED)
        said: tuple[LogLine, ...] = ()
        if before != ChannelState.OK:
            said = (LogLine(logging.INFO, "channel %s delivers again", (alert.channel_id,)),)
        return DeliveryDecision(plan, DispatchReport(delivered=1), said, Tally.DELIVERED)
    if outcome == DeliveryOutcome.REFUSED:
        plan = replace(plan, alert_state=AlertState.SET_ASIDE)
        line = LogLine(
            logging.WARNING,
            "alert %s to channel %s set aside: Discord refused it (%s); the channel goes "
            "on; `leakbot outbox retry %s` sends it again",
            (alert.id, alert.channel_id, answer.detail, alert.id),
        )
        return DeliveryDecision(plan, DispatchReport(set_aside=1), (line,), Tally.SET_ASIDE)
    if outcome == DeliveryOutcome.BROKEN:
        change = ChannelChange(
            ChannelState.BROKEN, answer.detail, now + BROKEN_CHANNEL_PROBE, failures
        )
        plan = replace(plan, channel=change)
        if before == ChannelState.BROKEN:  # said once, when it broke
            line = LogLine(
                logging.DEBUG,
                "channel %s is still broken: %s",
                (alert.channel_id, answer.detail),
            )
            return DeliveryDecision(plan, DispatchReport(), (line,))
        line = LogLine(
            logging.ERROR,
            "channel %s is broken: %s. Its alerts are held, not dropped; fix the channel "
            "(its webhook, or the bot's access), then restart or run "
            "`leakbot outbox retry %s`",
            (alert.channel_id, answer.detail, alert.channel_id),
        )
        return DeliveryDecision(plan, DispatchReport(broken=(alert.channel_id,)), (line,))
    scope = None
    if outcome == DeliveryOutcome.RATE_LIMITED:
        retry_at = now + alert_retry_delay(0, answer.retry_after or 1.0, rng=rng)
        change = ChannelChange(ChannelState.BACKING_OFF, answer.detail, retry_at, failures)
        scope = answer.scope or "user"
        if answer.scope == "global":
            hold = ChannelHold(tuple(every_channel), retry_at, answer.detail or GLOBAL_LIMIT)
            plan = replace(plan, hold=hold)
    else:  # failed: 5xx, a timeout, no answer
        failures += 1
        retry_at = now + alert_retry_delay(failures, None, rng=rng)
        change = ChannelChange(ChannelState.BACKING_OFF, answer.detail, retry_at, failures)
    line = LogLine(
        logging.WARNING,
        "alert %s to channel %s not delivered (%s); next try at %s",
        (
            alert.id,
            alert.channel_id,
            answer.detail or f"HTTP {answer.status}",
            retry_at.isoformat(timespec="seconds"),
        ),
    )
    return DeliveryDecision(
        replace(plan, channel=change), DispatchReport(failed=1), (line,), Tally.FAILED, scope
    )
