"""counters for case ids taken before the case is written

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 23:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "id_sequences",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_id_sequences")),
    )


def downgrade() -> None:
    op.drop_table("id_sequences")
