"""indexes for the auditor's case search

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 22:00:00
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_status_id", ["status", "id"], unique=False)
        batch_op.create_index("ix_cases_received_id", ["received_at", "id"], unique=False)
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_phone"), ["phone"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_phone"))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_received_id")
        batch_op.drop_index("ix_cases_status_id")
