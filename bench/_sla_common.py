"""What ``bench.sla_timers`` needs besides ``bench._common``: its own PostgreSQL database, fast copies of a real
waiting case with a chosen due time, sweeper and load processes, and a per-phase profile of one timer firing.

Run as a script it is one of the bench's child processes (each is a separate operating-system process with its
own connection pool, as on separate app nodes):

    python -m bench._sla_common sweep URL NOW [BATCH]  # sweep with a clock frozen at NOW until nothing is due
    python -m bench._sla_common load URL RATE SECONDS  # start RATE cases/s of ``quick_sla`` on the system clock

A sweeper prints ``ready``, waits for a line on stdin (so that several start together), then prints its result as
JSON. The load process prints its result as JSON.
"""

from __future__ import annotations

import collections
import json
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

from sqlalchemy import Select, event, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from bench._common import DATA, START_DATA, ensure_database
from engine import accounts, audit
from engine.cases.engine import CaseEngine
from engine.clock import FrozenClock, system_clock
from engine.deploy import deployment
from engine.models import Base, Timer, TimerStatus
from engine.runtime import projection
from engine.runtime.step import Step
from engine.store import writes
from engine.store.db import Database, begin_write, make_engine
from engine.store.schema import upgrade
from engine.store.serialization import SERIALIZER
from engine.timers import sla
from engine.timers.sla import BATCH, sweep

BENCH_DATABASE = "bench_sla"
TZ = ZoneInfo("Asia/Shanghai")  # the engine's default TIMEZONE, for case references

# A process whose only wait is a user task with a non-interrupting two-second SLA timer that escalates: the
# steady-state load of the scheduler phase.
QUICK_SLA_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="quick_sla_defs"
    targetNamespace="http://example.org/complaints">
  <bpmn:process id="quick_sla" name="Two-second SLA" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_frontline" name="frontline">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>work</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>sla</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_supervisor" name="supervisor">
        <bpmn:flowNodeRef>chase</bpmn:flowNodeRef><bpmn:flowNodeRef>chase_end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work" name="Answer quickly">
      <bpmn:incoming>f0</bpmn:incoming><bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="sla" name="Two seconds passed" attachedToRef="work" cancelActivity="false">
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT2S"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="chase" name="Chase it">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="chase_end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end"/>
    <bpmn:sequenceFlow id="f2" sourceRef="sla" targetRef="chase"/>
    <bpmn:sequenceFlow id="f3" sourceRef="chase" targetRef="chase_end"/>
  </bpmn:process>
