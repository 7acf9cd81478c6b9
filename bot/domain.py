"""The nouns of leakbot: the frozen Item, and the kinds and states everything else speaks of.

A leaf: it imports nothing of the project, so that storage, the sources and the logic can
all share it without depending on one another.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


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
    HELD = "held"  # the source would not be asked (a rate limit, a budget): not a failure


class AlertKind(StrEnum):
    """What an alert tells a channel."""

    NEW = "new"
    EDITED = "edited"
    DELETED = "deleted"
    RESTORED = "restored"
    PAUSED = "paused"
    RECOVERED = "recovered"
    DIGEST = "digest"  # a part of the daily digest
    STORY = "story"  # a later report of a story: its first alert is edited to list it
    BUDGET = "budget"  # X reads are held until the month turns: said once a month


class ItemState(StrEnum):
    """Where a stored post stands in deletion tracking."""

    LIVE = "live"
    MISSING = "missing"  # not in the feed lately; not yet called deleted
    DELETED = "deleted"
    GONE = "gone"  # shown under a new key, or lost in an upstream change: no longer followed


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


class ManagedKind(StrEnum):
    """What a member set up from Discord: a watch, a source, or a channel a watch names."""

    WATCH = "watch"
    SOURCE = "source"
    CHANNEL = "channel"


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


@dataclass(frozen=True, slots=True)
class Hit:
    """One place where a term matched, as a span of the original text."""

    term: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Reading:
    """What one read of a source gave: its posts now, or word that nothing changed (304)."""

    items: tuple[Item, ...] = ()
    not_modified: bool = False
    clean: bool = True  # the whole document was read: a missing post there means something
    problem: str | None = None  # a quirk the parser forgave, for the poll's line
    etag: str | None = None
    last_modified: str | None = None
    # the posts are only those new since the last read (X's ``since_id``), not the source's
    # whole window: a followed post not among them is not missing
    new_only: bool = False
    # followed posts the source itself says are deleted (X's Not Found), by key
    gone: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """What leakbot knows about polling one source, as stored."""

    id: str
    kind: SourceKind
    address: str
    etag: str | None = None
    last_modified: str | None = None
    baseline_done: bool = False
    consecutive_failures: int = 0
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    next_poll_at: datetime | None = None
    paused_at: datetime | None = None
    recent_sizes: tuple[int, ...] = ()  # item counts of the last clean polls; a 304 repeats


@dataclass(frozen=True, slots=True)
class ArchivedImage:
    """An image of a post, downloaded at first sight."""

    url: str
    sha256: str
    content_type: str
    data: bytes

    @property
    def filename(self) -> str:
        """Name the file by its hash, with an extension that fits its type."""
        extension = mimetypes.guess_extension(self.content_type.split(";")[0].strip()) or ".img"
        return f"{self.sha256[:16]}{extension}"


@dataclass(frozen=True, slots=True)
class StoredPost:
    """A post as stored, with where it stands in deletion tracking and what it matched."""

    item_id: int
    item: Item
    first_seen_at: datetime
    state: ItemState = ItemState.LIVE
    missing_since: datetime | None = None
    missing_polls: int = 0
    deleted_at: datetime | None = None
    deletions: int = 0
    edits: int = 0
    watches: tuple[str, ...] = ()  # the watches it matched
    attachments: tuple[tuple[str, str], ...] = ()  # archived images: sha256, filename
    judgement: str | None = None  # why the last poll that judged it missing did what it did
    story: tuple[int, str] | None = None  # the story it belongs to: its id and first title

    @property
    def key(self) -> str:
        """Return the post's stable key within its source."""
        return self.item.key


@dataclass(frozen=True, slots=True)
class SourceSnapshot:
    """What a poll's decision needs from the database, read in one go."""

    source: SourceRecord
    known_keys: frozenset[str]
    # for a source that tracks deletions: its stored posts by key, those the reading shows
    # and those first seen within ``deletions.watch_for``
    posts: Mapping[str, StoredPost]


@dataclass(frozen=True, slots=True)
class Match:
    """A watch that matched a post, with the terms that hit and where."""

    item_key: str
    watch_id: str
    terms: tuple[str, ...]
    hits: tuple[Hit, ...]


@dataclass(frozen=True, slots=True)
class QueuedAlert:
    """An alert to write to the outbox with what caused it, once per channel."""

    dedup_key: str
    kind: AlertKind
    channel_id: str
    message: dict[str, Any]
    item_key: str | None = None  # the post it is about, by key within the poll's source
    # the story whose message it is (new) or edits (story); below zero: opened by this write
    story_id: int | None = None


