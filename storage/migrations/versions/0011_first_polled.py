"""when each source was first polled (issue 19)

The digest names a source "failing all day" only when it was polled before the day
began: a source added later is no trouble of that day. A poll's write fills the column
once, with that poll's moment. Rows from before this revision get the first sight of
their first post, else their last success (a source was polled by then); a source that
never answered keeps NULL: polled before this revision, when is not known.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch_op:
        batch_op.add_column(sa.Column("first_polled_at", sa.DateTime(timezone=True), nullable=True))
    source = sa.table(
        "source",
        sa.column("id", sa.String()),
        sa.column("first_polled_at", sa.DateTime(timezone=True)),
        sa.column("last_success_at", sa.DateTime(timezone=True)),
    )
    item = sa.table(
        "item",
        sa.column("source_id", sa.String()),
        sa.column("first_seen_at", sa.DateTime(timezone=True)),
    )
    first_post = (
        sa.select(sa.func.min(item.c.first_seen_at))
        .where(item.c.source_id == source.c.id)
        .scalar_subquery()
    )
    op.execute(
        source.update().values(
            first_polled_at=sa.func.coalesce(first_post, source.c.last_success_at)
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("source") as batch_op:
        batch_op.drop_column("first_polled_at")
