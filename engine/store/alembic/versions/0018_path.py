"""path: element_visits, the elements each case completed and the flows it took (for the heatmap)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "element_visits",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("process_key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_element_visits_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_element_visits"),
    )
    op.create_index("ix_element_visits_case_id", "element_visits", ["case_id"], unique=False)
    op.create_index(
        "ix_element_visits_process", "element_visits", ["process_key", "kind", "element_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_element_visits_process", table_name="element_visits")
    op.drop_index("ix_element_visits_case_id", table_name="element_visits")
    op.drop_table("element_visits")
