"""Inbox latency at 100,000 open cases in 20 departments: the API inbox and the inbox page, through gunicorn.

For each backend (SQLite file; PostgreSQL in the bench's own database ``bench_inbox``) the bench migrates a fresh
database, adds 14 departments to the 6 standard ones, deploys processes/, creates agents (one or two departments
each) and supervisors, files the demo complaints through intake (real cases: the templates), and bulk-copies
them to 100,000 open cases: each copy has its own case row (the template's serialized state), customer, work
items and timers. Copies' due times are spread from a day overdue to four days ahead; half of the work items
keep their diagram's lane and half go to any of the 20 lanes; a quarter are claimed by an agent of their lane.
Audit events are not copied (nothing here reads them).

Then gunicorn serves the app on a loopback port and one client, on one keep-alive connection, asks each
scenario in turn (interleaved, so that noise from the shared machine falls on all alike); p50/p95 are of the
wall time the client sees. The query plans of the API's inbox statements are printed for each backend.

    python -m bench.inbox [--cases 100000] [--skip-pg] [--skip-sqlite] [--rounds 10] [--per-round 30]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import sqlite3
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from urllib.parse import urlencode

from sqlalchemy import event, func, select, text
from tqdm import tqdm

from bench._common import (
    DEFAULT_PG_URL,
    ROOT,
    Http,
    gunicorn,
    load_average,
    own_postgres,
    percentile,
    revision,
)
from engine import accounts, definitions
from engine.clock import system_clock
from engine.db import Database
from engine.demo import DEMO_COMPLAINTS
from engine.intake import file_complaint
from engine.migrations import upgrade
from engine.models import Base, Department, User, WorkItemState
from engine.runtime import CaseEngine
from web.api import queries

PG_DATABASE = "bench_inbox"
PASSWORD = "bench-password"
# With the six standard departments, twenty lanes.
MORE_DEPARTMENTS = [
    "cards",
    "loans",
    "deposits",
    "wealth",
    "payments",
    "mortgage",
    "fraud",
    "privacy",
    "legal",
    "online",
    "branch_east",
    "branch_west",
    "branch_north",
    "branch_south",
]
DUE_FIELDS = {"due_at", "ladder_next_at", "regulatory_due_at", "regulatory_next_alert_at"}
PAGE = "/agent/"  # the inbox page
NEXT_LINK = r'href="([^"]*after=[^"]*)"'
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
        definitions.deploy(
            session, definitions.read_paths([str(ROOT / "processes")]), actor="bench", clock=clock
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


# ------------------------------------------------------------------------------------------- measuring


def plans(database: Database) -> None:
    """The plan of each API inbox statement for the measured agent and supervisor, and its time in-process."""
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    with database.session() as session:
        for username, overdue in (("bench.agent", False), ("bench.agent", True), ("bench.supervisor", False)):
            user = session.scalar(User.by_username(username))
            sees_all = user.role in queries.READ_ALL
            flt = queries.TaskFilter(
                states=WorkItemState.open_states(),
                lanes=None if sees_all else queries.workable_lanes(user),
                assignee_id=None if sees_all else user.id,
                due_before=datetime.now(UTC) if overdue else None,
            )
            times = []
            for _ in range(21):
                began = perf_counter()
                queries.inbox_page(session, flt, None, 51)
                times.append(perf_counter() - began)
            event.listen(database.engine, "before_cursor_execute", capture)
            captured.clear()
            queries.inbox_page(session, flt, None, 51)
            event.remove(database.engine, "before_cursor_execute", capture)
            label = f"{username}{', overdue' if overdue else ''}"
            print(f"  query plan, {label}: inbox_page in-process p50 {percentile(times, 50) * 1000:.2f} ms")
            page = next(c for c in captured if "UNION" in c[0])
            for line in explain(session, *page):
                print(f"      {line}")
        session.rollback()


def explain(session, statement: str, parameters) -> list[str]:
    """The page statement's plan, its repeated lines counted (one slice per lane and state)."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.connection().exec_driver_sql(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + statement, parameters
        )
        lines = [r[0].strip().removeprefix("->  ") for r in rows]
        lines = [line for line in lines if re.search(r"Scan|Time:", line)]
    else:
        rows = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        lines = [r[-1] for r in rows if re.search(r"work_items|TEMP B-TREE", r[-1])]
    counted: dict[str, int] = {}
    for line in lines:
        counted[line] = counted.get(line, 0) + 1
    return [f"{n} x {line}" if n > 1 else line for line, n in counted.items()]


