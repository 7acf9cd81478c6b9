"""Deletion and edit tracking for sources with ``track_deletions``: archive, re-check, alert.

Runs after each successful poll of such a source. The decisions come from bot.deletions;
this module fetches what they need (images, post pages) and writes their outcome, each
alert in the same transaction as the state change that caused it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiohttp
import sqlalchemy as sa
from sqlmodel import Session

from bot.alerts import AlertMessage, deleted_post_alert, edited_post_alert, restored_post_alert
from bot.archive import ArchivedImage, download_images
from bot.config import Config, Source
from bot.deletions import is_healthy, lifetime, plan_deletions, same_content, word_diff
from bot.domain import Item
from bot.linkcheck import PageSays, check_page
from bot.polling import alert_key
from bot.sources.x import PostStatus, XError, XTimeline
from bot.watchlist import Watchlist
from storage.alerts import add_alert
from storage.db import session_scope
from storage.images import save_image
from storage.models import ItemRow, MatchRow
from storage.sources import get_source
from storage.tracking import (
    apply_deletion_plan,
    mark_deleted,
    matched_watches,
    record_edit,
    set_archived_images,
    stored_posts,
    to_item,
    tracked_posts,
)

log = logging.getLogger(__name__)

USUAL_WEIGHT = 0.3  # how fast the usual size of a feed follows a lasting change


@dataclass(frozen=True, slots=True)
class TrackReport:
    """What tracking found in one poll."""

    edited: int = 0
    deleted: int = 0
    restored: int = 0
    suspects: int = 0
    alerts: int = 0

    def note(self) -> str | None:
        """Say what was found, for the poll's line."""
        parts = [
            f"{count} {label}"
            for count, label in (
                (self.deleted, "deleted"),
                (self.edited, "edited"),
                (self.restored, "restored"),
                (self.suspects, "missing"),
            )
            if count
        ]
        return ", ".join(parts) or None


