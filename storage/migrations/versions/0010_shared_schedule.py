"""the database owns the schedule: source claims and leases (issue 11)

Each source row carries the worker polling it and until when (a lease it renews), so that
many ``leakbot run`` workers on one PostgreSQL share the sources; the claim tick looks for
due sources by ``next_poll_at``. The ``lease`` table holds named roles one process has at a
time: the Discord gateway, and the one ``leakbot run`` a SQLite file allows.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_source_next_poll_at", ["next_poll_at"], unique=False)
    op.create_table(
        "lease",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.Text(), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("lease")
    with op.batch_alter_table("source") as batch_op:
        batch_op.drop_index("ix_source_next_poll_at")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
