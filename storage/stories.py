"""Stories as stored: the open ones a new post is looked up in, and what an edit lists.

A story is found by its keys (``story_key``: a model designation, a signature band), so
reading the candidates for a few new posts costs a few index lookups however many stories
are open. Storage writes what it is told; which story a post joins is decided in
``bot.polling.decide.decide_stories``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain import AlertKind, AlertState, StoryChoice, StoryRecord, StoryReport
from storage.models import AlertRow, ItemRow, StoryKeyRow, StoryRow

CHUNK = 500


_STORIES_LOCK = 0x5707  # PostgreSQL advisory lock: one writer decides stories at a time


def open_stories(session: Session, *, keys: Iterable[str], since: datetime) -> list[StoryRecord]:
    """Return the stories opened since a moment that any of these keys finds.

    On PostgreSQL this waits for any other process that is putting posts in stories, so
    that two workers never open two stories for one leak; the lock ends with the write.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:space)"), {"space": _STORIES_LOCK})
    wanted = sorted(set(keys))
    ids: set[int] = set()
    for start in range(0, len(wanted), CHUNK):
        ids.update(
            session.exec(
                select(StoryKeyRow.story_id).where(
                    col(StoryKeyRow.key).in_(wanted[start : start + CHUNK]),
                    col(StoryKeyRow.opened_at) >= since,
                )
            ).all()
        )
    if not ids:
        return []
    told: dict[int, list[str]] = {}
    for story_id, channel_id in session.exec(
        select(AlertRow.story_id, AlertRow.channel_id)
        .where(col(AlertRow.story_id).in_(ids), col(AlertRow.kind) == AlertKind.NEW)
        .distinct()
    ):
        if story_id is not None:
            told.setdefault(story_id, []).append(channel_id)
    rows = session.exec(select(StoryRow).where(col(StoryRow.id).in_(ids))).all()
    return [
        StoryRecord(
            id=row.id or 0,
            opened_at=row.opened_at,
            first_item_id=row.first_item_id,
            title=row.title,
            fingerprint=row.fingerprint,
            channels=tuple(sorted(told.get(row.id or 0, ()))),
        )
        for row in rows
    ]


