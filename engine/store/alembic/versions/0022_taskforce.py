"""taskforce: schema changes of the taskforce work (a slot in the chain; no change until that work needs one)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 06:30:00
"""

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
