"""complaint fields, notes, escalations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:45:58.741856
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('case_notes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('author', sa.String(length=150), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_notes_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_notes_case_id'), ['case_id'], unique=False)

    op.create_table('escalations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('work_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('step', sa.String(length=128), nullable=False),
    sa.Column('limit_text', sa.String(length=255), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_escalations_case_id_cases')),
    sa.ForeignKeyConstraint(['work_item_id'], ['work_items.id'], name=op.f('fk_escalations_work_item_id_work_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations'))
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalations_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_escalations_open', ['resolved_at', 'created_at'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('business_type', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=True))
        batch_op.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('priority', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('cause_class', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('risk_warning', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('repeat_of_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('tracking_code', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_cases_customer_category', ['customer_id', 'category', 'created_at'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_cases_tracking_code'), ['tracking_code'])
        batch_op.create_foreign_key(batch_op.f('fk_cases_repeat_of_id_cases'), 'cases', ['repeat_of_id'], ['id'])

    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assign_to', sa.String(length=32), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_column('assign_to')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_repeat_of_id_cases'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_cases_tracking_code'), type_='unique')
        batch_op.drop_index('ix_cases_customer_category')
        batch_op.drop_column('tracking_code')
        batch_op.drop_column('repeat_of_id')
        batch_op.drop_column('risk_warning')
        batch_op.drop_column('cause_class')
        batch_op.drop_column('priority')
        batch_op.drop_column('received_at')
        batch_op.drop_column('amount')
        batch_op.drop_column('description')
        batch_op.drop_column('category')
        batch_op.drop_column('business_type')
        batch_op.drop_column('channel')

    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_escalations_open')
        batch_op.drop_index(batch_op.f('ix_escalations_case_id'))

    op.drop_table('escalations')
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_notes_case_id'))

    op.drop_table('case_notes')

