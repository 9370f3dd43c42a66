"""studio: each save of a draft kept as a revision (who, when, which content each file had), to list and restore

``draft_revisions`` lists the files of every revision by SHA-256; ``draft_blobs`` holds each content once per
draft. Drafts saved before this migration get their current state recorded as their current revision.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 02:40:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONValue = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "draft_revisions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("draft_id", BigId, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("saved_by", sa.String(length=150), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.Column("files", JSONValue, nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["drafts.id"], name="fk_draft_revisions_draft_id_drafts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_draft_revisions"),
        sa.UniqueConstraint("draft_id", "revision", name="uq_draft_revisions_draft_id"),
    )
    op.create_index("ix_draft_revisions_draft_id", "draft_revisions", ["draft_id"], unique=False)
    op.create_table(
        "draft_blobs",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("draft_id", BigId, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["drafts.id"], name="fk_draft_blobs_draft_id_drafts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_draft_blobs"),
        sa.UniqueConstraint("draft_id", "sha256", name="uq_draft_blobs_draft_id"),
    )
    op.create_index("ix_draft_blobs_draft_id", "draft_blobs", ["draft_id"], unique=False)
    _record_existing_drafts()


def _record_existing_drafts() -> None:
    """Each existing draft's files as its current revision, so that history starts where the draft is."""
    bind = op.get_bind()
    drafts = bind.execute(sa.text("SELECT id, revision, saved_by, saved_at FROM drafts")).all()
    for draft_id, current, saved_by, saved_at in drafts:
        rows = bind.execute(
            sa.text("SELECT name, sha256, content FROM draft_files WHERE draft_id = :d"), {"d": draft_id}
        ).all()
        stored = set()
        for _name, digest, content in rows:
            if digest not in stored:
                stored.add(digest)
                bind.execute(
                    sa.text("INSERT INTO draft_blobs (draft_id, sha256, content) VALUES (:d, :s, :c)"),
                    {"d": draft_id, "s": digest, "c": content},
                )
        bind.execute(
            sa.text(
                "INSERT INTO draft_revisions (draft_id, revision, saved_by, saved_at, action, files) "
                "VALUES (:d, :r, :b, :a, 'saved', :f)"
            ).bindparams(sa.bindparam("f", type_=JSONValue)),
            {"d": draft_id, "r": current, "b": saved_by, "a": saved_at, "f": {name: digest for name, digest, _content in rows}},
        )


def downgrade() -> None:
    op.drop_index("ix_draft_blobs_draft_id", table_name="draft_blobs")
    op.drop_table("draft_blobs")
    op.drop_index("ix_draft_revisions_draft_id", table_name="draft_revisions")
    op.drop_table("draft_revisions")