def later_page(client: Http, path: str, pages: int, pattern: str | None = None) -> str | None:
    """The address of page ``pages + 1``, by following the next-page cursor (JSON, or a page's link)."""
    for _ in range(pages):
        response = client.get(path)
        if pattern is None:
            cursor = response.json()["next"]
            path = f"/api/v1/tasks?{urlencode({'cursor': cursor})}" if cursor else None
        else:
            found = re.search(pattern, response.body.decode())
            path = found.group(1).replace("&amp;", "&") if found else None
        if path is None:
            return None
    return path


def sign_in(base: str, username: str) -> Http | None:
    """A browser-like client signed in through the sign-in form, or None when the pages are not there yet."""
    client = Http(base)
    if client.get(PAGE).status == 404 or client.get("/signin").status == 404:
        return None
    page = client.get("/signin").body.decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page)
    form = {"username": username, "password": PASSWORD, "csrf_token": csrf.group(1) or csrf.group(2)}
    answer = client.post("/signin", urlencode(form).encode(), "application/x-www-form-urlencoded")
    if answer.status not in (302, 303):
        raise RuntimeError(f"sign-in as {username} answered {answer.status}")
    return client


def scenarios(base: str, tokens: dict[str, str]) -> list[tuple[str, Http, str]]:
    found = []
    for who, lane in (("agent", "cards"), ("supervisor", "frontline")):
        client = Http(base, {"Authorization": f"Bearer {tokens[who]}"})
        found += [
            (f"API {who}: page 1", client, "/api/v1/tasks"),
            (f"API {who}: page 21 (cursor)", client, later_page(client, "/api/v1/tasks", 20)),
            (f"API {who}: overdue", client, "/api/v1/tasks?overdue=true"),
            (f"API {who}: lane={lane}", client, f"/api/v1/tasks?lane={lane}"),
            (f"API {who}: lane={lane}, overdue", client, f"/api/v1/tasks?lane={lane}&overdue=true"),
        ]
        if who == "agent":
            found.append((f"API {who}: assignee=me", client, "/api/v1/tasks?assignee=me"))
    # The page shows the tasks a person may work: a supervisor's are the supervisor lane's and their own.
    for who, lane in (("agent", "cards"), ("supervisor", "supervisor")):
        browser = sign_in(base, f"bench.{who}")
        if browser is None:
            print(f"  page not measured: route missing (GET {PAGE} or /signin answers 404)")
            break
        found += [
            (f"page {who}: {PAGE}", browser, PAGE),
            (f"page {who}: page 21 (next link)", browser, later_page(browser, PAGE, 20, NEXT_LINK)),
            (f"page {who}: overdue", browser, f"{PAGE}?overdue=1"),
            (f"page {who}: lane={lane}", browser, f"{PAGE}?lane={lane}"),
            (f"page {who}: tier=urgent", browser, f"{PAGE}?tier=urgent"),
            (f"page {who}: sort=newest", browser, f"{PAGE}?sort=newest"),
            (f"page {who}: sort=tier", browser, f"{PAGE}?sort=tier"),
            (f"page {who}: mine", browser, f"{PAGE}?mine=1"),
        ]
    return [s for s in found if s[2] is not None]