@dataclass(frozen=True, slots=True)
class PostChange:
    """A stored post's new tracking state, and its new content when it was edited."""

    item_id: int
    state: ItemState
    missing_since: datetime | None = None
    missing_polls: int = 0
    deleted_at: datetime | None = None
    deletions: int = 0
    edited: Item | None = None  # the new version; the stored one becomes a revision
    edits: int = 0
    judgement: str | None = None


@dataclass(frozen=True, slots=True)
class PollPlan:
    """Everything one poll writes, in one transaction."""

    source_id: str
    source: SourceRecord | None = None  # the source's new state; None leaves it as it is
    new_items: tuple[Item, ...] = ()
    matches: tuple[Match, ...] = ()
    changes: tuple[PostChange, ...] = ()
    alerts: tuple[QueuedAlert, ...] = ()
    images: tuple[tuple[str, tuple[ArchivedImage, ...]], ...] = ()  # by post key
    stories: tuple[StoryChoice, ...] = ()  # new posts to put in stories, then their choice


@dataclass(frozen=True, slots=True)
class ManagedEntry:
    """A watch, source or channel set up from Discord: its config entry, who added it, when."""

    kind: ManagedKind
    id: str
    spec: Mapping[str, Any]  # the entry as the config file would hold it
    added_by: str  # the member's name as Discord showed it
    added_by_id: str  # the member's user id
    added_at: datetime


# --- the daily digest's raw material: what storage reads for one day -------------------------


@dataclass(frozen=True, slots=True)
class DayPost:
    """A post that matched within the day, with the watches it matched and its story."""

    item_id: int
    source_id: str
    title: str
    text: str
    link: str | None
    published_at: datetime | None
    first_seen_at: datetime
    watches: tuple[str, ...]
    story_id: int | None = None


@dataclass(frozen=True, slots=True)
class DayChange:
    """A matched post deleted or edited within the day, with what it said."""

    post: DayPost
    kind: AlertKind  # DELETED or EDITED
    at: datetime  # when it was called deleted, or when the day's last edit was seen
    said: str  # the archived text when deleted; the text before the day's first edit
    now_says: str = ""  # the text after the day's last edit
    missing_since: datetime | None = None  # a deleted post was first seen missing then
    restored: bool = False  # called deleted, then shown again
    edits: int = 0  # edits seen within the day


@dataclass(frozen=True, slots=True)
class SourceTrouble:
    """A source with no successful poll from before the day began until the digest is made."""

    source_id: str
    error: str | None
    last_success_at: datetime | None
    paused: bool


@dataclass(frozen=True, slots=True)
class ChannelTrouble:
    """A channel Discord refused as gone or forbidden within the day."""

    channel_id: str
    reason: str | None
    since: datetime | None


@dataclass(frozen=True, slots=True)
class DayActivity:
    """Everything a day's digest is made of, read between two UTC instants."""

    start: datetime
    end: datetime
    posts: tuple[DayPost, ...] = ()
    changes: tuple[DayChange, ...] = ()
    failing_sources: tuple[SourceTrouble, ...] = ()
    broken_channels: tuple[ChannelTrouble, ...] = ()


@dataclass(frozen=True, slots=True)
class StoryRecord:
    """An open story as stored: what a new post is compared with, and where it was told."""

    id: int
    opened_at: datetime
    first_item_id: int
    title: str
    fingerprint: Mapping[str, Any]  # bot.stories.rules.Fingerprint as JSON
    channels: tuple[str, ...] = ()  # the channels that hold its message


@dataclass(frozen=True, slots=True)
class StoryChoice:
    """A new post that goes into a story: which one and why, once decided.

    A poll names the post (``decided`` False); the write decides, against the stories
    open at that moment, whether it joins one (``story_id``) or opens one (``story_id``
    below zero until it is written, ``keys`` to find it by).
    """

    item_key: str
    title: str
    fingerprint: Mapping[str, Any]  # the post's; once decided, the story's after it
    watches: tuple[str, ...] = ()  # the watches it matched
    decided: bool = False
    story_id: int | None = None
    opens: bool = False
    keys: tuple[str, ...] = ()
    why: str = ""
    turn: int = 0  # the order it was decided in among the posts of one write


@dataclass(frozen=True, slots=True)
class StoryReport:
    """One report of a story: which source, its link, and when it was posted (or seen)."""

    source_id: str
    link: str | None
    at: datetime | None


# --- the outbox: alerts as queued, channels as they stand, and what one answer changes ---------