</bpmn:definitions>
"""

# ------------------------------------------------------------------------------------------- databases


def reset_postgres(url: str, *schemas: str) -> str:
    """Create (or empty) the bench's own database ``bench_sla`` on the server of ``url``; return its URL.

    ``url`` (usually the ``test`` database) is only used, through an autocommit connection, to create it.
    Its public schema is emptied and ``schemas`` are dropped.
    """
    ensure_database(url, BENCH_DATABASE)
    own = make_url(url).set(database=BENCH_DATABASE).render_as_string(hide_password=False)
    drop_schemas(own, *schemas)
    return own


def drop_schemas(own_url: str, *extra: str) -> None:
    """Empty ``bench_sla`` (its public schema, and drop ``extra`` schemas), giving the disk space back."""
    with make_engine(own_url, poolclass=NullPool).begin() as conn:
        for schema in extra:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def migrated(url: str, schema: str | None = None) -> Database:
    """A migrated database at ``url`` (on PostgreSQL, in ``schema`` of it, created afresh, when given)."""
    if schema is None:
        database = Database.connect(url)
    else:
        with make_engine(url, poolclass=NullPool).begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        database = Database.connect(url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(database.engine)
    with database.session() as session:
        accounts.ensure_departments(session)
        session.commit()
    return database


def deploy_processes(database: Database, clock, quick_dir: Path | None = None) -> None:
    """review.bpmn (a one-hour SLA timer) and, given a folder to write it to, quick_sla.bpmn (two seconds)."""
    bundles = [[(n, (DATA / n).read_bytes()) for n in ("review.bpmn", "review.schema.json")]]
    if quick_dir is not None:
        path = quick_dir / "quick_sla.bpmn"
        path.write_text(QUICK_SLA_BPMN, encoding="utf-8")
        bundles.append([(path.name, path.read_bytes())])
    with database.session() as session:
        for files in bundles:
            deployment.deploy(session, files, actor="bench", clock=clock)


# ------------------------------------------------------------------------------------- copying a case

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Template:
    """A review case started by the engine and waiting on its one-hour timer, ready to be copied.

    Its serialized state is split once into literal text and the places that differ per copy: every task id
    (each copy gets fresh ones, so its timer row, work item and state agree), the timer's due time as
    SpiffWorkflow stored it, and the case id and reference in the start data.
    """

    case: dict
    item: dict
    timer: dict
    events: list[dict]
    parts: list[str]  # literal text at even indexes, a placeholder key at odd ones
    uuids: list[str]
    due_key: str
    case_key: str

    @classmethod
    def make(cls, database: Database, started_at: datetime) -> Template:
        with database.session() as session:
            case_id = (
                CaseEngine(session, FrozenClock(started_at))
                .start_case("review", dict(START_DATA), actor="channel")
                .id
            )
        tables = Base.metadata.tables
        with database.engine.connect() as conn:

            def rows(name: str, order) -> list[dict]:
                table = tables[name]
                query = select(table).where(table.c.case_id == case_id).order_by(order(table))
                return [dict(r._mapping) for r in conn.execute(query)]

            case = dict(
                conn.execute(select(tables["cases"]).where(tables["cases"].c.id == case_id)).one()._mapping
            )
            [item] = rows("work_items", lambda t: t.c.id)
            [timer] = rows("timers", lambda t: t.c.id)
            events = rows("audit_events", lambda t: t.c.seq)
        state = case.pop("state")
        due_text = timer["due_at"].isoformat()
        case_json = json.dumps({"case": {"id": case_id, "reference": case["reference"]}})[1:-1]
        for needle in (due_text, case_json):
            if state.count(needle) != 1:
                raise RuntimeError(f"cannot template the review case: {needle!r} is not in its state once")
        uuids = sorted(set(_UUID.findall(state)))
        keys = [due_text, case_json, *uuids]
        pattern = re.compile("(" + "|".join(re.escape(k) for k in keys) + ")")
        parts = pattern.split(state)
        return cls(case, item, timer, events, parts, uuids, due_text, case_json)

    def state(self, due: datetime, case_id: int, reference: str, ids: dict[str, str]) -> str:
        values = {
            self.due_key: due.isoformat(),
            self.case_key: json.dumps({"case": {"id": case_id, "reference": reference}})[1:-1],
            **ids,
        }
        parts = self.parts
        return "".join(part if i % 2 == 0 else values[part] for i, part in enumerate(parts))


@dataclass
class Copier:
    """Appends copies of the template with chosen due times: case, work item, timer and audit rows.

    The audit events continue the hash chain with real hashes, so the log stays verifiable.
    """

    database: Database
    template: Template
    next_id: int = 0
    seq: int = 0
    prev: str = ""
    copied: int = 0

    def _continue(self) -> None:
        """Start after the newest case and audit event (the engine may have written some since)."""
        tables = Base.metadata.tables
        with self.database.engine.connect() as conn:
            self.next_id = conn.scalar(select(func.max(tables["cases"].c.id))) + 1
            events = tables["audit_events"]
            head = conn.execute(
                select(events.c.seq, events.c.hash).order_by(events.c.seq.desc()).limit(1)
            ).one()
        self.seq, self.prev = head.seq, head.hash

    def add(self, dues: list[datetime], batch: int = 2000, bar=None) -> None:
        """One copy per due time; every time of the copy (created, due, ladder, regulatory clock, audit) is the
        template's moved by the same amount as its due time."""
        self._continue()
        tables = Base.metadata.tables
        t = self.template
        for start in range(0, len(dues), batch):
            cases, items, timers, events = [], [], [], []
            for due in dues[start : start + batch]:
                case_id, delta = self.next_id, due - t.timer["due_at"]
                self.next_id += 1
                created = t.case["created_at"] + delta
                reference = f"C{created.astimezone(TZ):%Y%m%d}{case_id:07d}"
                ids = {old: str(uuid.uuid4()) for old in t.uuids}
                state = t.state(due, case_id, reference, ids)
                cases.append({**_moved(t.case, delta), "id": case_id, "reference": reference, "state": state})
                for row, target in ((t.item, items), (t.timer, timers)):
                    target.append({**_moved(row, delta), "case_id": case_id, "task_id": ids[row["task_id"]]})
                for template_event in t.events:
                    payload = dict(template_event["payload"])
                    if "reference" in payload:
                        payload["reference"] = reference
                    if payload.get("due_at"):
                        payload["due_at"] = (datetime.fromisoformat(payload["due_at"]) + delta).isoformat()
                    self.seq += 1
                    occurred_at, kind, actor = (template_event[k] for k in ("occurred_at", "kind", "actor"))
                    occurred_at += delta
                    digest = audit.event_hash(self.prev, self.seq, occurred_at, actor, kind, case_id, payload)
                    events.append(
                        {
                            **template_event,
                            "seq": self.seq,
                            "occurred_at": occurred_at,
                            "case_id": case_id,
                            "payload": payload,
                            "prev_hash": self.prev,
                            "hash": digest,
                        }
                    )
                    self.prev = digest
            with self.database.engine.begin() as conn:
                for name, rows in (
                    ("cases", cases),
                    ("work_items", items),
                    ("timers", timers),
                    ("audit_events", events),
                ):
                    conn.execute(tables[name].insert(), rows)
            self.copied += len(cases)
            if bar is not None:
                bar.update(len(cases))
        if self.database.engine.dialect.name == "postgresql":
            with self.database.engine.begin() as conn:
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
                )


