"""hostile: schema changes of the hostile work (a slot in the chain; no change until that work needs one)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 02:40:00
"""

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
