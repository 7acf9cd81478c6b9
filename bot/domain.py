"""The nouns of leakbot: the frozen Item, and the kinds and states everything else speaks of.

A leaf: it imports nothing of the project, so that storage, the sources and the logic can
all share it without depending on one another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SourceKind(StrEnum):
    """Where a source's posts come from."""

    FEED = "feed"
    X = "x"


class PollOutcome(StrEnum):
    """How one poll of one source ended."""

    OK = "ok"
    BASELINE = "baseline"
    NOT_MODIFIED = "not-modified"
    FAILED = "failed"
    SKIPPED = "skipped"


class AlertKind(StrEnum):
    """What an alert tells a channel."""

    NEW = "new"
    EDITED = "edited"
    DELETED = "deleted"
    RESTORED = "restored"
    PAUSED = "paused"
    RECOVERED = "recovered"


class ItemState(StrEnum):
    """Where a stored post stands in deletion tracking."""

    LIVE = "live"
    MISSING = "missing"  # not in the feed lately; not yet called deleted
    DELETED = "deleted"
    GONE = "gone"  # slid out of the feed's window: no longer tracked


class AlertState(StrEnum):
    """Where an alert stands in the outbox."""

    PENDING = "pending"
    DELIVERED = "delivered"
    SET_ASIDE = "set-aside"  # Discord refused it (400): kept with the error, never resent alone
    DROPPED = "dropped"  # the operator dropped it


class ChannelState(StrEnum):
    """Whether a channel's alerts can go out now."""

    OK = "ok"
    BACKING_OFF = "backing-off"  # rate limited, or Discord failing: held until a retry time
    BROKEN = "broken"  # Discord says the webhook or channel is gone or forbidden


class DeliveryOutcome(StrEnum):
    """How one attempt to hand an alert to a channel ended."""

    DELIVERED = "delivered"
    RATE_LIMITED = "rate-limited"  # 429, or our own wait for the bucket: the channel waits
    FAILED = "failed"  # 5xx, network, timeout: the channel backs off
    REFUSED = "refused"  # 400: this alert can never go; it is set aside
    BROKEN = "broken"  # 401, 403, 404: the channel is held until it is repaired


@dataclass(frozen=True, slots=True)
class Item:
    """A post as read from its source, before leakbot decides anything about it."""

    source_id: str
    key: str
    title: str
    text: str
    html: str
    link: str | None
    author: str | None
    published_at: datetime | None
    images: tuple[str, ...]

    @property
    def searchable(self) -> str:
        """Return the text watches look at: the title, then the body."""
        if not self.title:
            return self.text
        if self.text.startswith(self.title.rstrip(".… ")):
            return self.text
        return f"{self.title}\n{self.text}"
