"""A poll's two trips to the database: one read of all the decision needs, one write of its plan."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain import (
    ItemState,
    PollPlan,
    QueuedAlert,
    SourceRecord,
    SourceSnapshot,
    StoredPost,
    StoryRecord,
)
from storage.images import save_image
from storage.mapping import (
    item_values,
    source_values,
    to_source_record,
    to_stored_post,
)
from storage.models import ItemRow, MatchRow, SourceState
from storage.outbox import add_alert
from storage.stories import open_stories, stories_of, write_choices

CHUNK = 500  # keys per IN (...): well under every database's limit of bound parameters
T = TypeVar("T")
TRACKED_STATES = (ItemState.LIVE, ItemState.MISSING, ItemState.DELETED)


def read_source(session: Session, *, source_id: str) -> tuple[SourceRecord, bool]:
    """Return a source's state before a fetch, and whether any of its posts is missing."""
    row = session.get(SourceState, source_id)
    if row is None:
        raise KeyError(source_id)
    missing = session.exec(
        select(ItemRow.id)
        .where(ItemRow.source_id == source_id, ItemRow.state == ItemState.MISSING)
        .limit(1)
    ).first()
    return to_source_record(row), missing is not None


def read_sources(
    session: Session, *, source_ids: list[str]
) -> dict[str, tuple[SourceRecord, bool]]:
    """Return many sources' states before their fetch, each with whether a post is missing."""
    found: dict[str, tuple[SourceRecord, bool]] = {}
    for chunk in _chunks(source_ids):
        missing = set(
            session.exec(
                select(ItemRow.source_id)
                .where(col(ItemRow.source_id).in_(chunk), ItemRow.state == ItemState.MISSING)
                .distinct()
            )
        )
        for row in session.exec(select(SourceState).where(col(SourceState.id).in_(chunk))):
            found[row.id] = (to_source_record(row), row.id in missing)
    return found


def read_snapshot(
    session: Session, *, source_id: str, keys: list[str], tracking: bool, since: datetime
) -> SourceSnapshot:
    """Read what deciding a poll needs: the source, which keys are known, tracked posts."""
    row = session.get(SourceState, source_id)
    if row is None:
        raise KeyError(source_id)
    if not tracking:
        known: set[str] = set()
        for chunk in _chunks(keys):
            known.update(
                session.exec(
                    select(ItemRow.key).where(
                        ItemRow.source_id == source_id, col(ItemRow.key).in_(chunk)
                    )
                ).all()
            )
        return SourceSnapshot(to_source_record(row), frozenset(known), {})
    rows: dict[int, ItemRow] = {}
    for chunk in _chunks(keys):
        for item in session.exec(
            select(ItemRow).where(ItemRow.source_id == source_id, col(ItemRow.key).in_(chunk))
        ):
            rows[item.id or 0] = item
    for item in session.exec(
        select(ItemRow).where(
            ItemRow.source_id == source_id,
            ItemRow.first_seen_at >= since,
            col(ItemRow.state).in_(TRACKED_STATES),
        )
    ):
        rows[item.id or 0] = item
    watches: dict[int, list[str]] = {}
    for chunk in _chunks(list(rows)):
        for item_id, watch_id in session.exec(
            select(MatchRow.item_id, MatchRow.watch_id)
            .where(col(MatchRow.item_id).in_(chunk))
            .order_by(col(MatchRow.id))
        ):
            watches.setdefault(item_id, []).append(watch_id)
    stories = stories_of(
        session=session, item_ids=[i for i, row in rows.items() if row.story_id is not None]
    )
    posts: dict[str, StoredPost] = {
        item.key: to_stored_post(item, watches.get(item_id, ()), stories.get(item_id))
        for item_id, item in rows.items()
    }
    known_keys = frozenset(key for key in keys if key in posts)
    return SourceSnapshot(to_source_record(row), known_keys, posts)


def decide_on_snapshot(
    session: Session,
    *,
    source_id: str,
    keys: list[str],
    tracking: bool,
    since: datetime,
    decide: Callable[[SourceSnapshot], T],
) -> T:
    """Read what deciding a poll needs and hand it to ``decide`` on the database's thread,
    so that the decision, pure as it is, runs off the event loop too."""
    return decide(
        read_snapshot(session, source_id=source_id, keys=keys, tracking=tracking, since=since)
    )


