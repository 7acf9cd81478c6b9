"""deletions people can trust: the feed's recent sizes, each post's last judgement

The usual size of a feed becomes the median of its recent sizes (304s included), so a
moving average that followed only 200s is replaced. Each item keeps the judgement of the
last poll that looked at it, for ``leakbot explain --item``. Posts marked gone because
the feed's window moved past them are followed again until ``watch_for`` ends.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch_op:
        batch_op.add_column(
            sa.Column("recent_sizes", sa.JSON(), nullable=False, server_default="[]")
        )
    source = sa.table(
        "source",
        sa.column("id", sa.String()),
        sa.column("usual_item_count", sa.Float()),
        sa.column("recent_sizes", sa.JSON()),
    )
    connection = op.get_bind()
    for source_id, usual in connection.execute(
        sa.select(source.c.id, source.c.usual_item_count).where(
            source.c.usual_item_count.is_not(None)
        )
    ):
        connection.execute(
            source.update().where(source.c.id == source_id).values(recent_sizes=[round(usual)])
        )
    with op.batch_alter_table("source") as batch_op:
        batch_op.drop_column("usual_item_count")
    with op.batch_alter_table("item") as batch_op:
        batch_op.add_column(sa.Column("judgement", sa.Text(), nullable=True))
    # "gone" meant "slid out of the window" until now; such a post is followed again
    op.execute("UPDATE item SET state = 'live' WHERE state = 'gone'")


def downgrade() -> None:
    with op.batch_alter_table("item") as batch_op:
        batch_op.drop_column("judgement")
    with op.batch_alter_table("source") as batch_op:
        batch_op.add_column(sa.Column("usual_item_count", sa.Float(), nullable=True))
    with op.batch_alter_table("source") as batch_op:
        batch_op.drop_column("recent_sizes")
