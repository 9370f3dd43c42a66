"""standard: schema changes of the standard work (a slot in the chain; no change until that work needs one)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 02:40:00
"""

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
