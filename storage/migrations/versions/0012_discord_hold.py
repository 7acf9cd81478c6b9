"""Discord's global rate limit, held for every worker (issue 20)

A global 429 holds every request of the bot, whichever worker sends it: the worker that
got it stores until when, and every worker reads it right before each send. Only its own
end lifts a hold; a later 429 may only lengthen it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discord_hold",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )


def downgrade() -> None:
    op.drop_table("discord_hold")
