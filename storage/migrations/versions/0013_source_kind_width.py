"""a source's kind may be any registered kind's name (issue 21)

A kind of source is one package and one entry in bot.sources.base.SOURCE_KINDS; its name
was held in 8 characters, which "mastodon" fills and "telegram-channel" does not fit.
32 leaves room for any kind's name.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch_op:
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=8), type_=sa.String(length=32), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("source") as batch_op:
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=32), type_=sa.String(length=8), nullable=False
        )
