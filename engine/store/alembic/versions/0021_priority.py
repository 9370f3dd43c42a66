"""priority: the case's priority on its work items (1-4), the inbox indexes ordered by it after the lane (and tier)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_NUMBER = (
    "CASE (SELECT cases.priority FROM cases WHERE cases.id = work_items.case_id)"
    " WHEN 'P1' THEN 1 WHEN 'P2' THEN 2 WHEN 'P3' THEN 3 WHEN 'P4' THEN 4 END"
)


def upgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.SmallInteger(), nullable=True))
    # Every task takes its case's priority, the closed ones too (the figures may read them one day).
    op.execute(f"UPDATE work_items SET priority = {_NUMBER}")
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_inbox")
        batch_op.drop_index("ix_work_items_inbox_tier")
        batch_op.create_index("ix_work_items_inbox", ["state", "lane", "priority", "due_at", "id"], unique=False)
        batch_op.create_index(
            "ix_work_items_inbox_tier", ["state", "lane", "tier", "priority", "due_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_inbox_tier")
        batch_op.drop_index("ix_work_items_inbox")
        batch_op.create_index("ix_work_items_inbox", ["state", "lane", "due_at", "id"], unique=False)
        batch_op.create_index("ix_work_items_inbox_tier", ["state", "lane", "tier", "due_at", "id"], unique=False)
        batch_op.drop_column("priority")
