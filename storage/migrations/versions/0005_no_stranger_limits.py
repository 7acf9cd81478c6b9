"""no length limit a stranger's feed can exceed: an item's key, an image's content type

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WIDENED = (("item", "key", 512), ("image", "content_type", 100))


def upgrade() -> None:
    for table, column, length in WIDENED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, type_=sa.Text(), existing_type=sa.String(length))


def downgrade() -> None:
    for table, column, length in WIDENED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, type_=sa.String(length), existing_type=sa.Text())
