"""daily digests (issue 14)

One row per day, channel and edition of the digest, written in the same transaction as
its outbox alerts: the unique key makes a second writer (a restart at the scheduled
minute, another process on the same PostgreSQL) write nothing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("made_by", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "channel_id", "edition", name="uq_digest_day_channel_edition"),
    )


def downgrade() -> None:
    op.drop_table("digest")
