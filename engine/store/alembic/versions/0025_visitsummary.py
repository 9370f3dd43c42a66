"""visitsummary: the heatmap's summary tables, visit_summaries and task_time_summaries, kept by the engine step
(filled for an existing database by ``flask --app app cases backfill-visits``), per day and per month; and a
small index of the open work items by task element (the heatmap's tasks waiting now)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 20:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _triage() -> list[sa.Column]:
    return [
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "visit_summaries",
        sa.Column("span", sa.String(length=5), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version_id", BigId, autoincrement=False, nullable=False),
        sa.Column("process_key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        *_triage(),
        sa.Column("times", sa.BigInteger(), nullable=False),
        sa.Column("cases", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "span",
            "day",
            "version_id",
            "process_key",
            "kind",
            "element_id",
            "source_id",
            "tier",
            "channel",
            "category",
            name="pk_visit_summaries",
        ),
    )
    op.create_index(
        "ix_visit_summaries_read",
        "visit_summaries",
        ["process_key", "span", "version_id", "day"],
        unique=False,
        postgresql_include=[
            "tier",
            "channel",
            "category",
            "kind",
            "source_id",
            "element_id",
            "times",
            "cases",
        ],
    )
    op.create_table(
        "task_time_summaries",
        sa.Column("span", sa.String(length=5), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version_id", BigId, autoincrement=False, nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        *_triage(),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tasks", sa.BigInteger(), nullable=False),
        sa.Column("breaches", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "span",
            "day",
            "version_id",
            "element_id",
            "tier",
            "channel",
            "category",
            "bucket",
            name="pk_task_time_summaries",
        ),
    )
    op.create_index(
        "ix_task_time_summaries_read",
        "task_time_summaries",
        ["span", "version_id", "day"],
        unique=False,
        postgresql_include=["element_id", "tier", "channel", "category", "bucket", "tasks", "breaches", "seconds"],
    )


    open_only = sa.text("state IN ('ready', 'claimed')")
    op.create_index(
        "ix_work_items_open_case",
        "work_items",
        ["case_id", "spec_id", "due_at"],
        unique=False,
        postgresql_where=open_only,
        sqlite_where=open_only,
    )


def downgrade() -> None:
    op.drop_index("ix_work_items_open_case", table_name="work_items")
    op.drop_index("ix_task_time_summaries_read", table_name="task_time_summaries")
    op.drop_table("task_time_summaries")
    op.drop_index("ix_visit_summaries_read", table_name="visit_summaries")
    op.drop_table("visit_summaries")
