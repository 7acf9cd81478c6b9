"""Reading stored posts one at a time, for ``leakbot explain`` and the operator."""

from __future__ import annotations

from sqlmodel import Session

from bot.domain import Item
from storage.mapping import to_item
from storage.models import ItemRow


def get_item(*, session: Session, item_id: int) -> Item | None:
    """Return one stored post as its Item, or None when there is no such post."""
    row = session.get(ItemRow, item_id)
    return None if row is None else to_item(row)
