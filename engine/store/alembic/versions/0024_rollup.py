"""rollup: the figures' daily roll-up (figure_days, figure_built) and the log of changed moments (figure_dirty),
appended by triggers on cases, work_items and task_answers

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 06:30:00

The triggers only ever INSERT into ``figure_dirty`` (no unique key, so concurrent steps never wait on each
other); they fire only when a column a figure reads changes. What each change marks:

- a case: its receipt (the case figures); when its tier, channel or category changes, the moments of its tasks
  and answers too (those figures are filtered by the case's); when it is linked as a repeat, the receipt of the
  earlier case (an agent's repeats count on the earlier case);
- a task: its creation (the on-time figures count tasks by the day they arose);
- an answer: its own moment (the survey and approval figures) and its case's receipt (the half-year return's
  "upheld" asks whether a case has a settlement).

Rows are never deleted by the product, so there are no delete triggers.
"""

import sqlalchemy as sa
from alembic import op

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

CASE_COLUMNS = (
    "received_at", "tier", "channel", "category", "business_type", "cause_class", "owner_id", "repeat_of_id",
    "first_response_at", "decided_at", "closed_at", "regulatory_breached_at", "compensation_paid",
)  # fmt: skip
ITEM_COLUMNS = ("created_at", "completed_at", "due_at", "completed_by_id", "name", "lane", "tier")
ANSWER_COLUMNS = (
    "case_id", "form", "name", "answered_at", "answered_by_id", "latest", "resolved", "satisfaction",
    "recommend", "approved", "really_solved", "other_needs", "advice_worked",
)  # fmt: skip

# The statements each trigger runs; {ne} is "differs, NULLs included" in the database's words.
CASE_INSERTED = """
INSERT INTO figure_dirty (at) SELECT NEW.received_at WHERE NEW.received_at IS NOT NULL;
INSERT INTO figure_dirty (at) SELECT c.received_at FROM cases c
  WHERE c.id = NEW.repeat_of_id AND c.received_at IS NOT NULL;
"""
CASE_UPDATED = """
INSERT INTO figure_dirty (at) SELECT NEW.received_at WHERE NEW.received_at IS NOT NULL;
INSERT INTO figure_dirty (at) SELECT OLD.received_at
  WHERE OLD.received_at IS NOT NULL AND OLD.received_at {ne} NEW.received_at;
INSERT INTO figure_dirty (at) SELECT w.created_at FROM work_items w WHERE w.case_id = NEW.id
  AND (OLD.tier {ne} NEW.tier OR OLD.channel {ne} NEW.channel OR OLD.category {ne} NEW.category);
INSERT INTO figure_dirty (at) SELECT a.answered_at FROM task_answers a WHERE a.case_id = NEW.id
  AND (OLD.tier {ne} NEW.tier OR OLD.channel {ne} NEW.channel OR OLD.category {ne} NEW.category);
INSERT INTO figure_dirty (at) SELECT c.received_at FROM cases c
  WHERE c.id IN (OLD.repeat_of_id, NEW.repeat_of_id) AND OLD.repeat_of_id {ne} NEW.repeat_of_id
  AND c.received_at IS NOT NULL;
"""
ITEM_INSERTED = """
INSERT INTO figure_dirty (at) SELECT NEW.created_at WHERE NEW.created_at IS NOT NULL;
"""
ITEM_UPDATED = """
INSERT INTO figure_dirty (at) SELECT NEW.created_at WHERE NEW.created_at IS NOT NULL;
INSERT INTO figure_dirty (at) SELECT OLD.created_at
  WHERE OLD.created_at IS NOT NULL AND OLD.created_at {ne} NEW.created_at;
"""
ANSWER_INSERTED = """
INSERT INTO figure_dirty (at) SELECT NEW.answered_at WHERE NEW.answered_at IS NOT NULL;
INSERT INTO figure_dirty (at) SELECT c.received_at FROM cases c
  WHERE c.id = NEW.case_id AND c.received_at IS NOT NULL;
"""
ANSWER_UPDATED = """
INSERT INTO figure_dirty (at) SELECT NEW.answered_at WHERE NEW.answered_at IS NOT NULL;
INSERT INTO figure_dirty (at) SELECT OLD.answered_at
  WHERE OLD.answered_at IS NOT NULL AND OLD.answered_at {ne} NEW.answered_at;
INSERT INTO figure_dirty (at) SELECT c.received_at FROM cases c
  WHERE c.id IN (OLD.case_id, NEW.case_id) AND c.received_at IS NOT NULL;
"""
TRIGGERS = (
    # (name, table, the columns whose change matters, on insert, on update)
    ("figure_dirty_cases", "cases", CASE_COLUMNS, CASE_INSERTED, CASE_UPDATED),
    ("figure_dirty_work_items", "work_items", ITEM_COLUMNS, ITEM_INSERTED, ITEM_UPDATED),
    ("figure_dirty_task_answers", "task_answers", ANSWER_COLUMNS, ANSWER_INSERTED, ANSWER_UPDATED),
)


def upgrade() -> None:
    count = sa.BigInteger()
    op.create_table(
        "figure_days",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("figure", sa.String(length=40), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("whole", sa.Boolean(), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("grp", sa.String(length=255), nullable=True),
        *(sa.Column(f"n{i}", count, nullable=False) for i in range(1, 9)),
        sa.Column("s1", sa.Float(), nullable=True),
        sa.Column("k1", count, nullable=False),
        sa.Column("s2", sa.Float(), nullable=True),
        sa.Column("k2", count, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_figure_days"),
    )
    op.create_index("ix_figure_days_read", "figure_days", ["figure", "whole", "day"], unique=False)
    op.create_table(
        "figure_built",
        sa.Column("figure", sa.String(length=40), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("figure", "day", name="pk_figure_built"),
    )
    op.create_table(
        "figure_dirty",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_figure_dirty"),
    )
    op.create_index("ix_figure_dirty_at", "figure_dirty", ["at"], unique=False)
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table, columns, inserted, updated in TRIGGERS:
        if postgresql:
            _postgresql_triggers(name, table, columns, inserted, updated)
        else:
            _sqlite_triggers(name, table, columns, inserted, updated)


def _changed(columns, ne: str) -> str:
    return " OR ".join(f"OLD.{c} {ne} NEW.{c}" for c in columns)


def _sqlite_triggers(name, table, columns, inserted, updated) -> None:
    op.execute(f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {inserted} END")
    op.execute(
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} WHEN {_changed(columns, 'IS NOT')}"
        f" BEGIN {updated.format(ne='IS NOT')} END"
    )


def _postgresql_triggers(name, table, columns, inserted, updated) -> None:
    ne = "IS DISTINCT FROM"
    for suffix, body in (("insert", inserted), ("update", updated.format(ne=ne))):
        op.execute(
            f"CREATE FUNCTION {name}_{suffix}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}"
            " RETURN NULL; END $$"
        )
    op.execute(
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {name}_insert()"
    )
    op.execute(
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} FOR EACH ROW WHEN ({_changed(columns, ne)})"
        f" EXECUTE FUNCTION {name}_update()"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table, *_ in TRIGGERS:
        for suffix in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}" + (f" ON {table}" if postgresql else ""))
            if postgresql:
                op.execute(f"DROP FUNCTION IF EXISTS {name}_{suffix}()")
    op.drop_index("ix_figure_dirty_at", table_name="figure_dirty")
    op.drop_table("figure_dirty")
    op.drop_table("figure_built")
    op.drop_index("ix_figure_days_read", table_name="figure_days")
    op.drop_table("figure_days")
