"""Intake to first task over HTTP: complaints per second through gunicorn on loopback, on SQLite and PostgreSQL.

Each server configuration (gunicorn workers x threads) gets a fresh database prepared with the operator's
commands (``flask --app app init-db``, ``deploy processes/``, ``users create``, ``tokens create``) and its own
gunicorn. The load generator, in this process, runs ``--clients`` threads, each with its own keep-alive
connection, POSTing complaints to ``/api/v1/complaints`` as fast as they are answered: the demo complaints'
texts, channels, categories and amounts in turn, each from a new customer so that none is merged into an earlier
case. A warm-up is sent first; the throughput is the measured complaints over their wall time. Afterwards the
database is checked: every complaint answered 201 with its case, and every case reached its first wait — an open
task, or, for a question answered at once from the knowledge base, a timer waiting for the customer's reply.

The intake rate limit (600 complaints a minute per client by default) is raised for the run through
``API_RATE_LIMITS``; the SLA scheduler is off (only requests run in the server).

    python -m bench.intake_http [--configs 1x1,2x1,2x4,3x2,4x1] [--count 2000] [--clients 8] [--skip-pg]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from time import perf_counter, process_time

from sqlalchemy import text
from sqlalchemy.pool import NullPool

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
from engine.cases.demo import DEMO_COMPLAINTS
from engine.store.db import make_engine

PG_DATABASE = "bench_intake"
RATE_LIMITS = json.dumps({"intake": [1_000_000, 60]})
TARGET = 100  # complaints per second on SQLite


def flask(url: str, *args: str) -> str:
    """Run ``flask --app app ARGS`` against ``url``; its output's last line."""
    env = {
        "SECRET_KEY": "bench-cli",
        **os.environ,
        "DATABASE_URL": url,
    }  # the app refuses to start without one
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def prepare(url: str) -> str:
    """A fresh database with processes/ deployed and a channel user; returns the user's API token."""
    flask(url, "init-db")
    flask(url, "deploy", str(ROOT / "processes"))
    flask(url, "users", "create", "bench.channel", "--role", "agent", "--department", "frontline")
    return flask(url, "tokens", "create", "bench.channel")


def complaint(n: int, run: str) -> bytes:
    """The ``n``-th complaint of a run: a demo complaint's content from a customer nobody has seen before."""
    description, category, amount, business, channel, _, segment = DEMO_COMPLAINTS[n % len(DEMO_COMPLAINTS)]
    body = {"channel": channel, "business_type": business, "category": category, "description": description}
    if amount is not None:
        body |= {"amount": amount, "occurred_at": "2026-11-22T20:15:00+08:00"}
    person = {"id": f"{run}-{n:07d}", "name": f"客户{n}", "phone": f"139{n:08d}", "segment": segment}
    return json.dumps({"complaint": body, "customer": person}, ensure_ascii=False).encode()


def load(base: str, token: str, run: str, first: int, count: int, clients: int) -> dict:
    """Send complaints ``first`` .. ``first + count - 1`` from ``clients`` threads; the answers and times."""
    numbers = iter(range(first, first + count))
    lock = threading.Lock()
    answers: list[tuple[int, float, int | None]] = []  # status, seconds, case id

    def client() -> None:
        http = Http(base, {"Authorization": f"Bearer {token}"})
        while True:
            with lock:
                n = next(numbers, None)
            if n is None:
                break
            began = perf_counter()
            try:
                response = http.post("/api/v1/complaints", complaint(n, run), "application/json")
                status, case = response.status, response.json().get("id") if response.status == 201 else None
            except OSError:
                http.close()
                status, case = 0, None
            answers.append((status, perf_counter() - began, case))
        http.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began, cpu = perf_counter(), process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = perf_counter() - began
    return {"wall": wall, "cpu": process_time() - cpu, "answers": answers}


