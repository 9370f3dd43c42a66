"""What the benchmarks share: fresh databases, cases run through the engine, and filling a database fast."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from tqdm import tqdm

from engine import accounts, audit, definitions
from engine.clock import FrozenClock
from engine.db import Database, make_engine
from engine.migrations import upgrade
from engine.models import Base, User, WorkItem, WorkItemState
from engine.runtime import CaseEngine

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "engine"
FIVE_TASKS = DATA / "five_tasks.bpmn"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "bench_engine"
START_DATA = {"category": "fees", "amount": 900}

# The stored cases a filled database holds, by weight out of ten: mostly closed, some waiting at a task, and a
# process with a one-hour SLA timer so that the timers table fills too (five_tasks has no timer).
TEMPLATES = (
    ("five_tasks", [{}] * 5, 6),
    ("five_tasks", [{}] * 1, 1),
    ("five_tasks", [{}] * 3, 1),
    ("review", [], 1),
    ("review", [{"risky": False, "note": "refund agreed"}], 1),
)


@dataclass
class Bench:
    """A migrated database with the test processes deployed and an agent of the frontline lane to work them."""

    label: str
    db: Database
    clock: FrozenClock
    user_id: int


def sqlite_database(directory: Path, name: str) -> Database:
    database = Database.connect(f"sqlite:///{directory / name}.db")
    upgrade(database.engine)
    return database


def ensure_database(url: str, name: str) -> None:
    """Create database ``name`` on the server of ``url`` if it does not exist (through an autocommit connection)."""
    admin = make_engine(
        url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 5}
    )
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def postgres_database(url: str, schema: str) -> Database:
    """A freshly migrated ``schema`` in the bench's own database (created if missing) on the server of ``url``.

    Only the bench's database is touched: ``url`` (usually the ``test`` database) is used to create it.
    """
    ensure_database(url, BENCH_DATABASE)
    drop_postgres_schema(url, schema)
    with make_engine(_own_url(url), poolclass=NullPool).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = Database.connect(_own_url(url), connect_args={"options": f"-csearch_path={schema}"})
    upgrade(database.engine)
    return database


def drop_postgres_schema(url: str, schema: str) -> None:
    """Drop ``schema`` from the bench's own database, giving its disk space back."""
    with make_engine(_own_url(url), poolclass=NullPool).begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def _own_url(url: str) -> str:
    return make_url(url).set(database=BENCH_DATABASE).render_as_string(hide_password=False)


def prepare(label: str, database: Database) -> Bench:
    clock = FrozenClock()
    with database.session() as session:
        accounts.ensure_departments(session)
        session.commit()
        for names in (["five_tasks.bpmn"], ["review.bpmn", "review.schema.json"]):
            files = [(name, (DATA / name).read_bytes()) for name in names]
            definitions.deploy(session, files, actor="bench", clock=clock)
        user = accounts.create_user(session, clock, username="agent", role="agent", departments=["frontline"])
    return Bench(label, database, clock, user.id)


def run_case(bench: Bench, process: str = "five_tasks", completions=({},) * 5) -> tuple[int, list[float]]:
    """Start a case and complete its next task once per entry of ``completions``; return its id and step times.

    Only the engine calls are timed. Loading the user and finding the next work item (what the inbox page of
    an earlier request would do) happen outside, and their read transactions end before the step begins.
    """
    times: list[float] = []
    with bench.db.session() as session:
        user = session.get(User, bench.user_id)
        session.commit()
        engine = CaseEngine(session, bench.clock)
        began = perf_counter()
        case_id = engine.start_case(process, dict(START_DATA), actor="channel").id
        times.append(perf_counter() - began)
        for data in completions:
            item_id = session.scalars(
                select(WorkItem.id)
                .where(WorkItem.case_id == case_id, WorkItem.state.in_(WorkItemState.open_states()))
                .order_by(WorkItem.id)
            ).first()
            session.commit()
            bench.clock.advance(seconds=30)
            began = perf_counter()
            engine.complete(item_id, user, data)
            times.append(perf_counter() - began)
    return case_id, times


