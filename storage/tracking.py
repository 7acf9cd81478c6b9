"""Reading and writing what deletion and edit tracking knows about stored posts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.deletions import DeletionPlan, Tracked
from bot.domain import Item
from storage.models import ItemRow, MatchRow

TRACKED_STATES = ("live", "missing", "deleted")


def tracked_posts(*, session: Session, source_id: str, since: datetime) -> list[Tracked]:
    """Return the source's posts first seen since a time and still tracked."""
    rows = session.exec(
        select(ItemRow).where(
            ItemRow.source_id == source_id,
            ItemRow.first_seen_at >= since,
            col(ItemRow.state).in_(TRACKED_STATES),
        )
    ).all()
    return [
        Tracked(
            item_id=row.id or 0,
            key=row.key,
            published_at=row.published_at,
            first_seen_at=row.first_seen_at,
            state=row.state,
            missing_since=row.missing_since,
            missing_polls=row.missing_polls,
        )
        for row in rows
    ]


def has_missing(*, session: Session, source_id: str) -> bool:
    """Tell whether any post of the source is missing and not yet called deleted."""
    statement = select(ItemRow.id).where(ItemRow.source_id == source_id, ItemRow.state == "missing")
    return session.exec(statement.limit(1)).first() is not None


def stored_posts(*, session: Session, source_id: str, keys: list[str]) -> dict[str, ItemRow]:
    """Return the stored rows of these keys of one source."""
    found: dict[str, ItemRow] = {}
    for start in range(0, len(keys), 500):
        rows = session.exec(
            select(ItemRow).where(
                ItemRow.source_id == source_id, col(ItemRow.key).in_(keys[start : start + 500])
            )
        ).all()
        found.update((row.key, row) for row in rows)
    return found


def apply_deletion_plan(*, session: Session, plan: DeletionPlan) -> None:
    """Write missing counters, and put back posts the feed shows again."""
    for missing in plan.missing:
        row = session.get(ItemRow, missing.item_id)
        if row is not None:
            row.state = "missing"
            row.missing_since = missing.missing_since
            row.missing_polls = missing.missing_polls
            session.add(row)
    for item_id in (*plan.back, *plan.restored):
        row = session.get(ItemRow, item_id)
        if row is not None:
            row.state = "live"
            row.missing_since = None
            row.missing_polls = 0
            session.add(row)
    for item_id in plan.out_of_window:
        row = session.get(ItemRow, item_id)
        if row is not None:
            row.state = "gone"  # slid out of the feed: no longer tracked
            session.add(row)
    session.flush()


def mark_deleted(*, session: Session, item_id: int, now: datetime) -> ItemRow:
    """Call a post deleted; return its row with the count of times it was deleted."""
    row = session.get(ItemRow, item_id)
    if row is None:
        raise KeyError(item_id)
    row.state = "deleted"
    row.deleted_at = now
    row.deletions += 1
    session.add(row)
    session.flush()
    return row


def record_edit(*, session: Session, row: ItemRow, item: Item, now: datetime) -> ItemRow:
    """Keep the previous version of an edited post and store the new one."""
    previous: dict[str, Any] = {
        "title": row.title,
        "text": row.text,
        "html": row.html,
        "seen_at": now.isoformat(),
    }
    row.revisions = [*row.revisions, previous]
    row.title, row.text, row.html = item.title, item.text, item.html
    row.edits += 1
    row.last_seen_at = now
    session.add(row)
    session.flush()
    return row


def set_archived_images(*, session: Session, item_id: int, images: list[dict[str, Any]]) -> None:
    """Record which archived images belong to a post."""
    row = session.get(ItemRow, item_id)
    if row is not None:
        row.archived_images = images
        session.add(row)


def matched_watches(*, session: Session, item_id: int) -> list[str]:
    """Return the ids of the watches a post matched when it was posted."""
    return list(session.exec(select(MatchRow.watch_id).where(MatchRow.item_id == item_id)).all())


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