Polled = tuple[PollPlan, datetime]  # a poll's plan, and the moment it was decided


@dataclass(frozen=True, slots=True)
class StoryQuery:
    """The open stories a write of plans must see (their index keys, opened since when),
    and how to put the plans' new posts in stories once they are read."""

    keys: set[str]
    since: datetime
    place: Callable[[list[StoryRecord]], list[Polled]]


class StoryPlacer(Protocol):
    """What puts polls' new posts in stories: ``bot``'s decision, asked during the write."""

    def ask(self, plans: list[Polled]) -> StoryQuery | None:
        """Say which open stories the plans need; None when none of them needs stories."""
        ...


def write_polls(
    session: Session, plans: list[Polled], *, stories: StoryPlacer | None = None
) -> list[list[str]]:
    """Write polls' plans in one transaction, their new posts first put in stories by
    ``stories`` against the stories open as the write begins; return each plan's channels
    alerted. ``Database.write``'s shape: plans queued at one moment share a commit."""
    query = stories.ask(plans) if stories is not None else None
    if query is not None:
        plans = query.place(open_stories(session, keys=query.keys, since=query.since))
    return write_plans(session, plans=plans)


def write_plans(session: Session, *, plans: list[tuple[PollPlan, datetime]]) -> list[list[str]]:
    """Write polls' plans in the caller's transaction, the sources' rows in one statement;
    return, for each plan, the channels of the alerts it queued (the outbox refuses copies)."""
    states = [
        {"source_key": plan.source_id, **source_values(plan.source)}
        for plan, _ in plans
        if plan.source is not None
    ]
    if states:
        # rows in id order: a worker's writes and renewals running at once never deadlock
        states.sort(key=lambda state: state["source_key"])
        table: Any = SourceState.__table__  # type: ignore[attr-defined]
        columns = [name for name in states[0] if name != "source_key"]
        session.execute(
            table.update()
            .where(table.c.id == sa.bindparam("source_key"))
            .values(
                {
                    **{name: sa.bindparam(name) for name in columns},
                    # kept from the first poll on: the digest asks whether it was before a day
                    "first_polled_at": sa.func.coalesce(
                        table.c.first_polled_at,
                        sa.bindparam("last_polled_at", type_=table.c.last_polled_at.type),
                    ),
                }
            ),
            states,
        )
    ids = [_write_posts(session, plan, now) for plan, now in plans]
    # the posts went into stories in the order they were decided, which need not be the
    # plans' (the oldest post of a write first): they are written in that order, so that a
    # story one plan opens is there for another's report, and each story keeps its last
    # fingerprint
    decided = sorted(
        (
            (choice, n)
            for n, (plan, _) in enumerate(plans)
            for choice in plan.stories
            if choice.decided
        ),
        key=lambda chosen: chosen[0].turn,
    )
    opened: dict[int, int] = {}  # stories opened by these plans: decided number -> id
    for choice, n in decided:
        write_choices(
            session=session, choices=[choice], item_ids=ids[n], opened=opened, now=plans[n][1]
        )
    # and their alerts queued in that order too: a story's first report is its message, which
    # the later reports' alerts edit (an alert of no story keeps its plan's place, first)
    turns: dict[tuple[int, str | None], int] = {
        (n, choice.item_key): choice.turn for choice, n in decided
    }
    alerts = sorted(
        ((n, alert) for n, (plan, _) in enumerate(plans) for alert in plan.alerts),
        key=lambda queued: turns.get((queued[0], queued[1].item_key), -1),
    )
    channels: list[list[str]] = [[] for _ in plans]
    for n, alert in alerts:
        if _queue(session, alert, plans[n][1], ids[n], opened):
            channels[n].append(alert.channel_id)
    return channels


