"""The tables leakbot keeps: sources' fetch state, items as first seen, matches and the outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json() -> Any:
    return Field(default_factory=list, sa_type=sa.JSON)


class SourceState(SQLModel, table=True):
    """What leakbot knows about fetching one source."""

    __tablename__ = "source"
    # the claim tick's search: due sources, soonest first
    __table_args__ = (sa.Index("ix_source_next_poll_at", "next_poll_at"),)

    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=32)  # a SourceKind (bot.domain)
    address: str
    etag: str | None = None
    last_modified: str | None = None
    baseline_done: bool = False
    consecutive_failures: int = 0
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the first poll's moment: the digest's "failing all day" is about sources polled before it
    first_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    next_poll_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # item counts of the last clean polls (a 304 repeats the last): the usual is their median
    recent_sizes: list[int] = _json()
    # the worker polling it now, until when (a lease it renews; a killed worker's runs out)
    claimed_by: str | None = Field(default=None, sa_type=sa.Text)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ItemRow(SQLModel, table=True):
    """A post as leakbot first saw it."""

    __tablename__ = "item"
    __table_args__ = (sa.UniqueConstraint("source_id", "key", name="uq_item_source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(foreign_key="source.id", index=True, max_length=64)
    key: str = Field(sa_type=sa.Text)  # a guid or link: a stranger decides its length
    title: str = ""
    text: str = ""
    html: str = ""
    link: str | None = None
    author: str | None = None
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    images: list[str] = _json()
    first_seen_at: datetime = Field(sa_type=UTCDateTime, index=True)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    # deletion tracking: live -> missing -> deleted (-> live again when restored)
    state: str = Field(default="live", max_length=16)
    judgement: str | None = Field(default=None, sa_type=sa.Text)  # why, for `leakbot explain`
    missing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    missing_polls: int = 0
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deletions: int = 0
    edits: int = 0
    revisions: list[dict[str, Any]] = _json()  # earlier versions: title, text, seen_at
    archived_images: list[dict[str, Any]] = _json()  # url, sha256, content_type
    # the story (same leak, many sources) it joined or opened; None when it matched nothing
    story_id: int | None = Field(default=None, foreign_key="story.id", index=True)
    story_why: str | None = Field(default=None, sa_type=sa.Text)  # for `leakbot explain`


class ImageRow(SQLModel, table=True):
    """An image archived at first sight, stored once by its content hash."""

    __tablename__ = "image"

    sha256: str = Field(primary_key=True, max_length=64)
    content_type: str = Field(sa_type=sa.Text)  # as the image host sent it
    size: int
    data: bytes = Field(sa_type=sa.LargeBinary)
    first_seen_at: datetime = Field(sa_type=UTCDateTime)


class MatchRow(SQLModel, table=True):
    """A watch that matched an item, with the terms that hit and where."""

    __tablename__ = "match"
    __table_args__ = (sa.UniqueConstraint("item_id", "watch_id", name="uq_match_item_watch"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    watch_id: str = Field(max_length=64)
    terms: list[str] = _json()
    hits: list[dict[str, Any]] = _json()
    created_at: datetime = Field(sa_type=UTCDateTime)


class AlertRow(SQLModel, table=True):
    """An alert in the outbox: written with its cause, queued per channel, first in first out."""

    __tablename__ = "alert"
    __table_args__ = (sa.Index("ix_alert_queue", "channel_id", "state", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(max_length=255, unique=True)
    kind: str = Field(max_length=16)
    channel_id: str = Field(max_length=64)
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)
    message: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)
    state: str = Field(default="pending", max_length=16)  # an AlertState
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    # set while a dispatcher sends it; still set after a crash, so the next try knows
    # Discord may already have it
    sending_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_id: str | None = Field(default=None, sa_type=sa.Text)  # Discord's, for later edits
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # set aside, dropped
    # the story whose message this alert is (kind new) or edits (kind story)
    story_id: int | None = Field(default=None, foreign_key="story.id", index=True)


class StoryRow(SQLModel, table=True):
    """A story: posts from any sources that report the same leak, told as one alert."""

    __tablename__ = "story"

    id: int | None = Field(default=None, primary_key=True)
    opened_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # the post that opened it; the key is added after both tables exist (they point at each other)
    first_item_id: int = Field(
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("item.id", use_alter=True, name="fk_story_first_item"),
            nullable=False,
        )
    )
    title: str = Field(default="", sa_type=sa.Text)
    # what later posts are compared with: designations, claims, signature (bot.stories.rules)
    fingerprint: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class StoryKeyRow(SQLModel, table=True):
    """One key a story is found by (a model designation, a signature band): the index."""

    __tablename__ = "story_key"

    key: str = Field(primary_key=True, max_length=96)
    story_id: int = Field(primary_key=True, foreign_key="story.id")
    opened_at: datetime = Field(sa_type=UTCDateTime)  # the story's, to skip closed ones


class DeliveryRow(SQLModel, table=True):
    """One attempt to hand an alert to a sink, and how it went."""

    __tablename__ = "delivery"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    sink: str = Field(max_length=32)
    attempted_at: datetime = Field(sa_type=UTCDateTime)
    ok: bool
    outcome: str = Field(default="delivered", max_length=16)  # a DeliveryOutcome
    status: int | None = None
    detail: str | None = Field(default=None, sa_type=sa.Text)
    remote_id: str | None = Field(default=None, sa_type=sa.Text)
    in_doubt: bool = False  # an earlier try was cut off: Discord may have had it already


class ChannelRow(SQLModel, table=True):
    """Where delivery to one channel stands, and which dispatcher holds it."""

    __tablename__ = "channel"

    id: str = Field(primary_key=True, max_length=64)
    target: str = Field(default="", sa_type=sa.Text)  # a fingerprint of where it points
    state: str = Field(default="ok", max_length=16)  # a ChannelState
    reason: str | None = Field(default=None, sa_type=sa.Text)
    since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    retry_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failures: int = 0  # in a row, for the back-off
    claimed_by: str | None = Field(default=None, sa_type=sa.Text)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ManagedRow(SQLModel, table=True):
    """A watch, source or channel set up from Discord, with who added it and when."""

    __tablename__ = "managed"

    kind: str = Field(primary_key=True, max_length=16)  # a ManagedKind
    id: str = Field(primary_key=True, max_length=64)
    spec: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)  # as the file holds it
    added_by: str = Field(sa_type=sa.Text)
    added_by_id: str = Field(max_length=32)
    added_at: datetime = Field(sa_type=UTCDateTime)


class ManagedRevision(SQLModel, table=True):
    """One counter, bumped with every change from Discord: each worker polls it to see one."""

    __tablename__ = "managed_revision"

    id: int = Field(default=1, primary_key=True)
    revision: int = 0


class LeaseRow(SQLModel, table=True):
    """A named role only one process may hold at a time (the Discord gateway), until it expires."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(sa_type=sa.Text)  # the process: host, pid and a token of its own
    host: str = Field(sa_type=sa.Text)
    pid: int
    since: datetime = Field(sa_type=UTCDateTime)  # when this holder took it
    expires_at: datetime = Field(sa_type=UTCDateTime)


