"""stories: one leak on many sites (issue 13)

A story holds the posts from any sources that report the same leak; its first report
alerts, later ones edit that alert. ``story_key`` is the index a new post is looked up in
(model designations, signature bands), so that deciding stays fast with many open stories.
Each item and alert names its story; the story names the post that opened it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "story",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_item_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False, server_default=""),
        sa.Column("fingerprint", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["first_item_id"], ["item.id"], name="fk_story_first_item"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_story_opened_at", "story", ["opened_at"], unique=False)
    op.create_table(
        "story_key",
        sa.Column("key", sa.String(length=96), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["story_id"], ["story.id"]),
        sa.PrimaryKeyConstraint("key", "story_id"),
    )
    with op.batch_alter_table("item") as batch_op:
        batch_op.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("story_why", sa.Text(), nullable=True))
        batch_op.create_index("ix_item_story_id", ["story_id"], unique=False)
        batch_op.create_foreign_key("fk_item_story", "story", ["story_id"], ["id"])
    with op.batch_alter_table("alert") as batch_op:
        batch_op.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_alert_story_id", ["story_id"], unique=False)
        batch_op.create_foreign_key("fk_alert_story", "story", ["story_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("alert") as batch_op:
        batch_op.drop_constraint("fk_alert_story", type_="foreignkey")
        batch_op.drop_index("ix_alert_story_id")
        batch_op.drop_column("story_id")
    with op.batch_alter_table("item") as batch_op:
        batch_op.drop_constraint("fk_item_story", type_="foreignkey")
        batch_op.drop_index("ix_item_story_id")
        batch_op.drop_column("story_why")
        batch_op.drop_column("story_id")
    op.drop_table("story_key")
    op.drop_index("ix_story_opened_at", table_name="story")
    op.drop_table("story")
