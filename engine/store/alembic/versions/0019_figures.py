"""figures: schema changes of the figures work (a slot in the chain; no change until that work needs one)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 02:40:00
"""

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
