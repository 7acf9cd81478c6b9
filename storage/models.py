"""The tables leakbot keeps: sources' fetch state, items as first seen, matches and the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
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

    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=8)
    address: str
    etag: str | None = None
    last_modified: str | None = None
    baseline_done: bool = False
    consecutive_failures: int = 0
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    next_poll_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # item counts of the last clean polls (a 304 repeats the last): the usual is their median
    recent_sizes: list[int] = _json()


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