def check(url: str, case_ids: list[int]) -> str:
    """How the filed cases stand: each should wait at an open task or on a timer (a reply from the customer)."""
    engine = make_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.id, c.tier,"
                " (SELECT count(*) FROM work_items w WHERE w.case_id = c.id AND w.state IN ('ready', 'claimed')),"
                " (SELECT count(*) FROM timers t WHERE t.case_id = c.id AND t.status = 'waiting')"
                " FROM cases c WHERE c.status = 'open'"
            )
        ).all()
    engine.dispose()
    stored = {r[0]: r for r in rows}
    missing = [i for i in case_ids if i not in stored]
    tasks = sum(1 for r in rows if r[2] > 0)
    waiting = [r for r in rows if r[2] == 0 and r[3] > 0]
    stuck = [r for r in rows if r[2] == 0 and r[3] == 0]
    tiers = sorted({r[1] for r in waiting})
    verdict = "every case reached its first wait" if not (missing or stuck) else "SOME CASES DID NOT"
    return (
        f"{len(rows):,} open cases: {tasks:,} with an open task, {len(waiting):,} waiting on the customer"
        f" ({', '.join(map(str, tiers))}), {len(stuck)} with neither, {len(missing)} answered but not stored;"
        f" {verdict}"
    )


def run_config(label: str, url: str, workers: int, threads: int, args) -> float:
    token = prepare(url)
    env = {"API_RATE_LIMITS": RATE_LIMITS}
    with gunicorn(url, workers=workers, threads=threads, env=env) as base:
        run = f"{label[:2]}{workers}x{threads}"
        load(base, token, run, 0, args.warmup, args.clients)
        before = load_average()
        result = load(base, token, run, args.warmup, args.count, args.clients)
    answers = result["answers"]
    statuses = sorted({s for s, _, _ in answers})
    created = [case for status, _, case in answers if status == 201]
    rate = len(created) / result["wall"]
    times = [seconds for _, seconds, _ in answers]
    print(
        f"  {workers}x{threads:<3} {rate:>7.1f}/s  p50 {percentile(times, 50) * 1000:>6.1f} ms"
        f"  p95 {percentile(times, 95) * 1000:>6.1f} ms  {len(created):,} of {len(answers):,} created"
        f" (statuses {statuses}), {result['wall']:.1f} s; load generator {result['cpu'] / result['wall']:.0%}"
        f" of a CPU; {before}"
    )
    print(f"          {check(url, created)}")
    return rate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_http", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL))
    parser.add_argument("--skip-pg", action="store_true", help="SQLite only")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--configs", default="1x1,2x1,2x4,3x2,4x1", help="gunicorn WORKERSxTHREADS, comma-separated"
    )
    parser.add_argument(
        "--count", type=int, default=2000, help="measured complaints per configuration (2,000)"
    )
    parser.add_argument("--warmup", type=int, default=100, help="complaints sent first, not measured (100)")
    parser.add_argument("--clients", type=int, default=8, help="load-generator threads (default 8)")
    args = parser.parse_args(argv)
    configs = [tuple(int(x) for x in c.split("x")) for c in args.configs.split(",")]
    print(f"commit {revision()}; {os.cpu_count()} CPUs; {load_average()}")
    print(
        f"{args.count:,} complaints per configuration after {args.warmup} warm-up, {args.clients} client threads"
    )
    best: dict[str, float] = {}
    began = perf_counter()
    backends = [] if args.skip_sqlite else ["SQLite"]
    backends += [] if args.skip_pg else [f"PostgreSQL ({PG_DATABASE})"]
    for label in backends:
        print(f"\n{label}: workers x threads, complaints/s, client-side latency")
        for workers, threads in configs:
            with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
                is_pg = label.startswith("PostgreSQL")
                url = own_postgres(args.pg, PG_DATABASE) if is_pg else f"sqlite:///{Path(tmp) / 'intake.db'}"
                rate = run_config(label, url, workers, threads, args)
            best[label] = max(best.get(label, 0), rate)
    print()
    for label, rate in best.items():
        verdict = ("met" if rate >= TARGET else "MISSED") if label == "SQLite" else "(no target)"
        print(f"best on {label}: {rate:.1f} complaints/s; target >= {TARGET}/s on SQLite: {verdict}")
    print(f"whole run: {perf_counter() - began:.0f} s ({load_average()})")


if __name__ == "__main__":
    main()
