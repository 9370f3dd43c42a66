"""What the benchmarks share: fresh databases, cases run through the engine, and filling a database fast."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter, sleep
from urllib.parse import urlsplit

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from tqdm import tqdm

from engine import accounts, audit
from engine.cases.engine import CaseEngine
from engine.clock import FrozenClock
from engine.deploy import deployment
from engine.models import Base, User, WorkItem, WorkItemState
from engine.store.db import Database, make_engine
from engine.store.schema import upgrade

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
            deployment.deploy(session, files, actor="bench", clock=clock)
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


# ---------------------------------------------------------------------------------------------- over HTTP
# What the HTTP benches (``bench.inbox``, ``bench.intake_http``) share: their own PostgreSQL database, the app
# served by gunicorn on a loopback port, a keep-alive client, percentiles.

ROOT = Path(__file__).resolve().parent.parent


def own_postgres(url: str, name: str) -> str:
    """Create (or empty) database ``name`` on the server of ``url`` and return its URL; only ``name`` is touched."""
    ensure_database(url, name)
    own = make_url(url).set(database=name).render_as_string(hide_password=False)
    with make_engine(own, poolclass=NullPool).begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return own


def load_average() -> str:
    return f"load average {os.getloadavg()[0]:.2f}"


def revision() -> str:
    """The commit measured, flagged when tracked files differ from it (others may be editing the checkout);
    ``BENCH_COMMIT`` when run from an exported tree (``git archive HEAD``)."""
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    if git.returncode != 0:
        return os.environ.get("BENCH_COMMIT", "unknown") + " (exported tree)"
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=ROOT
    ).stdout.split("\n")
    changed = [line[3:] for line in changed if line.strip()]
    return git.stdout.strip() + (f" with uncommitted changes in {', '.join(changed)}" if changed else "")


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class Http:
    """One keep-alive connection to the server, with the cookies it sets (what a browser tab or a channel
    system's client holds). Idempotent requests are retried once when the server had closed the connection."""

    def __init__(self, base: str, headers: dict[str, str] | None = None):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.headers = headers or {}
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str, **headers) -> Response:
        return self.request("GET", path, None, headers)

    def post(self, path: str, body: bytes, content_type: str, **headers) -> Response:
        return self.request("POST", path, body, {"Content-Type": content_type, **headers})

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Response:
        headers = {**self.headers, **headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body, headers)
                raw = self.conn.getresponse()
                data = raw.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if method != "GET" or attempt == 2:
                    raise
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if raw.getheader("Connection", "").lower() == "close":
            self.close()
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, *, workers: int, threads: int, env: dict[str, str] | None = None):
    """Serve ``app:create_app()`` with gunicorn on a loopback port (gthread workers when ``threads`` > 1);
    yield its base URL once it answers. The scheduler stays off: only requests run in the server."""
    port = free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "SCHEDULER_ENABLED": "0",
        **(env or {}),
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(base, server, log)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_serving(base: str, server: subprocess.Popen, log, seconds: float = 60) -> None:
    deadline = perf_counter() + seconds
    while perf_counter() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError("gunicorn exited:\n" + log.read().decode(errors="replace")[-3000:])
        try:
            client = Http(base)
            if client.get("/api/v1/openapi.json").status == 200:
                client.close()
                return
        except OSError:
            pass
        sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer at {base} within {seconds:.0f} s")
