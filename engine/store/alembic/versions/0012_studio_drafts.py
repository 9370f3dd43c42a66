"""drafts of the process owner's studio: a bundle's files, edited and saved, never run

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("process_key", sa.String(length=255), nullable=False),
        sa.Column("base_version_id", BigId, nullable=False),
        sa.Column("main_file", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=150), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by", sa.String(length=150), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deployed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deployed_by", sa.String(length=150), nullable=True),
        sa.ForeignKeyConstraint(
            ["base_version_id"], ["process_versions.id"], name="fk_drafts_base_version_id_process_versions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
    )
    op.create_index("ix_drafts_process_key", "drafts", ["process_key"], unique=False)
    op.create_table(
        "draft_files",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("draft_id", BigId, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["drafts.id"], name="fk_draft_files_draft_id_drafts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_draft_files"),
        sa.UniqueConstraint("draft_id", "name", name="uq_draft_files_draft_id"),
    )
    op.create_index("ix_draft_files_draft_id", "draft_files", ["draft_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_draft_files_draft_id", table_name="draft_files")
    op.drop_table("draft_files")
    op.drop_index("ix_drafts_process_key", table_name="drafts")
    op.drop_table("drafts")