@dataclass(frozen=True, slots=True)
class OutboxAlert:
    """An alert in the outbox, as stored: what it says, where it goes, where it stands."""

    id: int
    dedup_key: str
    kind: AlertKind
    channel_id: str
    message: dict[str, Any]  # bot.delivery.alerts.AlertMessage as JSON
    created_at: datetime
    state: AlertState = AlertState.PENDING
    item_id: int | None = None
    attempts: int = 0
    last_error: str | None = None
    # set while a dispatcher sends it; still set after a crash, so the next try knows
    # Discord may already have it
    sending_since: datetime | None = None
    delivered_at: datetime | None = None
    message_id: str | None = None  # the sink's, for later edits
    settled_at: datetime | None = None  # set aside, or dropped
    story_id: int | None = None  # the story whose message it is (new) or edits (story)


@dataclass(frozen=True, slots=True)
class AlertChange:
    """An alert the operator acted on, as it is now, and the state it was in before."""

    alert: OutboxAlert
    before: AlertState


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """Whether a channel's alerts can go out, and if not, why and until when."""

    channel_id: str
    state: ChannelState
    reason: str | None = None
    since: datetime | None = None
    retry_at: datetime | None = None
    failures: int = 0  # in a row, for the back-off
    claimed_by: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxHead:
    """A channel's oldest pending alert, as it was before it was marked as being sent, and
    where the channel stood then: what a send and the decision on its answer start from."""

    alert: OutboxAlert
    channel: ChannelStatus


@dataclass(frozen=True, slots=True)
class ChannelCounts:
    """What waits in one channel's queue."""

    pending: int
    set_aside: int
    oldest_age: timedelta | None  # of its oldest pending alert


@dataclass(frozen=True, slots=True)
class OutboxSummary:
    """The outbox at a glance: depth, the oldest alert's age, and each channel's share."""

    depth: int  # pending alerts
    oldest_age: timedelta | None
    set_aside: int
    channels: Mapping[str, ChannelCounts]


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One try at handing an alert to a sink, as it is recorded."""

    sink: str
    outcome: DeliveryOutcome
    status: int | None = None  # the HTTP status; None when no answer came
    detail: str | None = None
    message_id: str | None = None  # the sink's id of the message it took
    in_doubt: bool = False  # an earlier try was cut off: the sink may have had it already
    # the sink surely has the message or surely not; a try cut off without an answer leaves
    # the alert marked as being sent, so that the next try knows it is in doubt
    settled: bool = True


@dataclass(frozen=True, slots=True)
class ChannelChange:
    """A channel's new state: whether it may send, why not, and when it may try again."""

    state: ChannelState
    reason: str | None = None
    retry_at: datetime | None = None
    failures: int = 0  # in a row, for the back-off


@dataclass(frozen=True, slots=True)
class ChannelHold:
    """Every one of these channels held until a time (Discord's global rate limit)."""

    channel_ids: tuple[str, ...]
    until: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class DeliveryPlan:
    """Everything one answer of a sink changes in the outbox, written in one transaction."""

    alert_id: int
    channel_id: str
    at: datetime
    alert_state: AlertState  # the alert's new state: pending, delivered or set aside
    channel: ChannelChange  # the channel's new state
    attempt: DeliveryAttempt | None = None  # None: nothing left, so the alert's mark is lifted
    hold: ChannelHold | None = None


# A database URL's userinfo, as people type it: storage parses it, masking hides it.
_SCHEME = re.compile(r"[\w+]+://")
# what may follow a database URL's userinfo: a host (or [IPv6]), a port, a database and a
# query, none holding an unencoded '@'; a password may, as people type them
_AFTER_USERINFO = re.compile(
    r"(?:\[[^\]@]*\]|[^/:?@\[\]]*)(?::[^/?@]*)?(?:/[^?@]*)?(?:\?[^@]*)?", re.DOTALL
)


def split_userinfo(url: str) -> tuple[str, str, str] | None:
    """Split a URL into ``scheme://``, its userinfo and the ``@host…`` rest; None without one.

    The userinfo ends at the first '@' that a host, port, database and query free of '@'
    follow, so that ``user:p@ss#word@host`` has the password ``p@ss#word``: SQLAlchemy would
    end it at the first '@' and take ``ss#word@host`` for the host.
    """
    scheme = _SCHEME.match(url)
    if scheme is None:
        return None
    rest = url[scheme.end() :]
    ats = [index for index, char in enumerate(rest) if char == "@"]
    if not ats or "/" in rest[: ats[0]].partition(":")[0]:
        return None  # no '@', or one in a path (sqlite:///data/a@b.db): no userinfo
    at = next((i for i in ats if _AFTER_USERINFO.fullmatch(rest, i + 1)), ats[-1])
    return scheme.group(0), rest[:at], rest[at:]
