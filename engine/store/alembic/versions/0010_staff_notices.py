"""staff notices in the app: what each user has seen, and an index to list a recipient's messages

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 23:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notices_seen_id", sa.BigInteger(), server_default="0", nullable=False))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_recipient_id", ["recipient", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_recipient_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("notices_seen_id")