def _moved(row: dict, delta: timedelta) -> dict:
    """``row`` without its id, every date-time in it moved by ``delta``."""
    return {k: v + delta if isinstance(v, datetime) else v for k, v in row.items() if k != "id"}


def analyze(database: Database) -> None:
    """On PostgreSQL, refresh the planner's statistics (autovacuum would, on tables this size, within a minute).

    Not on SQLite: the product never runs ANALYZE there, so the bench measures the plans SQLite really uses.
    """
    if database.engine.dialect.name != "postgresql":
        return
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def count_timers(database: Database, *where) -> int:
    with database.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Timer).where(*where))


def claim_queries(now: datetime) -> dict[str, Select]:
    """The first claim of each sweep of an SLA tick, exactly as the engine builds it: each sweep is called with
    its drain loop (``drain_batches`` for timers, ``drain`` for the others) replaced by a stand-in that keeps the
    sweep's ``due(now)`` query, with the LIMIT of its first claim, and acts on nothing."""
    from engine.cases import regulatory
    from engine.timers import ladder, sla

    captured: dict[str, Select] = {}
    sweeps = {
        "timers": (sla, "drain_batches", lambda: sla.sweep(None, lambda: now)),
        "ladder": (ladder, "drain", lambda: ladder.sweep(None, lambda: now, {})),
        "regulatory": (regulatory, "drain", lambda: regulatory.sweep(None, lambda: now, {})),
    }
    for name, (module, loop, run) in sweeps.items():
        original = getattr(module, loop)

        def keep(sessions, clock, due, act, *, limit, size=1, _name=name):
            captured[_name] = due(clock()).limit(min(size, limit))
            return 0

        setattr(module, loop, keep)
        try:
            run()
        finally:
            setattr(module, loop, original)
    return captured


