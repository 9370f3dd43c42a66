"""rollup: schema changes of the rollup work (a slot in the chain; no change until that work needs one)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 06:30:00
"""

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
