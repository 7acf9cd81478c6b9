"""The console sink: alerts printed to standard output when no channel is configured."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from bot.delivery.alerts import AlertMessage
from bot.domain import DeliveryOutcome
from bot.sinks.base import Attachment, Delivery


class ConsoleSink:
    """Print alerts as short blocks of text."""

    name = "console"
    target = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def deliver(
        self,
        message: AlertMessage,
        *,
        idempotency_key: str,
        files: Sequence[Attachment] = (),
    ) -> Delivery:
        """Print the alert; always accepted."""
        stream = self._stream or sys.stdout
        lines = [f"[{message.kind.upper()}] {message.source_id}: {message.title}"]
        if message.link:
            lines.append(f"  {message.link}")
        if message.terms:
            lines.append(
                f"  matched: {', '.join(message.terms)} (watch {', '.join(message.watches)})"
            )
        if message.author:
            lines.append(f"  by {message.author}")
        if message.posted_at:
            lines.append(f"  posted {message.posted_at.isoformat()}")
        for name, value in message.facts:
            lines.append(f"  {name}: {value}")
        if message.kind in ("deleted", "edited", "paused", "digest") and message.excerpt:
            lines.append("  " + message.excerpt.replace("\n", "\n  "))
        for attachment in files:
            lines.append(f"  attached: {attachment.filename} ({len(attachment.data)} bytes)")
        print("\n".join(lines), file=stream, flush=True)
        return Delivery(DeliveryOutcome.DELIVERED)

    async def edit(self, message: AlertMessage, *, message_id: str) -> Delivery:
        """Print the story's later reports: a console cannot change what it printed."""
        stream = self._stream or sys.stdout
        lines = [f"[STORY] {message.source_id}: {message.title}", "  also reported by:"]
        if message.also_more:
            lines.append(f"  … and {message.also_more} more before these")
        lines += [
            f"  {source} {link or ''} {when or ''}".rstrip() for source, link, when in message.also
        ]
        print("\n".join(lines), file=stream, flush=True)
        return Delivery(DeliveryOutcome.DELIVERED)