@dataclass
class Tracker:
    """Tracks deletions and edits of one source's posts."""

    config: Config
    watchlist: Watchlist
    engine: sa.Engine
    http: aiohttp.ClientSession
    now: Callable[[], datetime]
    x: XTimeline | None = None
    _queued: int = 0

    async def after_poll(
        self,
        source: Source,
        items: Sequence[Item],
        *,
        new_ids: dict[str, int],
        archive: set[str],
        clean: bool,
    ) -> TrackReport:
        """Archive new matched posts, alert on edits, re-check posts the feed no longer shows."""
        self._queued = 0
        await self._archive(source, items, new_ids, archive)
        edited = self._edits(source, items, new_ids)
        restored, ready = self._missing(source, items, clean)
        deleted = 0
        for row in ready:
            if await self._confirm(source, row):
                deleted += 1
        return TrackReport(edited, deleted, restored, len(ready) - deleted, self._queued)

    async def _archive(
        self, source: Source, items: Sequence[Item], new_ids: dict[str, int], keys: set[str]
    ) -> None:
        # only matched posts can ever get a deletion alert, so only their images are kept
        for item in items:
            if item.key not in new_ids or item.key not in keys or not item.images:
                continue
            images = await download_images(self.http, item.images, source_id=source.id)
            if images:
                self._store_images(new_ids[item.key], images)

    def _store_images(self, item_id: int, images: list[ArchivedImage]) -> None:
        moment = self.now()
        with session_scope(self.engine) as session:
            for image in images:
                save_image(
                    session=session,
                    sha256=image.sha256,
                    content_type=image.content_type,
                    data=image.data,
                    now=moment,
                )
            set_archived_images(
                session=session,
                item_id=item_id,
                images=[
                    {
                        "url": i.url,
                        "sha256": i.sha256,
                        "content_type": i.content_type,
                        "filename": i.filename,
                    }
                    for i in images
                ],
            )

    def _edits(self, source: Source, items: Sequence[Item], new_ids: dict[str, int]) -> int:
        seen = [item for item in items if item.key not in new_ids]
        if not seen:
            return 0
        moment = self.now()
        edited = 0
        with session_scope(self.engine) as session:
            stored = stored_posts(session=session, source_id=source.id, keys=[i.key for i in seen])
            for item in seen:
                row = stored.get(item.key)
                if row is None or row.id is None or row.state == "gone":
                    continue
                if same_content(row.title, item.title) and same_content(row.text, item.text):
                    continue
                diff = _diff(row, item)
                record_edit(session=session, row=row, item=item, now=moment)
                watches = self._watches_of(session, row.id, item, moment)
                if not watches:
                    continue
                message = edited_post_alert(item, diff=diff, watches=watches)
                self._queue(session, "edited", row, message, watches, moment, str(row.edits))
                edited += 1
        return edited

    def _watches_of(
        self, session: Session, item_id: int, item: Item, moment: datetime
    ) -> list[str]:
        """Return the watches an edited post matched then or matches now; record new ones."""
        before = matched_watches(session=session, item_id=item_id)
        for match in self.watchlist.matches(item):
            if match.watch.id not in before:
                session.add(
                    MatchRow(
                        item_id=item_id,
                        watch_id=match.watch.id,
                        terms=list(match.verdict.matched_terms),
                        hits=[
                            {"term": h.term, "start": h.start, "end": h.end}
                            for h in match.verdict.hits
                        ],
                        created_at=moment,
                    )
                )
                before.append(match.watch.id)
        return before

    def _missing(
        self, source: Source, items: Sequence[Item], clean: bool
    ) -> tuple[int, list[ItemRow]]:
        moment = self.now()
        rules = self.config.deletions
        with session_scope(self.engine) as session:
            state = get_source(session=session, source_id=source.id)
            healthy = is_healthy(len(items), state.usual_item_count, clean)
            if clean and items:
                usual = state.usual_item_count
                state.usual_item_count = (
                    float(len(items))
                    if usual is None
                    else usual + USUAL_WEIGHT * (len(items) - usual)
                )
                session.add(state)
            tracked = tracked_posts(
                session=session, source_id=source.id, since=moment - rules.watch_for
            )
            plan = plan_deletions(
                tracked=tracked, current=items, healthy=healthy, now=moment, rules=rules
            )
            apply_deletion_plan(session=session, plan=plan)
            restored = 0
            for item_id in plan.restored:
                row = session.get(ItemRow, item_id)
                watches = matched_watches(session=session, item_id=item_id)
                if row is None or not watches or row.deleted_at is None:
                    continue
                message = restored_post_alert(
                    to_item(row), deleted_at=row.deleted_at, watches=watches
                )
                self._queue(session, "restored", row, message, watches, moment, str(row.deletions))
                restored += 1
            ready_ids = [m.item_id for m in plan.missing if m.ready]
            ready = [row for i in ready_ids if (row := session.get(ItemRow, i)) is not None]
        if not healthy:
            log.info("source %s: poll not healthy enough to judge missing posts", source.id)
        return restored, ready

    async def _confirm(self, source: Source, row: ItemRow) -> bool:
        """Check a long-missing post's page; call it deleted only on real evidence."""
        assert row.id is not None
        if source.kind == "x" and self.x is not None:
            try:
                status = (await asyncio.to_thread(self.x.status_of, [row.key]))[row.key]
            except XError as exc:
                log.info(
                    "source %s: post %s is missing; X did not say more: %s", source.id, row.key, exc
                )
                return False
            if status is not PostStatus.GONE:
                log.info(
                    "source %s: post %s is missing but X says %s", source.id, row.key, status.value
                )
                return False
            why = "X answers Not Found"
        elif row.link:
            says, why = await check_page(self.http, row.link, markers=source.deleted_markers)
            if says is not PageSays.GONE:
                log.info("source %s: post %s is missing but %s", source.id, row.key, why)
                return False
        else:
            why = "it has no page to check"
        moment = self.now()
        with session_scope(self.engine) as session:
            row = mark_deleted(session=session, item_id=row.id, now=moment)
            watches = matched_watches(session=session, item_id=row.id or 0)
            log.info("source %s: post %s deleted: %s", source.id, row.key, why)
            if not watches:
                return True
            images = [
                (str(image["sha256"]), str(image["filename"])) for image in row.archived_images
            ]
            gone_at = row.missing_since or moment
            message = deleted_post_alert(
                to_item(row),
                first_seen_missing=gone_at,
                lived=lifetime(row.published_at, row.first_seen_at, gone_at),
                watches=watches,
                images=images,
            )
            self._queue(session, "deleted", row, message, watches, moment, str(row.deletions))
        return True

    def _queue(
        self,
        session: Session,
        kind: str,
        row: ItemRow,
        message: AlertMessage,
        watches: list[str],
        moment: datetime,
        round_: str,
    ) -> None:
        """Queue an alert to the channels of the watches a post matched, once per channel."""
        channels: dict[str, None] = {}
        for watch in self.config.watches:
            if watch.id in watches:
                channels.update(dict.fromkeys(self.config.channel_ids_of(watch)))
        for channel in channels:
            self._queued += add_alert(
                session=session,
                dedup_key=alert_key(kind, channel, row.source_id, row.key, round_),
                kind=kind,
                channel_id=channel,
                item_id=row.id,
                message=message.to_json(),
                now=moment,
            )


def _diff(row: ItemRow, item: Item) -> str:
    before = f"{row.title}\n{row.text}" if row.title and row.title != row.text else row.text
    after = f"{item.title}\n{item.text}" if item.title and item.title != item.text else item.text
    return word_diff(before, after)
