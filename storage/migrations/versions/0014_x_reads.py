"""X's pay-per-use API: billed reads, deletion look-ups and rate-limit holds (issue 24)

X bills each post a read returns, once per UTC day: ``x_read`` keeps the (day, post) pairs
so that every worker on one database counts the month alike. ``x_check`` keeps when each
followed post was last looked up, so look-ups are spread; ``x_hold`` keeps until when an
endpoint's rate limit holds, for every worker.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "x_read",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("post_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("day", "post_id"),
    )
    op.create_table(
        "x_check",
        sa.Column("post_id", sa.String(length=32), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("post_id"),
    )
    op.create_table(
        "x_hold",
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("endpoint"),
    )


def downgrade() -> None:
    op.drop_table("x_hold")
    op.drop_table("x_check")
    op.drop_table("x_read")
