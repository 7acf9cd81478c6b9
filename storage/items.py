"""Reading stored posts one at a time, for ``leakbot explain`` and the operator."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.domain import StoredPost
from storage.mapping import to_stored_post
from storage.models import ItemRow, MatchRow
from storage.stories import ItemStory, item_story


def get_post(session: Session, *, item_id: int) -> StoredPost | None:
    """Return one stored post with its deletion tracking and the watches it matched."""
    row = session.get(ItemRow, item_id)
    if row is None:
        return None
    watches = session.exec(
        select(MatchRow.watch_id).where(MatchRow.item_id == item_id).order_by(col(MatchRow.id))
    ).all()
    return to_stored_post(row, watches)


def get_post_and_story(
    session: Session, *, item_id: int
) -> tuple[StoredPost | None, tuple[ItemStory | None, str | None]]:
    """Return one stored post, and its story with why the post is in it."""
    return get_post(session, item_id=item_id), item_story(session, item_id=item_id)
