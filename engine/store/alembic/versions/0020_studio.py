"""studio: schema changes of the studio work (a slot in the chain; no change until that work needs one)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 02:40:00
"""

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
