"""timer due index with id

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 20:30:01.036223
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timers_due'))
        batch_op.create_index('ix_timers_due', ['status', 'due_at', 'id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index('ix_timers_due')
        batch_op.create_index(batch_op.f('ix_timers_due'), ['status', 'due_at'], unique=False)


