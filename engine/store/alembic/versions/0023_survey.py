"""survey: schema changes of the survey work (a slot in the chain; no change until that work needs one)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 06:30:00
"""

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
