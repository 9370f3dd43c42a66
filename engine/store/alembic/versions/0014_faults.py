"""faults: one timer row per occurrence of a cycle timer

A cycle timer (``R3/PT1H``) is one waiting task in the workflow that fires again and again. Each occurrence
is now its own row (fired, with its own lag), so a timer's task id is no longer unique on its own: the pair
(task id, due time) is. A timer of a case whose step cannot be stored is ``held`` (a status value, no schema
change) until an operator retries the case.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 02:40:00
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_constraint("uq_timers_task_id", type_="unique")
        batch_op.create_index("uq_timers_task_due", ["task_id", "due_at"], unique=True)


def downgrade() -> None:
    # Keeps the latest occurrence of each cycle timer: the unique task id cannot hold the earlier ones.
    op.execute(
        "DELETE FROM timers WHERE EXISTS (SELECT 1 FROM timers AS later "
        "WHERE later.task_id = timers.task_id AND later.due_at > timers.due_at)"
    )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("uq_timers_task_due")
        batch_op.create_unique_constraint("uq_timers_task_id", ["task_id"])
