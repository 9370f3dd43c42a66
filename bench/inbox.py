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
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from urllib.parse import urlencode

from sqlalchemy import event, text
from tqdm import tqdm

from bench import _inbox_fill
from bench._common import DEFAULT_PG_URL, Http, gunicorn, load_average, own_postgres, percentile, revision
from engine import accounts
from engine.cases import inbox
from engine.clock import system_clock
from engine.models import User, WorkItemState
from engine.store.db import Database

PG_DATABASE = "bench_inbox"
PAGE = "/agent/"  # the inbox page
NEXT_LINK = r'href="([^"]*after=[^"]*)"'


# ------------------------------------------------------------------------------------------- measuring


def plans(database: Database) -> None:
    """The plan of each API inbox statement for the measured agent and supervisor, and its time in-process."""
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    with database.session() as session:
        for username, overdue in (("bench.agent", False), ("bench.agent", True), ("bench.supervisor", False)):
            user = session.scalar(User.by_username(username))
            query = inbox.api_query(user, WorkItemState.open_states(), overdue=overdue)
            now = datetime.now(UTC)
            times = []
            for _ in range(21):
                began = perf_counter()
                inbox.page(session, query, None, now, 50)
                times.append(perf_counter() - began)
            event.listen(database.engine, "before_cursor_execute", capture)
            captured.clear()
            inbox.page(session, query, None, now, 50)
            event.remove(database.engine, "before_cursor_execute", capture)
            label = f"{username}{', overdue' if overdue else ''}"
            print(f"  query plan, {label}: inbox.page in-process p50 {percentile(times, 50) * 1000:.2f} ms")
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
    form = {
        "username": username,
        "password": _inbox_fill.PASSWORD,
        "csrf_token": csrf.group(1) or csrf.group(2),
    }
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
    staff = _inbox_fill.prepare(database, rng)
    _inbox_fill.fill(database, args.cases, staff, rng)
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
    print(
        f"  {overdue:,} work items overdue; the measured agent works {' and '.join(_inbox_fill.AGENT_LANES)}"
    )
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
    print(f"{args.cases:,} open cases, {len(_inbox_fill.MORE_DEPARTMENTS) + 6} departments; page size 50")
    began = perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-inbox-") as tmp:
        if not args.skip_sqlite:
            run_backend("SQLite", f"sqlite:///{Path(tmp) / 'inbox.db'}", args, random.Random(1))
    if not args.skip_pg:
        run_backend(f"PostgreSQL ({PG_DATABASE})", own_postgres(args.pg, PG_DATABASE), args, random.Random(1))
    print(f"\nwhole run: {perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
