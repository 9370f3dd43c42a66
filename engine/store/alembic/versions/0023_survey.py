"""survey: each tier's follow-up question kept as a column of the survey's answers (really solved, other
needs, advice worked), and on each case the knowledge-base version and article that answered it

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("really_solved", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("other_needs", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("advice_worked", sa.Boolean(), nullable=True))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kb_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("kb_article", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("kb_article")
        batch_op.drop_column("kb_version")
    with op.batch_alter_table("task_answers", schema=None) as batch_op:
        batch_op.drop_column("advice_worked")
        batch_op.drop_column("other_needs")
        batch_op.drop_column("really_solved")
