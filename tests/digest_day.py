"""A day of leaks written into a real database as the bot leaves it, for the digest tests.

Posts, matches, stories, deletions, edits, a failing source and a broken channel are
written as rows at fixed moments, so a test knows the exact digest to expect.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.config.file import Config, parse_config
from storage.db import make_engine, migrate, session_scope
from storage.models import ChannelRow, ItemRow, MatchRow, SourceState, StoryRow
from storage.sources import sync_sources


def config(text: str) -> Config:
    """Read a config file's text."""
    return parse_config(text, Path("leakbot.yaml"), env={})


@dataclass
class Day:
    """Writes a day's rows into a migrated database."""

    engine: sa.Engine
    _keys: itertools.count[int] = field(default_factory=itertools.count)

    @classmethod
    def open(cls, url: str, source_ids: list[str]) -> Day:
        engine = make_engine(url)
        migrate(engine)
        with session_scope(engine) as session:
            sync_sources(
                session=session,
                sources=[(s, "feed", f"https://{s}.example/feed") for s in source_ids],
            )
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def post(
        self,
        source_id: str,
        title: str,
        *,
        published: datetime | None,
        seen: datetime,
        watches: list[str],
        text: str = "",
        link: str | None = None,
        story: int | None = None,
        **columns: Any,
    ) -> int:
        """Store a post first seen at ``seen`` that matched these watches then."""
        key = f"{source_id}-{next(self._keys)}"
        with session_scope(self.engine) as session:
            row = ItemRow(
                source_id=source_id,
                key=key,
                title=title,
                text=text or title,
                link=link if link is not None else f"https://{source_id}.example/{key}",
                published_at=published,
                first_seen_at=seen,
                last_seen_at=seen,
                story_id=story,
                **columns,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            for watch_id in watches:
                session.add(MatchRow(item_id=row.id, watch_id=watch_id, created_at=seen))
            return row.id

    def story(self, opened: datetime, first_item_id: int) -> int:
        """Open a story with its first post."""
        with session_scope(self.engine) as session:
            story = StoryRow(opened_at=opened, first_item_id=first_item_id, title="")
            session.add(story)
            session.flush()
            assert story.id is not None
            item = session.get(ItemRow, first_item_id)
            assert item is not None
            item.story_id = story.id
            session.add(item)
            return story.id

    def delete(self, item_id: int, *, missing_since: datetime, deleted_at: datetime) -> None:
        """Mark a stored post deleted, as a confirmed deletion leaves it."""
        self._update(
            item_id,
            state="deleted",
            missing_since=missing_since,
            deleted_at=deleted_at,
            deletions=1,
        )

    def edit(self, item_id: int, *, text: str, seen: datetime) -> None:
        """Store a new version of a post, the old one kept as a revision."""
        with session_scope(self.engine) as session:
            row = session.get(ItemRow, item_id)
            assert row is not None
            row.revisions = [
                *row.revisions,
                {"title": row.title, "text": row.text, "html": "", "seen_at": seen.isoformat()},
            ]
            row.title = row.text = text
            row.edits += 1
            row.last_seen_at = seen
            session.add(row)

    def failing(
        self, source_id: str, *, last_success: datetime | None, last_polled: datetime, error: str
    ) -> None:
        """Leave a source failing since its last success, paused."""
        with session_scope(self.engine) as session:
            row = session.get(SourceState, source_id)
            assert row is not None
            row.consecutive_failures = 12
            row.last_success_at = last_success
            row.last_polled_at = last_polled
            row.last_error = error
            row.paused_at = last_polled - timedelta(hours=6)
            session.add(row)

    def broken(self, channel_id: str, *, since: datetime, reason: str) -> None:
        """Leave a channel broken, as Discord's 404 leaves it."""
        with session_scope(self.engine) as session:
            session.add(ChannelRow(id=channel_id, state="broken", reason=reason, since=since))

    def _update(self, item_id: int, **values: Any) -> None:
        with session_scope(self.engine) as session:
            row = session.get(ItemRow, item_id)
            assert row is not None
            for name, value in values.items():
                setattr(row, name, value)
            session.add(row)

    def session(self) -> Session:
        return Session(self.engine)
