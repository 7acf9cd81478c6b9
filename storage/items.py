"""Reading and writing items, their matches, and the alerts they cause."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.polling import PollPlan
from storage.alerts import add_alert
from storage.models import ItemRow, MatchRow

_CHUNK = 500


def known_keys(*, session: Session, source_id: str, keys: list[str]) -> set[str]:
    """Return which of these item keys the source has already stored."""
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        statement = select(ItemRow.key).where(
            ItemRow.source_id == source_id, col(ItemRow.key).in_(chunk)
        )
        found.update(session.exec(statement).all())
    return found


def save_poll(*, session: Session, plan: PollPlan, now: datetime) -> dict[str, int]:
    """Write a poll's new items, matches and alerts; return the new items' ids by key."""
    ids: dict[str, int] = {}
    for item in plan.new_items:
        row = ItemRow(
            source_id=item.source_id,
            key=item.key,
            title=item.title,
            text=item.text,
            html=item.html,
            link=item.link,
            author=item.author,
            published_at=item.published_at,
            images=list(item.images),
            first_seen_at=now,
            last_seen_at=now,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        ids[item.key] = row.id
    for start in range(0, len(plan.seen_keys), _CHUNK):
        chunk = list(plan.seen_keys[start : start + _CHUNK])
        rows = session.exec(
            select(ItemRow).where(ItemRow.source_id == plan.source_id, col(ItemRow.key).in_(chunk))
        ).all()
        for row in rows:
            row.last_seen_at = now
            session.add(row)
    for match in plan.matches:
        session.add(
            MatchRow(
                item_id=ids[match.item_key],
                watch_id=match.watch_id,
                terms=list(match.terms),
                hits=[{"term": h.term, "start": h.start, "end": h.end} for h in match.hits],
                created_at=now,
            )
        )
    for alert in plan.alerts:
        add_alert(
            session=session,
            dedup_key=alert.dedup_key,
            kind=alert.message.kind,
            channel_id=alert.channel_id,
            item_id=ids[alert.item_key],
            message=alert.message.to_json(),
            now=now,
        )
    session.flush()
    return ids


def get_item(*, session: Session, item_id: int) -> ItemRow | None:
    """Return one stored item."""
    return session.get(ItemRow, item_id)


def count_items(*, session: Session, source_id: str | None = None) -> int:
    """Count stored items, of one source or all."""
    statement = select(ItemRow.id)
    if source_id is not None:
        statement = statement.where(ItemRow.source_id == source_id)
    return len(session.exec(statement).all())