def _write_posts(session: Session, plan: PollPlan, now: datetime) -> dict[str, int]:
    """Write what a plan says of posts: new ones, matches, changes, images; return the ids
    of the posts its stories and alerts name."""
    if not (plan.new_items or plan.matches or plan.changes or plan.images or plan.alerts):
        return {}
    ids = _insert_items(session, plan, now)
    needed = {m.item_key for m in plan.matches} | {
        a.item_key for a in plan.alerts if a.item_key is not None
    }
    needed |= {choice.item_key for choice in plan.stories}
    needed |= {key for key, _ in plan.images}
    ids.update(_ids_of(session, plan.source_id, needed - ids.keys()))
    if plan.matches:
        session.execute(
            sa.insert(MatchRow),
            [
                {
                    "item_id": ids[m.item_key],
                    "watch_id": m.watch_id,
                    "terms": list(m.terms),
                    "hits": [{"term": h.term, "start": h.start, "end": h.end} for h in m.hits],
                    "created_at": now,
                }
                for m in plan.matches
            ],
        )
    _apply_changes(session, plan, now)
    for key, images in plan.images:
        for image in images:
            save_image(
                session=session,
                sha256=image.sha256,
                content_type=image.content_type,
                data=image.data,
                now=now,
            )
        session.execute(
            sa.update(ItemRow)
            .where(col(ItemRow.id) == ids[key])
            .values(
                archived_images=[
                    {
                        "url": i.url,
                        "sha256": i.sha256,
                        "content_type": i.content_type,
                        "filename": i.filename,
                    }
                    for i in images
                ]
            )
        )
    return ids


def _queue(
    session: Session,
    alert: QueuedAlert,
    now: datetime,
    ids: dict[str, int],
    opened: dict[int, int],
) -> bool:
    """Queue an alert; say whether the outbox took it (it refuses copies)."""
    story_id = alert.story_id
    if story_id is not None and story_id < 0:
        story_id = opened[story_id]
    return add_alert(
        session=session,
        dedup_key=alert.dedup_key,
        kind=alert.kind,
        channel_id=alert.channel_id,
        item_id=ids[alert.item_key] if alert.item_key is not None else None,
        message=alert.message,
        now=now,
        story_id=story_id,
    )


def _insert_items(session: Session, plan: PollPlan, now: datetime) -> dict[str, int]:
    """Insert the new posts in one statement; return their ids by key."""
    if not plan.new_items:
        return {}
    rows = [
        {**item_values(item), "first_seen_at": now, "last_seen_at": now} for item in plan.new_items
    ]
    table: Any = ItemRow.__table__  # type: ignore[attr-defined]
    result = session.execute(
        sa.insert(table).returning(table.c.key, table.c.id, sort_by_parameter_order=True), rows
    )
    return {key: item_id for key, item_id in result}


def _ids_of(session: Session, source_id: str, keys: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(list(keys)):
        for key, item_id in session.exec(
            select(ItemRow.key, ItemRow.id).where(
                ItemRow.source_id == source_id, col(ItemRow.key).in_(chunk)
            )
        ):
            assert item_id is not None
            found[key] = item_id
    return found


def _apply_changes(session: Session, plan: PollPlan, now: datetime) -> None:
    """Write the tracking state of stored posts; an edit keeps the earlier version."""
    plain = [c for c in plan.changes if c.edited is None]
    if plain:
        session.execute(
            sa.update(ItemRow),
            [
                {
                    "id": c.item_id,
                    "state": c.state,
                    "missing_since": c.missing_since,
                    "missing_polls": c.missing_polls,
                    "deleted_at": c.deleted_at,
                    "deletions": c.deletions,
                    "edits": c.edits,
                    "judgement": c.judgement,
                }
                for c in plain
            ],
        )
    for change in plan.changes:
        if change.edited is None:
            continue
        row = session.get(ItemRow, change.item_id)
        if row is None:
            continue
        previous: dict[str, Any] = {
            "title": row.title,
            "text": row.text,
            "html": row.html,
            "seen_at": now.isoformat(),
        }
        row.revisions = [*row.revisions, previous]
        row.title, row.text, row.html = change.edited.title, change.edited.text, change.edited.html
        row.state = change.state
        row.missing_since, row.missing_polls = change.missing_since, change.missing_polls
        row.deleted_at, row.deletions, row.edits = change.deleted_at, change.deletions, change.edits
        row.judgement = change.judgement
        row.last_seen_at = now
        session.add(row)
    session.flush()


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]
