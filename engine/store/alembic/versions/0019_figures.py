"""figures: task answers the reports add up (survey, approvals, settlements, root causes) and the compensation
paid and the first response on each case; indexes for the figures' ranges and the repeats' link

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 02:40:00
"""

import sqlalchemy as sa
from alembic import op

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_answers",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("work_item_id", BIG_ID, nullable=False),
        sa.Column("spec_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("form", sa.String(length=255), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by_id", BIG_ID, nullable=True),
        sa.Column("latest", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("recommend", sa.Integer(), nullable=True),
        sa.Column("approved", sa.Boolean(), nullable=True),
        sa.Column("compensation", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_task_answers_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["work_item_id"], ["work_items.id"], name="fk_task_answers_work_item_id_work_items"
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name="fk_task_answers_answered_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_task_answers"),
        sa.UniqueConstraint("work_item_id", name="uq_task_answers_work_item_id"),
    )
    op.create_index("ix_task_answers_case_id", "task_answers", ["case_id"], unique=False)
    op.create_index("ix_task_answers_form_case", "task_answers", ["form", "case_id"], unique=False)
    op.create_index("ix_task_answers_form_answered", "task_answers", ["form", "answered_at"], unique=False)
    op.create_index("ix_work_items_created_at", "work_items", ["created_at"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compensation_paid", sa.Numeric(precision=16, scale=2), nullable=True))
        batch_op.add_column(sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_cases_repeat_of_id", ["repeat_of_id"], unique=False)
    # Cases that were answered before this column existed: the first frontline task done, or an earlier
    # SMS or app message to the customer (the engine keeps it from now on).
    op.execute(
        "UPDATE cases SET first_response_at = (SELECT min(w.completed_at) FROM work_items w"
        " WHERE w.case_id = cases.id AND w.lane = 'frontline' AND w.completed_at IS NOT NULL)"
    )
    op.execute(
        "UPDATE cases SET first_response_at = (SELECT min(o.created_at) FROM outbox o"
        " WHERE o.case_id = cases.id AND o.channel IN ('sms', 'app_push')"
        " AND o.template <> 'complaint_received')"
        " WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = cases.id AND o.channel IN ('sms', 'app_push')"
        " AND o.template <> 'complaint_received'"
        " AND (cases.first_response_at IS NULL OR o.created_at < cases.first_response_at))"
    )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_repeat_of_id")
        batch_op.drop_column("first_response_at")
        batch_op.drop_column("compensation_paid")
    op.drop_index("ix_work_items_created_at", table_name="work_items")
    op.drop_index("ix_task_answers_form_answered", table_name="task_answers")
    op.drop_index("ix_task_answers_form_case", table_name="task_answers")
    op.drop_index("ix_task_answers_case_id", table_name="task_answers")
    op.drop_table("task_answers")
