"""Sinks: where alerts are handed over. A sink says whether it accepted an alert."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.alerts import AlertMessage


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one attempt to hand over an alert went."""

    ok: bool
    status: int | None = None
    detail: str | None = None
    retry_after: float | None = None  # seconds the far side asked us to wait
    remote_id: str | None = None
    stop_channel: bool = False  # later alerts to this channel should wait too


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with an alert: the archived image of a deleted post."""

    filename: str
    content_type: str
    data: bytes


class Sink(Protocol):
    """Something that can take alerts for one channel."""

    name: str

    async def deliver(
        self,
        message: AlertMessage,
        *,
        idempotency_key: str,
        files: Sequence[Attachment] = (),
    ) -> Delivery:
        """Hand over one alert; never raise for a failure of the far side."""
        ...
