"""taskforce: the members of an urgent case's task force, and the requests for the regulatory clock's
further extension (30 -> 60 days) that a senior manager decides

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "task_force_members",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("lane", sa.String(length=64), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_task_force_members_case_id_cases"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_task_force_members_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_task_force_members"),
        sa.UniqueConstraint("case_id", "lane", name="uq_task_force_members_case_lane"),
    )
    op.create_table(
        "extension_requests",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("requested_by_id", BigId, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", BigId, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_extension_requests_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name="fk_extension_requests_requested_by_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name="fk_extension_requests_decided_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_extension_requests"),
    )
    op.create_index("ix_extension_requests_case_id", "extension_requests", ["case_id"], unique=False)
    op.create_index(
        "ix_extension_requests_status", "extension_requests", ["status", "requested_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_extension_requests_status", table_name="extension_requests")
    op.drop_index("ix_extension_requests_case_id", table_name="extension_requests")
    op.drop_table("extension_requests")
    op.drop_table("task_force_members")
