"""visitsummary: schema changes of the visitsummary work (a slot in the chain; no change until that work needs one)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 06:30:00
"""

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
