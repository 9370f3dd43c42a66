"""Migration 0021 gives every existing work item its case's priority as a number (P1 → 1 … P4 → 4, none when the
case has none), closed tasks too, and the inbox indexes lead with it after the lane.

Run on a database of its own (the fixture of test_migration_0013).
"""

from __future__ import annotations

import sqlalchemy as sa

from engine.store.schema import upgrade
from tests.unit.test_migration_0013 import NOW, a_version, database  # noqa: F401  (the fixture)

CASES = {1: "P1", 2: "P3", 3: None, 4: "P4"}
# (work item id, case id, state)
ITEMS = [(10, 1, "ready"), (11, 1, "completed"), (20, 2, "claimed"), (30, 3, "ready"), (40, 4, "cancelled")]


def test_existing_work_items_take_their_cases_priority(database):  # noqa: F811
    upgrade(database.engine, "0020")
    with database.engine.begin() as c:
        a_version(c)
        for case_id, priority in CASES.items():
            c.execute(
                sa.text(
                    "INSERT INTO cases (id, process_key, process_version_id, status, title, started_by,"
                    " serializer_version, engine_version, revision, created_at, updated_at, priority, state)"
                    " VALUES (:id, 'complaint', 1, 'open', 't', 'x', '1', '1', 1, :t, :t, :p, '{}')"
                ),
                {"id": case_id, "t": NOW, "p": priority},
            )
        for item_id, case_id, state in ITEMS:
            c.execute(
                sa.text(
                    "INSERT INTO work_items (id, case_id, task_id, spec_id, name, lane, state, created_at,"
                    " escalation_level)"
                    " VALUES (:id, :case, :task, 's', 'n', 'frontline', :state, :t, 0)"
                ),
                {"id": item_id, "case": case_id, "task": f"task-{item_id}", "state": state, "t": NOW},
            )

    upgrade(database.engine, "0021")

    with database.engine.connect() as c:
        got = dict(c.execute(sa.text("SELECT id, priority FROM work_items ORDER BY id")).all())
    assert got == {10: 1, 11: 1, 20: 3, 30: None, 40: 4}
    inspector = sa.inspect(database.engine)
    columns = {i["name"]: i["column_names"] for i in inspector.get_indexes("work_items")}
    assert columns["ix_work_items_inbox"] == ["state", "lane", "priority", "due_at", "id"]
    assert columns["ix_work_items_inbox_tier"] == ["state", "lane", "tier", "priority", "due_at", "id"]
