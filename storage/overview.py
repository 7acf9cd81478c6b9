"""What ``leakbot status``, the start of ``leakbot run`` and ``poll-once`` show, read in one
transaction: every source's state, and the outbox with each channel's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain import SourceRecord
from storage.mapping import to_source_record
from storage.outbox import ChannelStatus, OutboxSummary, channel_states, outbox_summary
from storage.sources import all_sources


@dataclass(frozen=True, slots=True)
class Overview:
    """The sources as stored, by id, and the outbox at a glance."""

    sources: tuple[SourceRecord, ...]
    outbox: OutboxSummary
    channels: tuple[ChannelStatus, ...]


def read_overview(session: Session, *, now: datetime) -> Overview:
    """Read every source's state, the outbox's summary and each channel's state."""
    return Overview(
        sources=tuple(to_source_record(row) for row in all_sources(session=session)),
        outbox=outbox_summary(session=session, now=now),
        channels=tuple(channel_states(session=session)),
    )


def read_outbox(session: Session, *, now: datetime) -> Overview:
    """Read the outbox's summary and each channel's state; no source."""
    return Overview(
        sources=(),
        outbox=outbox_summary(session=session, now=now),
        channels=tuple(channel_states(session=session)),
    )
