"""the outbox as a queue: alert states, claims, channel states, Discord's message ids

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("target", sa.Text(), nullable=False, server_default=""),
        sa.Column("state", sa.String(length=16), nullable=False, server_default="ok"),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=16), nullable=False, server_default="pending")
        )
        batch_op.add_column(sa.Column("sending_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("last_error", type_=sa.Text(), existing_nullable=True)
        batch_op.drop_index("ix_alert_pending")
        batch_op.drop_column("next_attempt_at")
    op.execute("UPDATE alert SET state = 'delivered' WHERE delivered_at IS NOT NULL")
    op.execute(
        "UPDATE alert SET message_id = (SELECT MAX(d.remote_id) FROM delivery d"
        " WHERE d.alert_id = alert.id AND d.ok) WHERE delivered_at IS NOT NULL"
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index("ix_alert_queue", ["channel_id", "state", "id"], unique=False)
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("outcome", sa.String(length=16), nullable=False, server_default="delivered")
        )
        batch_op.add_column(
            sa.Column("in_doubt", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.alter_column("detail", type_=sa.Text(), existing_nullable=True)
        batch_op.alter_column("remote_id", type_=sa.Text(), existing_nullable=True)
    op.execute("UPDATE delivery SET outcome = 'failed' WHERE NOT ok")


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("remote_id", type_=sa.String(), existing_nullable=True)
        batch_op.alter_column("detail", type_=sa.String(), existing_nullable=True)
        batch_op.drop_column("in_doubt")
        batch_op.drop_column("outcome")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_queue")
        batch_op.add_column(
            sa.Column(
                "next_attempt_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.current_timestamp(),
            )
        )
        batch_op.create_index("ix_alert_pending", ["delivered_at", "next_attempt_at"], unique=False)
        batch_op.alter_column("last_error", type_=sa.String(), existing_nullable=True)
        batch_op.drop_column("settled_at")
        batch_op.drop_column("message_id")
        batch_op.drop_column("sending_since")
        batch_op.drop_column("state")
    op.drop_table("channel")