class DigestRow(SQLModel, table=True):
    """A day's digest queued for one channel: one row per day, channel and edition, so a
    second writer of the same edition (a restart, another process) writes nothing."""

    __tablename__ = "digest"
    __table_args__ = (
        sa.UniqueConstraint("day", "channel_id", "edition", name="uq_digest_day_channel_edition"),
    )

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(sa_type=sa.Date)  # the day in the config's timezone
    channel_id: str = Field(max_length=64)
    edition: int = 1  # 1 is the scheduled post; each `leakbot digest --post --force` adds one
    queued_at: datetime = Field(sa_type=UTCDateTime)
    late: bool = False  # caught up after the bot was down at the scheduled time
    parts: int = 1  # the messages it was split into
    made_by: str = Field(max_length=16)  # schedule, catch-up or command


class DiscordHoldRow(SQLModel, table=True):
    """Until when every request to Discord waits (its global rate limit), for every worker."""

    __tablename__ = "discord_hold"

    scope: str = Field(primary_key=True, max_length=16)  # "global"
    until: datetime = Field(sa_type=UTCDateTime)


class XReadRow(SQLModel, table=True):
    """A post the X API returned on a UTC day: X bills it once that day, however often."""

    __tablename__ = "x_read"

    day: date = Field(sa_type=sa.Date, primary_key=True)  # the UTC day
    post_id: str = Field(primary_key=True, max_length=32)


class XCheckRow(SQLModel, table=True):
    """When a followed X post was last looked up (``GET /2/tweets?ids=``) for a deletion."""

    __tablename__ = "x_check"

    post_id: str = Field(primary_key=True, max_length=32)
    checked_at: datetime = Field(sa_type=UTCDateTime)


class XHoldRow(SQLModel, table=True):
    """Until when one X API endpoint is not asked (its rate limit), for every worker."""

    __tablename__ = "x_hold"

    endpoint: str = Field(primary_key=True, max_length=64)
    until: datetime = Field(sa_type=UTCDateTime)