def write_choices(
    session: Session,
    *,
    choices: Sequence[StoryChoice],
    item_ids: Mapping[str, int],
    opened: dict[int, int],
    now: datetime,
) -> None:
    """Write where new posts went: open the stories they opened, grow those they joined.

    ``opened`` maps the numbers below zero that a decision gave new stories to their ids,
    across the plans of one write; it is filled here.
    """
    for choice in choices:
        item_id = item_ids[choice.item_key]
        if choice.story_id is None:
            continue
        if choice.opens:
            row = StoryRow(
                opened_at=now,
                first_item_id=item_id,
                title=choice.title[:500],
                fingerprint=dict(choice.fingerprint),
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            opened[choice.story_id] = row.id
            if choice.keys:  # a post with no model and no words cannot be found again
                session.execute(
                    sa.insert(StoryKeyRow),
                    [{"key": key, "story_id": row.id, "opened_at": now} for key in choice.keys],
                )
            story_id = row.id
        else:
            story_id = opened.get(choice.story_id, choice.story_id)
            session.execute(
                sa.update(StoryRow)
                .where(col(StoryRow.id) == story_id)
                .values(fingerprint=dict(choice.fingerprint))
                .execution_options(synchronize_session=False)
            )
            _grow(session, story_id, choice.fingerprint, opened)
        session.execute(
            sa.update(ItemRow)
            .where(col(ItemRow.id) == item_id)
            .values(story_id=story_id, story_why=choice.why)
            .execution_options(synchronize_session=False)
        )


def _grow(
    session: Session, story_id: int, fingerprint: Mapping[str, Any], opened: dict[int, int]
) -> None:
    """Let a story that a post joined be found by its new keys, and take in the stories the
    post showed were the same leak (``absorbed``): their posts become the story's, and they
    are found no more."""
    absorbed = [opened.get(int(i), int(i)) for i in fingerprint.get("absorbed", ())]
    absorbed = [i for i in absorbed if i > 0 and i != story_id]
    if absorbed:
        session.execute(
            sa.update(ItemRow)
            .where(col(ItemRow.story_id).in_(absorbed))
            .values(story_id=story_id)
            .execution_options(synchronize_session=False)
        )
        session.execute(sa.delete(StoryKeyRow).where(col(StoryKeyRow.story_id).in_(absorbed)))
    keys = {str(k) for k in fingerprint.get("keys", ())}
    if not keys:
        return
    held = set(
        session.exec(select(StoryKeyRow.key).where(col(StoryKeyRow.story_id) == story_id)).all()
    )
    story = session.get(StoryRow, story_id)
    if story is None or not keys - held:
        return
    session.execute(
        sa.insert(StoryKeyRow),
        [
            {"key": key, "story_id": story_id, "opened_at": story.opened_at}
            for key in sorted(keys - held)
        ],
    )


@dataclass(frozen=True, slots=True)
class StoryMessage:
    """What editing a story's message in a channel needs: the message, and the reports."""

    message: dict[str, Any]  # the alert that holds it, as queued
    message_id: str | None  # Discord's; None when that alert never reached Discord
    reports: tuple[StoryReport, ...]  # every report in the channel, the first one first


def story_message(session: Session, *, story_id: int, channel_id: str) -> StoryMessage | None:
    """Return a story's message in a channel and its reports there, for an edit."""
    rows = session.exec(
        select(AlertRow, ItemRow)
        .join(ItemRow, col(ItemRow.id) == col(AlertRow.item_id))
        .where(
            col(AlertRow.story_id) == story_id,
            col(AlertRow.channel_id) == channel_id,
            col(AlertRow.kind).in_((AlertKind.NEW, AlertKind.STORY)),
            col(AlertRow.state) != AlertState.DROPPED,
        )
        .order_by(col(AlertRow.id))
    ).all()
    if not rows:
        return None
    # the message is the first alert Discord took (the first report, unless that one was
    # set aside: then the first edit was posted in its place)
    holder = next(
        (a for a, _ in rows if a.state == AlertState.DELIVERED and a.message_id), rows[0][0]
    )
    reports: dict[int, StoryReport] = {}
    for _, item in rows:
        assert item.id is not None
        reports.setdefault(
            item.id, StoryReport(item.source_id, item.link, item.published_at or item.first_seen_at)
        )
    return StoryMessage(
        message=holder.message,
        message_id=holder.message_id if holder.state == AlertState.DELIVERED else None,
        reports=tuple(reports.values()),
    )


def stories_of(session: Session, *, item_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """Return the story of each of these posts that has one: its id and first title."""
    ids = list(item_ids)
    found: dict[int, tuple[int, str]] = {}
    for start in range(0, len(ids), CHUNK):
        for item_id, story_id, title in session.exec(
            select(ItemRow.id, StoryRow.id, StoryRow.title)
            .join(StoryRow, col(StoryRow.id) == col(ItemRow.story_id))
            .where(col(ItemRow.id).in_(ids[start : start + CHUNK]))
        ):
            if item_id is not None and story_id is not None:
                found[item_id] = (story_id, title)
    return found


@dataclass(frozen=True, slots=True)
class ItemStory:
    """A post's place in a story, for ``leakbot explain --item``."""

    story_id: int
    why: str
    title: str
    opened_at: datetime
    reports: tuple[tuple[int, str, str], ...]  # item id, source, title


def item_story(session: Session, *, item_id: int) -> tuple[ItemStory | None, str | None]:
    """Return the story a post is in (with every report), or None; and the post's why."""
    item = session.get(ItemRow, item_id)
    if item is None or item.story_id is None:
        return None, item.story_why if item is not None else None
    story = session.get(StoryRow, item.story_id)
    assert story is not None and story.id is not None
    reports = session.exec(
        select(ItemRow.id, ItemRow.source_id, ItemRow.title)
        .where(col(ItemRow.story_id) == story.id)
        .order_by(col(ItemRow.first_seen_at), col(ItemRow.id))
    ).all()
    return (
        ItemStory(
            story.id,
            item.story_why or "",
            story.title,
            story.opened_at,
            tuple((i or 0, s, t) for i, s, t in reports),
        ),
        item.story_why,
    )
