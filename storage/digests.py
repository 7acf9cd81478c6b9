"""A day's digest in the database: what the day held, and which channels got it.

``read_day`` reads the matched posts, deletions, edits, failing sources and broken
channels between two UTC instants; ``queue_digest`` writes a digest's row per channel in
the same transaction as its outbox alerts. The row is unique on (day, channel, edition):
a second writer of the same edition, a restart at the scheduled minute or another
process on one PostgreSQL, inserts nothing, and so queues nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, func, select

from bot.domain import (
    AlertKind,
    ChannelState,
    ChannelTrouble,
    DayActivity,
    DayChange,
    DayPost,
    DeliveryOutcome,
    ItemState,
    SourceTrouble,
)
from storage.models import (
    AlertRow,
    ChannelRow,
    DeliveryRow,
    DigestRow,
    ItemRow,
    MatchRow,
    SourceState,
)
from storage.outbox import add_alert

CHUNK = 500  # ids per IN (...)


def read_day(session: Session, *, start: datetime, end: datetime) -> DayActivity:
    """Read what happened in [start, end): matches, deletions, edits and trouble."""
    matched = session.exec(
        select(MatchRow.item_id, MatchRow.watch_id)
        .where(col(MatchRow.created_at) >= start, col(MatchRow.created_at) < end)
        .order_by(col(MatchRow.id))
    ).all()
    day_watches: dict[int, list[str]] = {}
    for item_id, watch_id in matched:
        day_watches.setdefault(item_id, []).append(watch_id)
    rows = _items(session, day_watches)
    posts = tuple(_post(rows[item_id], watches) for item_id, watches in day_watches.items())

    deleted = session.exec(
        select(ItemRow).where(
            col(ItemRow.deleted_at) >= start,
            col(ItemRow.deleted_at) < end,
            select(MatchRow.id).where(col(MatchRow.item_id) == ItemRow.id).exists(),
        )
    ).all()
    # an edit refreshes last_seen_at: it narrows the posts whose revisions are read
    edited = session.exec(
        select(ItemRow).where(
            col(ItemRow.edits) > 0,
            col(ItemRow.last_seen_at) >= start,
            select(MatchRow.id).where(col(MatchRow.item_id) == ItemRow.id).exists(),
        )
    ).all()
    all_watches = _watches(session, [row.id for row in (*deleted, *edited) if row.id is not None])
    changes: list[DayChange] = []
    for row in deleted:
        assert row.id is not None and row.deleted_at is not None
        changes.append(
            DayChange(
                post=_post(row, all_watches.get(row.id, [])),
                kind=AlertKind.DELETED,
                at=row.deleted_at,
                said=_said(row.title, row.text),
                missing_since=row.missing_since,
                restored=row.state != ItemState.DELETED,
            )
        )
    for row in edited:
        assert row.id is not None
        change = _edits_within(row, all_watches.get(row.id, []), start, end)
        if change is not None:
            changes.append(change)
    return DayActivity(
        start=start,
        end=end,
        posts=posts,
        changes=tuple(changes),
        failing_sources=_failing_sources(session, start),
        broken_channels=_broken_channels(session, start, end),
    )


def _items(session: Session, ids: Iterable[int]) -> dict[int, ItemRow]:
    found: dict[int, ItemRow] = {}
    wanted = list(ids)
    for first in range(0, len(wanted), CHUNK):
        chunk = wanted[first : first + CHUNK]
        for row in session.exec(select(ItemRow).where(col(ItemRow.id).in_(chunk))):
            assert row.id is not None
            found[row.id] = row
    return found


def _watches(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for first in range(0, len(ids), CHUNK):
        chunk = ids[first : first + CHUNK]
        for item_id, watch_id in session.exec(
            select(MatchRow.item_id, MatchRow.watch_id)
            .where(col(MatchRow.item_id).in_(chunk))
            .order_by(col(MatchRow.id))
        ):
            found.setdefault(item_id, []).append(watch_id)
    return found


def _post(row: ItemRow, watches: Sequence[str]) -> DayPost:
    assert row.id is not None
    return DayPost(
        item_id=row.id,
        source_id=row.source_id,
        title=row.title,
        text=row.text,
        link=row.link,
        published_at=row.published_at,
        first_seen_at=row.first_seen_at,
        watches=tuple(dict.fromkeys(watches)),
        story_id=row.story_id,
    )


def _said(title: str, text: str) -> str:
    return f"{title}\n{text}" if title and not text.startswith(title.rstrip(".… ")) else text


def _edits_within(
    row: ItemRow, watches: Sequence[str], start: datetime, end: datetime
) -> DayChange | None:
    """Return the day's edits of a post: the text before the first, after the last."""
    versions = [*row.revisions, {"title": row.title, "text": row.text, "seen_at": None}]
    within = [
        index
        for index, version in enumerate(versions[:-1])
        if start <= datetime.fromisoformat(version["seen_at"]) < end
    ]
    if not within:
        return None
    before, after = versions[within[0]], versions[within[-1] + 1]
    return DayChange(
        post=_post(row, watches),
        kind=AlertKind.EDITED,
        at=datetime.fromisoformat(versions[within[-1]]["seen_at"]),
        said=_said(before["title"], before["text"]),
        now_says=_said(after["title"], after["text"]),
        edits=len(within),
    )


