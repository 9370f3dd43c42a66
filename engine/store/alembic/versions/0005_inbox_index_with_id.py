"""inbox index with id

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 20:12:57.693353
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_items_inbox'))
        batch_op.create_index('ix_work_items_inbox', ['state', 'lane', 'due_at', 'id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_index('ix_work_items_inbox')
        batch_op.create_index(batch_op.f('ix_work_items_inbox'), ['state', 'lane', 'due_at'], unique=False)


