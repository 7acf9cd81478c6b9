"""deletions and edits: item state, revisions, archived images

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "image",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=16), nullable=False, server_default="live")
        )
        batch_op.add_column(sa.Column("missing_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("missing_polls", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("deletions", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("edits", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("revisions", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("archived_images", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        for column in (
            "archived_images",
            "revisions",
            "edits",
            "deletions",
            "deleted_at",
            "missing_polls",
            "missing_since",
            "state",
        ):
            batch_op.drop_column(column)
    op.drop_table("image")
