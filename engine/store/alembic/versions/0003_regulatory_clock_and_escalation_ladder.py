"""regulatory clock and escalation ladder

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:19:16.580131
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regulatory_days', sa.Integer(), server_default='15', nullable=False))
        batch_op.add_column(sa.Column('regulatory_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('regulatory_paused_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('regulatory_paused_seconds', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('regulatory_next_alert_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('regulatory_alerts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('regulatory_breached_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_regulatory_next_alert_at'), ['regulatory_next_alert_at'], unique=False)

    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), server_default='diagram', nullable=False))
        batch_op.add_column(sa.Column('recipient', sa.String(length=64), server_default='', nullable=False))

    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ladder_next_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_work_items_ladder_next_at'), ['ladder_next_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_items_ladder_next_at'))
        batch_op.drop_column('ladder_next_at')

    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_column('recipient')
        batch_op.drop_column('source')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_regulatory_next_alert_at'))
        batch_op.drop_column('decided_at')
        batch_op.drop_column('regulatory_breached_at')
        batch_op.drop_column('regulatory_alerts')
        batch_op.drop_column('regulatory_next_alert_at')
        batch_op.drop_column('regulatory_paused_seconds')
        batch_op.drop_column('regulatory_paused_since')
        batch_op.drop_column('regulatory_due_at')
        batch_op.drop_column('regulatory_days')