def measure(cases: list[tuple[str, Http, str]], rounds: int, per_round: int) -> None:
    """Every scenario ``per_round`` times per round, the scenarios interleaved; p50/p95 of the client's time."""
    times: dict[str, list[float]] = {label: [] for label, *_ in cases}
    shown: dict[str, str] = {}
    for label, client, path in cases:  # warm-up: every worker's connection pool and statement cache
        for _ in range(5):
            response = client.get(path)
            if response.status != 200:
                raise RuntimeError(f"{label}: GET {path} answered {response.status}: {response.body[:300]!r}")
        is_json = response.headers.get("content-type", "").startswith("application/json")
        shown[label] = (
            f"{len(response.json()['items'])} tasks" if is_json else f"{len(response.body) // 1024} KiB"
        )
    for _ in tqdm(range(rounds), desc="measure", leave=False):
        for label, client, path in cases:
            for _ in range(per_round):
                began = perf_counter()
                response = client.get(path)
                times[label].append(perf_counter() - began)
                if response.status != 200:
                    raise RuntimeError(f"{label}: GET {path} answered {response.status}")
    print(f"  {'scenario':<40} {'n':>5} {'p50 ms':>8} {'p95 ms':>8}  p95 < 50 ms")
    for label, values in times.items():
        p50, p95 = percentile(values, 50) * 1000, percentile(values, 95) * 1000
        verdict = "met" if p95 < 50 else "MISSED"
        print(f"  {label:<40} {len(values):>5} {p50:>8.1f} {p95:>8.1f}  {verdict}  ({shown[label]})")


def run_backend(label: str, url: str, args, rng: random.Random) -> None:
    print(f"\n{label} ({load_average()})")
    database = Database.connect(url)
    began = perf_counter()
    staff = prepare(database, rng)
    fill(database, args.cases, staff, rng)
    with database.engine.connect() as conn:
        open_cases = conn.scalar(text("SELECT count(*) FROM cases WHERE status = 'open'"))
        work = conn.execute(
            text("SELECT state, count(*) FROM work_items GROUP BY state ORDER BY state")
        ).all()
        lanes = conn.scalar(text("SELECT count(DISTINCT lane) FROM work_items"))
        overdue = conn.scalar(
            text("SELECT count(*) FROM work_items WHERE due_at < :now"), {"now": datetime.now(UTC)}
        )
    items = ", ".join(f"{n:,} {state}" for state, n in work)
    print(
        f"  filled in {perf_counter() - began:.0f} s: {open_cases:,} open cases; work items {items} in {lanes} lanes"
    )
    print(f"  {overdue:,} work items overdue; the measured agent works {' and '.join(AGENT_LANES)}")
    with database.session() as session:
        tokens = {
            who: accounts.create_token(session, system_clock, f"bench.{who}")
            for who in ("agent", "supervisor")
        }
    plans(database)
    database.engine.dispose()
    with gunicorn(url, workers=args.workers, threads=args.threads) as base:
        print(
            f"  gunicorn --workers {args.workers} --threads {args.threads}, one client on loopback ({load_average()})"
        )
        measure(scenarios(base, tokens), args.rounds, args.per_round)
    print(f"  done ({load_average()})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL))
    parser.add_argument("--skip-pg", action="store_true", help="SQLite only")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--cases", type=int, default=100_000, help="open cases (default 100,000)")
    parser.add_argument("--rounds", type=int, default=10, help="measuring rounds (default 10)")
    parser.add_argument(
        "--per-round", type=int, default=30, help="requests per scenario per round (default 30)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker (default 2)")
    args = parser.parse_args(argv)
    print(f"commit {revision()}; SQLite {sqlite3.sqlite_version}; {os.cpu_count()} CPUs; {load_average()}")
    print(f"{args.cases:,} open cases, {len(MORE_DEPARTMENTS) + 6} departments; page size 50")
    began = perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-inbox-") as tmp:
        if not args.skip_sqlite:
            run_backend("SQLite", f"sqlite:///{Path(tmp) / 'inbox.db'}", args, random.Random(1))
    if not args.skip_pg:
        run_backend(f"PostgreSQL ({PG_DATABASE})", own_postgres(args.pg, PG_DATABASE), args, random.Random(1))
    print(f"\nwhole run: {perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