def _failing_sources(session: Session, start: datetime) -> tuple[SourceTrouble, ...]:
    """Sources polled before the day began, with no success since before it began, and
    tried since it began: failing all day."""
    rows = session.exec(
        select(SourceState)
        .where(
            col(SourceState.consecutive_failures) > 0,
            # a source first polled within the day or after it was not failing all day
            sa.or_(
                col(SourceState.first_polled_at).is_(None),
                col(SourceState.first_polled_at) < start,
            ),
            sa.or_(
                col(SourceState.last_success_at).is_(None),
                col(SourceState.last_success_at) < start,
            ),
            col(SourceState.last_polled_at) >= start,
        )
        .order_by(col(SourceState.id))
    ).all()
    return tuple(
        SourceTrouble(row.id, row.last_error, row.last_success_at, row.paused_at is not None)
        for row in rows
    )


def _broken_channels(
    session: Session, start: datetime, end: datetime
) -> tuple[ChannelTrouble, ...]:
    """Channels Discord called gone or forbidden within the day, or broken all through it."""
    found: dict[str, ChannelTrouble] = {}
    refused = session.exec(
        select(AlertRow.channel_id, DeliveryRow.attempted_at, DeliveryRow.detail)
        .join(AlertRow, col(AlertRow.id) == DeliveryRow.alert_id)
        .where(
            col(DeliveryRow.outcome) == DeliveryOutcome.BROKEN,
            col(DeliveryRow.attempted_at) >= start,
            col(DeliveryRow.attempted_at) < end,
        )
        .order_by(col(DeliveryRow.attempted_at))
    ).all()
    for channel_id, attempted_at, detail in refused:
        found.setdefault(channel_id, ChannelTrouble(channel_id, detail, attempted_at))
    for row in session.exec(
        select(ChannelRow).where(
            col(ChannelRow.state) == ChannelState.BROKEN, col(ChannelRow.since) < end
        )
    ):
        earlier = found.get(row.id)
        since = row.since if earlier is None or earlier.since is None else earlier.since
        if row.since is not None and since is not None:
            since = min(since, row.since)
        reason = row.reason or (earlier.reason if earlier is not None else None)
        found[row.id] = ChannelTrouble(row.id, reason, since)
    return tuple(found[channel_id] for channel_id in sorted(found))


def queue_digest(
    session: Session,
    *,
    day: date,
    channel_ids: Sequence[str],
    messages: Sequence[dict[str, Any]],
    late: bool,
    made_by: str,
    force: bool,
    now: datetime,
) -> list[str]:
    """Queue a day's digest for each channel that has not had it; return those queued.

    Without ``force`` only the first edition is written, once per channel whoever tries;
    with it, each channel gets the next edition.
    """
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    table: Any = DigestRow.__table__  # type: ignore[attr-defined]
    queued = []
    for channel_id in channel_ids:
        edition = 1
        if force:
            latest = session.exec(
                select(func.max(DigestRow.edition)).where(
                    col(DigestRow.day) == day, col(DigestRow.channel_id) == channel_id
                )
            ).one()
            edition = (latest or 0) + 1
        # on PostgreSQL a second writer waits here for the first to commit, then skips;
        # RETURNING says which: an ORM insert's rowcount counts skipped rows too
        written = session.execute(
            insert(table)
            .values(
                day=day,
                channel_id=channel_id,
                edition=edition,
                queued_at=now,
                late=late,
                parts=len(messages),
                made_by=made_by,
            )
            .on_conflict_do_nothing(index_elements=["day", "channel_id", "edition"])
            .returning(table.c.id)
        ).first()
        if written is None:
            continue
        for index, message in enumerate(messages, 1):
            add_alert(
                session=session,
                dedup_key=f"digest:{day.isoformat()}:{channel_id}:{edition}:{index}",
                kind=AlertKind.DIGEST,
                channel_id=channel_id,
                item_id=None,
                message=message,
                now=now,
            )
        queued.append(channel_id)
    return queued


@dataclass(frozen=True, slots=True)
class QueuedDigest:
    """One edition of a day's digest, queued for one channel."""

    channel_id: str
    edition: int
    queued_at: datetime


def digests_of(session: Session, *, day: date) -> list[QueuedDigest]:
    """Return the digests queued for a day, each channel's editions in order."""
    rows = session.exec(
        select(DigestRow)
        .where(col(DigestRow.day) == day)
        .order_by(col(DigestRow.channel_id), col(DigestRow.edition))
    ).all()
    return [QueuedDigest(row.channel_id, row.edition, row.queued_at) for row in rows]


def saw_posts_before(session: Session, *, moment: datetime) -> bool:
    """Tell whether leakbot had stored any post before a moment: it was at work then."""
    first = session.exec(select(ItemRow.id).where(col(ItemRow.first_seen_at) < moment).limit(1))
    return first.first() is not None