# ---------------------------------------------------------------------------------------------- filling


def fill(bench: Bench, total: int, batch: int = 2000) -> None:
    """Bring the stored cases up to ``total``: a few real cases through the engine, then bulk copies of them.

    Each copy gets its own case row (same serialized state, new id and reference), the template's work items
    and timers (new ids, fresh unique task ids) and its audit events, appended to the hash chain with real
    hashes so that the log stays verifiable. Payloads keep the template's work-item ids.
    """
    template_ids = [run_case(bench, process, completions)[0] for process, completions, _ in TEMPLATES]
    cycle = [template_ids[i] for i, (*_, weight) in enumerate(TEMPLATES) for _ in range(weight)]
    tables = Base.metadata.tables
    cases, items, timers, events = (tables[n] for n in ("cases", "work_items", "timers", "audit_events"))
    engine = bench.db.engine
    with engine.connect() as conn:
        case_rows = {
            r.id: dict(r._mapping) for r in conn.execute(select(cases).where(cases.c.id.in_(template_ids)))
        }
        item_rows = _by_case(conn, items, template_ids)
        timer_rows = _by_case(conn, timers, template_ids)
        event_rows = _by_case(conn, events, template_ids, order=events.c.seq)
        stored = conn.scalar(select(func.count()).select_from(cases))
        next_id = conn.scalar(select(func.max(cases.c.id))) + 1
        head = conn.execute(select(events.c.seq, events.c.hash).order_by(events.c.seq.desc()).limit(1)).one()
    seq, prev = head.seq, head.hash
    with tqdm(total=total, initial=stored, desc=f"fill {bench.label}", unit="case", leave=False) as bar:
        while stored < total:
            new_cases, new_items, new_timers, new_events = [], [], [], []
            for case_id in range(next_id, next_id + min(batch, total - stored)):
                template = case_rows[cycle[case_id % len(cycle)]]
                reference = template["reference"][:9] + f"{case_id:07d}"
                new_cases.append({**template, "id": case_id, "reference": reference})
                for rows, target in ((item_rows, new_items), (timer_rows, new_timers)):
                    target.extend(
                        {**row, "case_id": case_id, "task_id": str(uuid.uuid4())}
                        for row in rows[template["id"]]
                    )
                for event in event_rows[template["id"]]:
                    payload = event["payload"]
                    if "reference" in payload:
                        payload = {**payload, "reference": reference}
                    seq += 1
                    digest = audit.event_hash(
                        prev, seq, event["occurred_at"], event["actor"], event["kind"], case_id, payload
                    )
                    new_events.append(
                        {
                            **event,
                            "seq": seq,
                            "case_id": case_id,
                            "payload": payload,
                            "prev_hash": prev,
                            "hash": digest,
                        }
                    )
                    prev = digest
            with engine.begin() as conn:
                for table, rows in (
                    (cases, new_cases),
                    (items, new_items),
                    (timers, new_timers),
                    (events, new_events),
                ):
                    if rows:
                        conn.execute(table.insert(), rows)
            next_id += len(new_cases)
            stored += len(new_cases)
            bar.update(len(new_cases))
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
            )
            conn.commit()
        # Autovacuum would have analysed tables this size in production; do it now rather than by chance.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def _by_case(conn, table, case_ids, order=None) -> dict[int, list[dict]]:
    """Rows of ``table`` for ``case_ids`` by case, without their own id (the copies get new ones)."""
    query = (
        select(table)
        .where(table.c.case_id.in_(case_ids))
        .order_by(order if order is not None else table.c.id)
    )
    rows: dict[int, list[dict]] = defaultdict(list)
    for row in conn.execute(query):
        values = dict(row._mapping)
        values.pop("id", None)
        rows[values["case_id"]].append(values)
    return rows
