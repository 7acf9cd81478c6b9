"""The one mapping between table rows and the domain's nouns (bot.domain)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain import (
    AlertKind,
    AlertState,
    ChannelState,
    ChannelStatus,
    Item,
    ItemState,
    OutboxAlert,
    SourceKind,
    SourceRecord,
    StoredPost,
)
from storage.models import AlertRow, ChannelRow, ItemRow, SourceState


def to_item(row: ItemRow) -> Item:
    """Turn a stored row back into the Item it was made from."""
    return Item(
        source_id=row.source_id,
        key=row.key,
        title=row.title,
        text=row.text,
        html=row.html,
        link=row.link,
        author=row.author,
        published_at=row.published_at,
        images=tuple(row.images),
    )


def item_values(item: Item) -> dict[str, Any]:
    """Return the columns of a new item row, for a bulk insert."""
    return {
        "source_id": item.source_id,
        "key": item.key,
        "title": item.title,
        "text": item.text,
        "html": item.html,
        "link": item.link,
        "author": item.author,
        "published_at": item.published_at,
        "images": list(item.images),
    }


def to_stored_post(
    row: ItemRow, watches: Sequence[str], story: tuple[int, str] | None = None
) -> StoredPost:
    """Turn a stored row, the watches it matched and its story into a StoredPost."""
    assert row.id is not None
    return StoredPost(
        item_id=row.id,
        item=to_item(row),
        first_seen_at=row.first_seen_at,
        state=ItemState(row.state),
        missing_since=row.missing_since,
        missing_polls=row.missing_polls,
        deleted_at=row.deleted_at,
        deletions=row.deletions,
        edits=row.edits,
        watches=tuple(watches),
        judgement=row.judgement,
        story=story,
        attachments=tuple(
            (str(image["sha256"]), str(image["filename"])) for image in row.archived_images
        ),
    )


def to_source_record(row: SourceState) -> SourceRecord:
    """Turn a source row into a SourceRecord."""
    return SourceRecord(
        id=row.id,
        kind=SourceKind(row.kind),
        address=row.address,
        etag=row.etag,
        last_modified=row.last_modified,
        baseline_done=row.baseline_done,
        consecutive_failures=row.consecutive_failures,
        last_polled_at=row.last_polled_at,
        last_success_at=row.last_success_at,
        last_error=row.last_error,
        next_poll_at=row.next_poll_at,
        paused_at=row.paused_at,
        recent_sizes=tuple(int(size) for size in row.recent_sizes),
    )


def source_values(record: SourceRecord) -> dict[str, Any]:
    """Return the columns of a source row that a poll changes."""
    return {
        "etag": record.etag,
        "last_modified": record.last_modified,
        "baseline_done": record.baseline_done,
        "consecutive_failures": record.consecutive_failures,
        "last_polled_at": record.last_polled_at,
        "last_success_at": record.last_success_at,
        "last_error": record.last_error,
        "next_poll_at": record.next_poll_at,
        "paused_at": record.paused_at,
        "recent_sizes": list(record.recent_sizes),
    }


def to_outbox_alert(row: AlertRow) -> OutboxAlert:
    """Turn an alert row into the OutboxAlert it stores."""
    assert row.id is not None
    return OutboxAlert(
        id=row.id,
        dedup_key=row.dedup_key,
        kind=AlertKind(row.kind),
        channel_id=row.channel_id,
        message=row.message,
        created_at=row.created_at,
        state=AlertState(row.state),
        item_id=row.item_id,
        attempts=row.attempts,
        last_error=row.last_error,
        sending_since=row.sending_since,
        delivered_at=row.delivered_at,
        message_id=row.message_id,
        settled_at=row.settled_at,
        story_id=row.story_id,
    )


def to_channel_status(row: ChannelRow) -> ChannelStatus:
    """Turn a channel row into where the channel stands."""
    return ChannelStatus(
        channel_id=row.id,
        state=ChannelState(row.state),
        reason=row.reason,
        since=row.since,
        retry_at=row.retry_at,
        failures=row.failures,
        claimed_by=row.claimed_by,
    )
