"""What ``bench.inbox`` needs to build its database: 20 departments, agents and supervisors, real template cases
filed through intake, and bulk copies of them (see ``bench/inbox.py``)."""

from __future__ import annotations

import random
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from tqdm import tqdm

from bench._common import ROOT
from engine import accounts
from engine.cases.demo import DEMO_COMPLAINTS
from engine.cases.engine import CaseEngine
from engine.cases.intake import file_complaint
from engine.clock import system_clock
from engine.deploy import deployment
from engine.models import Base, Department, WorkItemState
from engine.store.db import Database
from engine.store.schema import upgrade

PASSWORD = "bench-password"
# With the six standard departments, twenty lanes.
MORE_DEPARTMENTS = (
    "cards",
    "loans",
    "deposits",
    "wealth",
    "payments",
    "mortgage",
    "fraud",
    "privacy",
    "legal",
)
MORE_DEPARTMENTS += ("online", "branch_east", "branch_west", "branch_north", "branch_south")
DUE_FIELDS = {"due_at", "ladder_next_at", "regulatory_due_at", "regulatory_next_alert_at"}
AGENT_LANES = ["frontline", "cards"]  # the measured agent: the busiest lane and one more


def prepare(database: Database, rng: random.Random) -> dict[str, list[int]]:
    """Schema, departments, processes, users and the template cases; returns agent ids by lane."""
    upgrade(database.engine)
    clock = system_clock
    with database.session() as session:
        accounts.ensure_departments(session)
        session.add_all(
            Department(code=code, name=code.replace("_", " ").title()) for code in MORE_DEPARTMENTS
        )
        session.commit()
        deployment.deploy(
            session, deployment.read_paths([str(ROOT / "processes")]), actor="bench", clock=clock
        )
        lanes = list(session.scalars(select(Department.code).order_by(Department.code)))
        staff: dict[str, list[int]] = {lane: [] for lane in lanes}
        made = [("bench.agent", "agent", AGENT_LANES, PASSWORD)]
        made += [("bench.supervisor", "supervisor", ["supervisor"], PASSWORD)]
        made += [("supervisor.2", "supervisor", ["supervisor"], None)]
        for lane in (lane for lane in lanes if lane != "supervisor"):
            for n in range(4):
                extra = [rng.choice([x for x in lanes if x not in (lane, "supervisor")])] if n < 2 else []
                made.append((f"agent.{lane}.{n}", "agent", [lane, *extra], None))
        for username, role, departments, password in made:
            user = accounts.create_user(
                session, clock, username=username, role=role, departments=departments, password=password
            )
            for lane in departments:
                staff[lane].append(user.id)
        for description, category, amount, business, channel, _, segment in DEMO_COMPLAINTS:
            complaint = {"channel": channel, "business_type": business, "category": category}
            complaint |= {"description": description} | ({"amount": amount} if amount else {})
            person = {"id": f"T{uuid.uuid4().hex[:10]}", "name": "模板 客户", "phone": "13800000000"}
            engine = CaseEngine(session, clock)
            file_complaint(
                engine, {"complaint": complaint, "customer": {**person, "segment": segment}}, actor="bench"
            )
    return staff


def fill(database: Database, total: int, staff: dict[str, list[int]], rng: random.Random, batch: int = 2000):
    """Copy the template cases until ``total`` open cases are stored (see the module's docstring)."""
    tables = Base.metadata.tables
    cases, items, timers, customers = (tables[n] for n in ("cases", "work_items", "timers", "customers"))
    lanes = sorted(staff)
    with database.engine.connect() as conn:
        templates = [dict(r._mapping) for r in conn.execute(select(cases).order_by(cases.c.id))]
        by_case = {t["id"]: ([], []) for t in templates}
        for index, table in enumerate((items, timers)):
            for row in conn.execute(select(table).order_by(table.c.id)):
                by_case[row.case_id][index].append({k: v for k, v in row._mapping.items() if k != "id"})
        people = {r.id: dict(r._mapping) for r in conn.execute(select(customers))}
        next_case = conn.scalar(select(func.max(cases.c.id))) + 1
        next_customer = conn.scalar(select(func.max(customers.c.id))) + 1
    now = datetime.now(UTC)
    stored = len(templates)
    with tqdm(total=total, initial=stored, desc="fill", unit="case", leave=False) as bar:
        while stored < total:
            rows = {"customers": [], "cases": [], "work_items": [], "timers": []}
            for _ in range(min(batch, total - stored)):
                template = templates[next_case % len(templates)]
                work, waits = by_case[template["id"]]
                first_due = min((w["due_at"] for w in work if w["due_at"]), default=template["created_at"])
                delta = now + timedelta(hours=rng.uniform(-24, 96)) - first_due

                def moved(row, delta=delta):
                    return {
                        k: (v + delta if k in DUE_FIELDS else min(v + delta, now))
                        if isinstance(v, datetime)
                        else v
                        for k, v in row.items()
                    }

                person = people[template["customer_id"]]
                rows["customers"].append(
                    {
                        **person,
                        "id": next_customer,
                        "external_id": f"B{next_customer:09d}",
                        "phone": f"139{next_customer:08d}",
                    }
                )
                case = moved(template) | {"id": next_case, "customer_id": next_customer, "owner_id": None}
                case |= {
                    "reference": f"C{case['created_at']:%Y%m%d}{next_case:07d}",
                    "tracking_code": secrets.token_urlsafe(24),
                }
                for item in work:
                    copy = moved(item) | {"case_id": next_case, "task_id": str(uuid.uuid4())}
                    if rng.random() < 0.5:
                        copy["lane"] = rng.choice(lanes)
                    if rng.random() < 0.25:
                        assignee = rng.choice(staff[copy["lane"]])
                        copy |= {
                            "state": WorkItemState.CLAIMED,
                            "assignee_id": assignee,
                            "claimed_at": copy["created_at"],
                        }
                        if copy["assign_to"] == "owner":
                            case["owner_id"] = assignee
                    rows["work_items"].append(copy)
                rows["timers"] += [
                    moved(t) | {"case_id": next_case, "task_id": str(uuid.uuid4())} for t in waits
                ]
                rows["cases"].append(case)
                next_case, next_customer, stored = next_case + 1, next_customer + 1, stored + 1
            with database.engine.begin() as conn:
                for name, values in rows.items():
                    if values:
                        conn.execute(tables[name].insert(), values)
            bar.update(len(rows["cases"]))
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in ("cases", "customers"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                    )
                )
            # Autovacuum would analyse tables this size within a minute; SQLite is left as the product leaves it.
            conn.execute(text("VACUUM ANALYZE"))
