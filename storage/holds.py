"""Holds on every request to Discord that all workers honour: its global rate limit.

A worker that draws a global 429 stores until when Discord holds the bot; every worker reads
it right before it sends. A hold is only ever lengthened, never shortened nor lifted: only
its own end lets requests go again, whatever succeeds meanwhile.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from storage.models import DiscordHoldRow

GLOBAL = "global"  # Discord's global rate limit: every route of the bot


def extend_hold(session: Session, *, until: datetime, scope: str = GLOBAL) -> datetime:
    """Hold requests until a moment, unless a hold already runs longer; return its end."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    session.execute(
        insert(DiscordHoldRow).values(scope=scope, until=until).on_conflict_do_nothing()
    )
    # the condition is checked again on the locked row: two workers extending at once
    # leave the later end, whichever commits last
    session.execute(
        sa.update(DiscordHoldRow)
        .where(col(DiscordHoldRow.scope) == scope, col(DiscordHoldRow.until) < until)
        .values(until=until)
        .execution_options(synchronize_session=False)
    )
    held = read_hold(session=session, scope=scope)
    assert held is not None  # inserted above, and never deleted
    return held


def read_hold(session: Session, *, scope: str = GLOBAL) -> datetime | None:
    """Return until when requests are held (it may have passed), or None if never held."""
    row = session.get(DiscordHoldRow, scope, populate_existing=True)
    return row.until if row is not None else None