def query_plan(database: Database, query: Select, analyze_it: bool = True) -> list[str]:
    """``query``'s plan (with its LIMIT; FOR UPDATE SKIP LOCKED on PostgreSQL, as the drain loops run it); on
    PostgreSQL with EXPLAIN ANALYZE inside a transaction that is rolled back."""
    engine = database.engine
    if engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
        prefix = (
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " if analyze_it else "EXPLAIN (COSTS OFF) "
        )
    else:
        prefix = "EXPLAIN QUERY PLAN "
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + str(compiled)).all()
        conn.rollback()  # EXPLAIN ANALYZE of FOR UPDATE took row locks; release them
    return [row[-1] for row in rows]


def query_time(database: Database, query: Select, n: int = 5) -> float:
    """Seconds to run ``query`` (with its LIMIT) on a warm connection, the best of ``n``."""
    best = float("inf")
    with database.engine.connect() as conn:
        for _ in range(n):
            began = perf_counter()
            conn.execute(query).all()
            best = min(best, perf_counter() - began)
        conn.rollback()
    return best


def claim_cost(database: Database, now: datetime, tried: int = 0, n: int = 200, batch: int = BATCH) -> float:
    """Seconds per claim as ``engine.sla.sweep`` makes it (new session, write transaction, SELECT the first
    ``batch`` due rows, on PostgreSQL FOR UPDATE SKIP LOCKED, excluding ``tried`` ids already tried), rolled
    back, no firing."""
    excluded = list(range(-tried, 0))  # ids that exist nowhere: only the statement's size changes
    began = perf_counter()
    for _ in range(n):
        with database.session() as session:
            begin_write(session)
            query = (
                select(Timer.id, Timer.case_id)
                .where(Timer.status == TimerStatus.WAITING, Timer.due_at < now)
                .order_by(Timer.due_at, Timer.id)
                .limit(batch)
            )
            if excluded:
                query = query.where(Timer.id.not_in(excluded))
            if database.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            if session.execute(query).first() is None:
                raise RuntimeError("nothing due to claim")
    return (perf_counter() - began) / n


def retire(database: Database, before: datetime) -> None:
    """Take the bench's scratch timers due before ``before`` out of the way (status cancelled), without firing."""
    with database.engine.begin() as conn:
        conn.execute(
            update(Timer)
            .where(Timer.status == TimerStatus.WAITING, Timer.due_at < before)
            .values(status=TimerStatus.CANCELLED)
        )


# --------------------------------------------------------------------------------- child processes


