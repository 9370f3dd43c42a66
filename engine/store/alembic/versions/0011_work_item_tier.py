"""the case's tier on its work items, indexed for the inbox's tier filter and sort

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 00:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tier", sa.String(length=16), nullable=True))
    op.execute("UPDATE work_items SET tier = (SELECT cases.tier FROM cases WHERE cases.id = work_items.case_id)")
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.create_index("ix_work_items_inbox_tier", ["state", "lane", "tier", "due_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_inbox_tier")
        batch_op.drop_column("tier")
