"""visitsummary: the heatmap's summary tables, visit_summaries and task_time_summaries, kept by the engine step
(filled for an existing database by ``flask --app app cases backfill-visits``)

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
        ["process_key", "version_id", "day"],
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
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version_id", BigId, autoincrement=False, nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        *_triage(),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tasks", sa.BigInteger(), nullable=False),
        sa.Column("breaches", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
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
        ["version_id", "day"],
        unique=False,
        postgresql_include=["element_id", "tier", "channel", "category", "bucket", "tasks", "breaches", "seconds"],
    )


def downgrade() -> None:
    op.drop_index("ix_task_time_summaries_read", table_name="task_time_summaries")
    op.drop_table("task_time_summaries")
    op.drop_index("ix_visit_summaries_read", table_name="visit_summaries")
    op.drop_table("visit_summaries")