class Child:
    """A child process of this module; a sweeper waits for ``go`` after printing ``ready``."""

    ROOT = Path(__file__).resolve().parent.parent

    def __init__(self, *args: str):
        import os
        import subprocess

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench._sla_common", *args],
            cwd=self.ROOT,
            env={**os.environ, "PYTHONPATH": str(self.ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_ready(self) -> None:
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.proc.kill()
            raise RuntimeError(f"child did not start: {line!r}\n{self.proc.communicate()[1]}")

    def go(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def result(self, timeout: float | None = None) -> dict:
        out, err = self.proc.communicate(timeout=timeout)
        if self.proc.returncode != 0:
            raise RuntimeError(f"child failed (exit {self.proc.returncode}):\n{err}")
        return json.loads(out.strip().splitlines()[-1])

    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.running():
            self.proc.kill()
        self.proc.communicate()


def _sweeper(url: str, now: str, batch: str = str(BATCH)) -> None:
    database = Database.connect(url)
    clock = FrozenClock(datetime.fromisoformat(now))
    with database.engine.connect():
        pass
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.time()
    fired = skipped = calls = 0
    while True:  # the scheduler's ticks, back to back, as when each sweep takes longer than the interval
        result = sweep(database.session, clock, batch=int(batch))
        fired, skipped, calls = fired + result.fired, skipped + result.skipped, calls + 1
        if result.fired + result.skipped == 0:
            break
    finished = time.time()
    database.engine.dispose()
    print(
        json.dumps({"fired": fired, "skipped": skipped, "calls": calls, "began": began, "finished": finished})
    )


def _load(url: str, rate: str, seconds: str) -> None:
    """Start ``rate`` quick_sla cases per second for ``seconds`` on the system clock, evenly paced."""
    database = Database.connect(url)
    total = int(float(rate) * float(seconds))
    interval = 1 / float(rate)
    late = 0
    with database.session() as session:
        engine = CaseEngine(session, system_clock)
        began = time.monotonic()
        for i in range(total):
            delay = began + i * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                late += 1
            engine.start_case("quick_sla", {}, actor="channel")
        elapsed = time.monotonic() - began
    database.engine.dispose()
    print(json.dumps({"started": total, "seconds": elapsed, "late": late}))


# ------------------------------------------------------------------------------------------ profiling

PHASES = (
    # (label, owner, attribute) in the order a firing runs them
    ("CaseEngine() (adapters)", CaseEngine, "__init__"),
    ("read the batch's case rows (per case)", sla, "_read_cases"),
    ("deserialize the state", SERIALIZER, "load_state"),
    ("snapshot before", projection.Snapshot, "of"),
    ("refresh_timers + do_engine_steps", Step, "advance"),
    ("projection.sync (UPDATE timer)", projection, "sync"),
    ("insert work item", projection, "insert_rows"),
    ("serialize the state", SERIALIZER, "dump_state"),
    ("UPDATE case (revision check)", writes, "update_case"),
    ("SAVEPOINT (RELEASE not timed)", Session, "begin_nested"),
    ("audit append (lock, head, INSERT)", audit, "append"),
    ("COMMIT", Session, "commit"),
)


@dataclass
class Profile:
    fired: int = 0
    wall: float = 0.0
    phases: dict[str, float] = field(default_factory=lambda: collections.defaultdict(float))
    statements: collections.Counter = field(default_factory=collections.Counter)
    # per firing: from the previous firing's end (a batch's claim, its audit append and COMMIT, SAVEPOINTs)
    claims: list[float] = field(default_factory=list)
    fires: list[float] = field(default_factory=list)  # per firing: fire_timer's own time
    last: float = 0.0


@contextmanager
def profiled(database: Database) -> Iterator[Profile]:
    """Time each phase of ``CaseEngine.fire_timer``, and the claim before each firing, by wrapping (not
    editing) the engine's functions while the block runs. A wrapper costs about a microsecond."""
    profile = Profile()
    restore = []

    def timed(inner, label):
        def wrapper(*args, **kwargs):
            began = perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                profile.phases[label] += perf_counter() - began

        return wrapper

    for label, owner, name in PHASES:
        on_instance = owner is SERIALIZER
        raw = getattr(owner, name) if on_instance else vars(owner)[name]
        if isinstance(raw, classmethod):
            setattr(owner, name, classmethod(timed(raw.__func__, label)))
        else:
            setattr(owner, name, timed(raw, label))
        restore.append((owner, name, None if on_instance else raw))

    fire = vars(CaseEngine)["fire_timer"]

    def fire_timer(self, case_id, **kwargs):
        began = perf_counter()
        profile.claims.append(began - profile.last)
        try:
            return fire(self, case_id, **kwargs)
        finally:
            profile.last = perf_counter()
            profile.fires.append(profile.last - began)

    CaseEngine.fire_timer = fire_timer
    restore.append((CaseEngine, "fire_timer", fire))

    def count(conn, cursor, statement, params, context, executemany):
        profile.statements[statement.split(None, 1)[0].upper()] += 1

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield profile
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
        for owner, name, raw in reversed(restore):
            if raw is None:
                delattr(owner, name)  # the instance attribute that shadowed the method
            else:
                setattr(owner, name, raw)


def profile_sweep(database: Database, now: datetime, batch: int = BATCH) -> Profile:
    """One sweep call (as the scheduler makes it: limit 1000) over what is due at ``now``, profiled."""
    with profiled(database) as profile:
        profile.last = began = perf_counter()
        result = sweep(database.session, FrozenClock(now), batch=batch)
        profile.wall = perf_counter() - began
        profile.fired = result.fired
    return profile


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"sweep": _sweeper, "load": _load}[command](*arguments)
