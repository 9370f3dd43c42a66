"""evidence: schema changes of the evidence work (a slot in the chain; no change until that work needs one)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 02:40:00
"""

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
