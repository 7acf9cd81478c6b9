"""Sinks: where alerts are handed over. A sink says how the far side answered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.delivery.alerts import AlertMessage
from bot.domain import DeliveryOutcome


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one attempt to hand over an alert went."""

    outcome: DeliveryOutcome
    status: int | None = None  # the HTTP status; None when no answer came
    detail: str | None = None
    retry_after: float | None = None  # seconds the far side asked us to wait
    remote_id: str | None = None  # the message id Discord gave it
    scope: str | None = None  # of a rate limit: "global" holds every channel
    sent: bool = True  # False when nothing left: our own wait, a refused connection

    @property
    def ok(self) -> bool:
        """Say whether the far side took the alert."""
        return self.outcome == DeliveryOutcome.DELIVERED


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with an alert: the archived image of a deleted post."""

    filename: str
    content_type: str
    data: bytes


class Sink(Protocol):
    """Something that can take alerts for one channel."""

    name: str
    target: str  # a fingerprint of where it delivers: a new one means the channel was repaired

    async def deliver(
        self,
        message: AlertMessage,
        *,
        idempotency_key: str,
        files: Sequence[Attachment] = (),
    ) -> Delivery:
        """Hand over one alert; never raise for a failure of the far side."""
        ...

    async def edit(self, message: AlertMessage, *, message_id: str) -> Delivery:
        """Replace a message the sink delivered before (a story's alert) with this one."""
        ...
