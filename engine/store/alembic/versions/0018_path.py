"""path: schema changes of the path work (a slot in the chain; no change until that work needs one)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 02:40:00
"""

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
