"""How fast the SLA sweep fires a burst of due timers, whether its cost depends on the timers not yet due, and the
steady-state lag of the in-process scheduler.

    .venv/bin/python -m bench.sla_timers [--pg URL] [--skip-pg] [--waiting N] [--burst N] [--lag-seconds S]
                                         [--batch N] [--baseline-batch N]

On SQLite (a file in a temporary folder) and on PostgreSQL (the bench's own database ``bench_sla``, created through
an autocommit connection to ``--pg``'s database and emptied on every run):

1. **Burst.** ``--waiting`` timers (100,000) wait, of which ``--burst`` (10,000) fall due within the same second;
   the rest are not yet due. Each is a real review case (tests/data/engine/review.bpmn, a one-hour boundary
   timer that escalates to the supervisor lane): one started through the engine, the others bulk copies of it
   with fresh task ids and their own due time, their audit events continuing the hash chain. Sweeper processes
   (one on SQLite, two in parallel on PostgreSQL, each ``python -m bench._sla_common sweep``) run ``sweep`` back
   to back with a clock frozen just after the burst until nothing is due, claiming and committing ``--batch``
   timers per transaction (the engine's ``BATCH``); the time is from the first sweeper's start to the last one's
   end. First, unless ``--baseline-batch 0``, another ``--burst`` rows, due half an hour earlier, are swept the
   same way with ``--baseline-batch`` (1: one timer per transaction, as before batching), for the ratio.
2. **Not-yet-due timers.** The cost of a fired timer with 1,000 and with 100,000 timers not yet due: rounds
   of ``--compare`` (1,000) due timers swept in-process in two databases, alternating.
3. **Profile.** One sweep call (limit 1000, as the scheduler makes it) over ``--compare`` due timers, every phase
   of a firing timed by wrapping (not editing) the engine's functions; then the claim query alone (a batch of
   rows), with distinct due times, with 999 ids in its NOT IN list, and with 5,000 rows sharing one due time.
4. **Steady state.** The real scheduler path: ``app.create_app`` with ``SCHEDULER_ENABLED`` (APScheduler's
   interval job running an SLA tick, i.e. the timer, ladder and regulatory sweeps, every ``SLA_SWEEP_SECONDS``,
   0.5 s) and the system clock, while another process starts ``--rate`` (20) cases per second of a process with
   a two-second SLA timer. Lag is ``fired_at - due_at`` from the timers table, over ``--lag-seconds`` (60) after
   a 5-second warm-up. First, one tick with nothing due is timed and its three claim queries' plans are shown.
   If the lag misses its target, the same load runs again with the job calling the timer sweep alone.

Due times of the copied cases lie in 2035 so that the system-clock scheduler of part 4 never sees them due.
PostgreSQL's statistics are refreshed after each fill (autovacuum would do it); SQLite gets no ANALYZE, as in the
product, so its plans are the ones production gets.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from time import perf_counter

from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from tqdm import tqdm

from bench._common import DEFAULT_PG_URL
from bench._sla_common import (
    BENCH_DATABASE,
    Child,
    Copier,
    Template,
    analyze,
    claim_cost,
    claim_queries,
    count_timers,
    deploy_processes,
    drop_schemas,
    migrated,
    profile_sweep,
    query_plan,
    query_time,
    reset_postgres,
    retire,
)
from engine import audit
from engine.clock import FrozenClock
from engine.models import Case, Timer, TimerStatus
from engine.store.db import Database
from engine.timers.sla import BATCH, sweep

T0 = datetime(2035, 1, 8, 1, 0, tzinfo=UTC)
BURST = T0 + timedelta(hours=1)  # the burst's due times: BURST .. BURST + 1 s
BASELINE = T0 + timedelta(minutes=30)  # the baseline burst's (swept first, with --baseline-batch)
COMPARE = T0 + timedelta(hours=2)  # round r of part 2 falls due at COMPARE + r hours
PROFILE = T0 + timedelta(days=1)
LATER = T0 + timedelta(days=2)  # the timers not yet due: one a second from here on
TEMPLATE_START = T0 + timedelta(days=30)  # the engine-started template's own timer is never due here
SMALL_SCHEMA = "small"
WARMUP = 5.0


def spread(start: datetime, count: int, within: timedelta) -> list[datetime]:
    return [start + within * i / count for i in range(count)]


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def target(ok: bool) -> str:
    return "met" if ok else "MISSED"


# --------------------------------------------------------------------------------------------- phases


def fill(label: str, database: Database, tmp: Path, waiting: int, burst: int, baseline: bool) -> Copier:
    deploy_processes(database, FrozenClock(T0), tmp)
    template = Template.make(database, TEMPLATE_START)
    copier = Copier(database, template)
    began = perf_counter()
    with tqdm(total=waiting - 1 + burst * baseline, desc=f"fill {label}", unit="case", leave=False) as bar:
        if baseline:
            copier.add(spread(BASELINE, burst, timedelta(seconds=1)), bar=bar)
        copier.add(spread(BURST, burst, timedelta(seconds=1)), bar=bar)
        copier.add(spread(LATER, waiting - burst - 1, timedelta(seconds=waiting - burst - 1)), bar=bar)
    analyze(database)
    print(f"  filled: {copier.copied + 1:,} cases in {perf_counter() - began:.0f} s (1 through the engine)")
    return copier


def run_burst(
    label: str, database: Database, url: str, burst: int, sweepers: int, batch: int, at: datetime = BURST
) -> dict:
    now = at + timedelta(seconds=1)
    waiting = count_timers(database, Timer.status == TimerStatus.WAITING)
    due = count_timers(database, Timer.status == TimerStatus.WAITING, Timer.due_at < now)
    print(f"  waiting timers: {waiting:,}, of which due at the sweepers' clock: {due:,}; batch {batch}")
    print("  claim query plan with the burst due:")
    for line in query_plan(database, claim_queries(now)["timers"].limit(batch)):
        print(f"    {line}")
    children = [Child("sweep", url, now.isoformat(), str(batch)) for _ in range(sweepers)]
    try:
        for child in children:
            child.wait_ready()
        for child in children:
            child.go()
        with tqdm(total=due, desc=f"burst {label}", unit="timer", leave=False) as bar:
            while any(child.running() for child in children):
                time.sleep(0.5)
                fired = count_timers(
                    database, Timer.status == TimerStatus.FIRED, Timer.due_at >= at, Timer.due_at < now
                )
                bar.update(fired - bar.n)
        results = [child.result() for child in children]
    finally:
        for child in children:
            child.stop()
    seconds = max(r["finished"] for r in results) - min(r["began"] for r in results)
    fired = sum(r["fired"] for r in results)
    left = count_timers(database, Timer.status == TimerStatus.WAITING, Timer.due_at < now)
    print(
        f"  burst, batch {batch}: {fired:,} timers fired by {sweepers} sweeper process{'es' if sweepers > 1 else ''} "
        f"{[r['fired'] for r in results]} in {seconds:.1f} s = {fired / seconds:.0f} timers/s, "
        f"{fmt_ms(seconds / fired)} per timer (wall); skipped {sum(r['skipped'] for r in results)}, "
        f"left due {left}; target <= 30 s: {target(seconds <= 30 and fired == due and left == 0)}"
    )
    return {"seconds": seconds, "fired": fired, "due": due}


def sweep_all(database: Database, now: datetime, batch: int) -> int:
    fired = 0
    while True:
        result = sweep(database.session, FrozenClock(now), batch=batch)
        fired += result.fired
        if result.fired + result.skipped == 0:
            return fired


def compare(
    label: str, big: tuple[Database, Copier], small: tuple[Database, Copier], n: int, rounds: int, batch: int
):
    """Median ms per fired timer over ``rounds`` in each database, the order alternating every round."""
    dbs = {"small": small, "big": big}
    not_yet = {
        name: count_timers(db, Timer.status == TimerStatus.WAITING, Timer.due_at >= LATER)
        for name, (db, _) in dbs.items()
    }
    per_timer: dict[str, list[float]] = {name: [] for name in dbs}
    with tqdm(total=rounds * 2, desc=f"not-yet-due comparison {label}", unit="sweep", leave=False) as bar:
        for r in range(rounds):
            due_at = COMPARE + timedelta(hours=r)
            order = ["small", "big"] if r % 2 == 0 else ["big", "small"]
            for name in order:
                database, copier = dbs[name]
                copier.add(spread(due_at, n, timedelta(seconds=1)))
                began = perf_counter()
                fired = sweep_all(database, due_at + timedelta(seconds=1), batch)
                per_timer[name].append((perf_counter() - began) / fired)
                assert fired == n, (name, fired)
                bar.update()
    small_ms, big_ms = (statistics.median(per_timer[k]) for k in ("small", "big"))
    ratio = big_ms / small_ms
    print(
        f"  not-yet-due comparison: {n:,} due timers per sweep, one sweeper in-process, median of {rounds}:"
    )
    print(f"    {not_yet['small']:>7,} not yet due: {fmt_ms(small_ms)} per fired timer")
    print(
        f"    {not_yet['big']:>7,} not yet due: {fmt_ms(big_ms)} per fired timer   ratio {ratio:.2f} "
        f"(cost independent of not-yet-due timers: {target(ratio <= 1.2)})"
    )
    return {"small_ms": small_ms, "big_ms": big_ms, "ratio": ratio}


def profile(database: Database, copier: Copier, n: int, batch: int) -> None:
    copier.add(spread(PROFILE, n, timedelta(seconds=1)))
    result = profile_sweep(database, PROFILE + timedelta(seconds=1), batch)
    fired = result.fired
    print(
        f"  profile: one sweep call (limit 1000) over {n:,} due timers: {fired:,} fired in {result.wall:.2f} s"
    )
    print(f"    {'phase':<36} {'ms per fired timer':>18}")
    claim = sum(result.claims) / fired
    fire = sum(result.fires) / fired
    # With batches, what lies between two firings: a batch's claim, SAVEPOINT and RELEASE, audit append, COMMIT.
    print(f"    {'between firings (claim, commit ...)':<36} {claim * 1000:18.2f}")
    for phase, seconds in result.phases.items():
        print(f"    {'  ' + phase:<36} {seconds / fired * 1000:18.2f}")
    print(f"    {'fire_timer in all':<36} {fire * 1000:18.2f}")
    print(f"    {'whole sweep, per fired timer':<36} {result.wall / fired * 1000:18.2f}")
    print(
        "    statements per fired timer: "
        + ", ".join(f"{k} {v / fired:.1f}" for k, v in result.statements.items())
    )
    k = min(100, fired // 2)
    first, last = result.claims[:k], result.claims[-k:]
    print(
        f"    claim time, first {k} firings of the call: {fmt_ms(statistics.mean(first))}; "
        f"last {k}: {fmt_ms(statistics.mean(last))}"
    )


def claims(database: Database, copier: Copier, batch: int, n: int = 5000) -> None:
    """The claim alone, 200 times each: what the due rows' due times and the NOT IN list of tried rows cost it."""
    at = PROFILE + timedelta(hours=1)
    copier.add(spread(at, n, timedelta(seconds=1)))
    analyze(database)
    now = at + timedelta(seconds=1)
    distinct = claim_cost(database, now, batch=batch)
    listed = claim_cost(database, now, tried=999, batch=batch)
    retire(database, now)  # scratch rows: out of the way without firing them
    at = PROFILE + timedelta(hours=2)
    copier.add([at] * n)
    analyze(database)
    shared = claim_cost(database, at + timedelta(seconds=1), batch=batch)
    print(
        f"  claim alone ({n:,} due rows, 200 claims rolled back): {fmt_ms(distinct)} with distinct due times; "
        f"{fmt_ms(listed)} with 999 ids excluded by NOT IN; "
        f"{fmt_ms(shared)} when all {n:,} share one due time"
    )


def tick_queries(database: Database) -> None:
    """What one SLA tick costs with nothing due, and the plan of each of its three claim queries."""
    from engine.clock import system_clock
    from engine.timers.sla import tick

    now = system_clock()
    tick(database.session, system_clock, {})  # warm
    began = perf_counter()
    tick(database.session, system_clock, {})
    print(f"  one SLA tick (timers, ladder, regulatory) with nothing due: {fmt_ms(perf_counter() - began)}")
    for name, query in claim_queries(now).items():
        plan = [line.strip() for line in query_plan(database, query) if _PLAN_LINE.search(line)]
        print(f"    {name + ' claim':<17} {fmt_ms(query_time(database, query)):>10}   {' / '.join(plan)}")


_PLAN_LINE = re.compile(r"Scan|SCAN|SEARCH|TEMP B-TREE|Sort Key")


def steady_state(label: str, url: str, rate: float, seconds: float, sweep_only: bool = False) -> dict:
    """Lag under a steady load: the app's own scheduler (``create_app`` with SCHEDULER_ENABLED: an SLA tick of
    timers, ladder and regulatory sweeps every 0.5 s), or with ``sweep_only`` the same APScheduler job calling
    only the timer sweep."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES
    from apscheduler.schedulers.background import BackgroundScheduler

    from app import create_app

    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # overrun ticks are counted below instead
    began_at = datetime.now(UTC)
    load = Child("load", url, str(rate), str(seconds + WARMUP))
    app = create_app({"DATABASE_URL": url, "SCHEDULER_ENABLED": not sweep_only, "SECRET_KEY": "bench"})
    database: Database = app.extensions["database"]
    if sweep_only:
        scheduler = BackgroundScheduler(timezone="UTC")
        scheduler.add_job(  # web/scheduling.py's job, calling engine.sla.sweep alone
            lambda: sweep(database.session, app.config["CLOCK"], settings=app.config),
            "interval",
            seconds=app.config["SLA_SWEEP_SECONDS"],
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
        scheduler.start()
    else:
        scheduler = app.extensions["scheduler"]
    events = {EVENT_JOB_EXECUTED: 0, EVENT_JOB_MAX_INSTANCES: 0, EVENT_JOB_ERROR: 0}
    scheduler.add_listener(lambda e: events.__setitem__(e.code, events[e.code] + 1), sum(events))
    what = "timer sweep alone" if sweep_only else "app scheduler"
    try:
        with tqdm(total=round(seconds + WARMUP + 4), desc=f"{what} {label}", unit="s", leave=False) as bar:
            began = time.monotonic()
            while load.running():
                time.sleep(1)
                bar.update(min(round(time.monotonic() - began), bar.total) - bar.n)
            generated = load.result()
            time.sleep(4)  # the last timers fall due 2 s after the last start: let the sweep fire them
            bar.update(bar.total - bar.n)
    finally:
        load.stop()
        scheduler.shutdown(wait=True)
    with database.session() as session:
        rows = session.execute(
            select(Timer.due_at, Timer.fired_at, Timer.status)
            .join(Case, Case.id == Timer.case_id)
            .where(Case.process_key == "quick_sla", Timer.due_at >= began_at)
            .order_by(Timer.due_at)
        ).all()
    database.engine.dispose()
    window = [r for r in rows if r.due_at >= rows[0].due_at + timedelta(seconds=WARMUP)]
    lags = sorted((r.fired_at - r.due_at).total_seconds() for r in window if r.status == TimerStatus.FIRED)
    unfired = sum(r.status != TimerStatus.FIRED for r in window)
    p50, p95 = lags[len(lags) // 2], lags[min(len(lags) - 1, int(len(lags) * 0.95))]
    span = (window[-1].due_at - window[0].due_at).total_seconds()
    print(
        f"  steady state, {what}: {generated['started']:,} cases started at {rate:g}/s "
        f"({generated['late']} of them late); ticks: {events[EVENT_JOB_EXECUTED]} run, "
        f"{events[EVENT_JOB_MAX_INSTANCES]} skipped (the previous one still running), "
        f"{events[EVENT_JOB_ERROR]} failed"
    )
    print(
        f"    {len(lags):,} timers due over {span:.0f} s after a {WARMUP:.0f} s warm-up ({len(lags) / span:.1f}/s), "
        f"{unfired} not fired: lag p50 {p50:.3f} s, p95 {p95:.3f} s, max {lags[-1]:.3f} s; "
        f"target p95 <= 1 s: {target(p95 <= 1 and unfired == 0)}"
    )
    return {"p50": p50, "p95": p95, "max": lags[-1], "unfired": unfired}


def verify(database: Database) -> None:
    began = perf_counter()
    with database.session() as session:
        result = audit.verify(session)
    print(f"  {result} ({perf_counter() - began:.0f} s)")


# ----------------------------------------------------------------------------------------------- main


def load_average() -> str:
    """The machine's 1-minute load average: on a shared 2-CPU machine, anything above the bench's own is noise."""
    return f"load average {os.getloadavg()[0]:.2f}"


def run_backend(label: str, url: str, small_url_schema, sweepers: int, args, tmp: Path) -> None:
    print(f"\n{label} ({load_average()})")
    database = migrated(url)
    copier = fill(label, database, tmp, args.waiting, args.burst, args.baseline_batch > 0)
    if args.baseline_batch > 0:
        before = run_burst(label, database, url, args.burst, sweepers, args.baseline_batch, BASELINE)
    after = run_burst(label, database, url, args.burst, sweepers, args.batch)
    if args.baseline_batch > 0:
        print(
            f"  batch {args.batch} against batch {args.baseline_batch}: {after['seconds']:.1f} s / "
            f"{before['seconds']:.1f} s = {after['seconds'] / before['seconds']:.2f}"
        )

    # Part 2: top the big database up to 100,000 timers not yet due, and build the small one.
    not_yet = count_timers(database, Timer.status == TimerStatus.WAITING, Timer.due_at >= LATER)
    top_up = max(0, args.waiting - not_yet)
    copier.add(spread(LATER + timedelta(days=2), top_up, timedelta(seconds=top_up)))
    small_url, small_schema = small_url_schema
    small = migrated(small_url, small_schema)
    deploy_processes(small, FrozenClock(T0))
    small_copier = Copier(small, Template.make(small, TEMPLATE_START))
    small_copier.add(spread(LATER, args.small - 1, timedelta(seconds=args.small)))
    analyze(database)
    analyze(small)
    compare(label, (database, copier), (small, small_copier), args.compare, args.rounds, args.batch)
    profile(small, small_copier, args.compare, args.batch)
    claims(small, small_copier, args.batch)
    small.engine.dispose()

    if args.lag_seconds > 0:
        tick_queries(database)
        lag = steady_state(label, url, args.rate, args.lag_seconds)
        if lag["p95"] > 1 or lag["unfired"]:  # missed: is it the timer sweep, or the rest of the tick?
            steady_state(label, url, args.rate, args.lag_seconds, sweep_only=True)
    verify(database)
    database.engine.dispose()
    print(f"  done ({load_average()})")


def environment(pg_version: str | None) -> str:
    return (
        f"python {platform.python_version()}, SpiffWorkflow {version('SpiffWorkflow')}, "
        f"SQLAlchemy {version('SQLAlchemy')}, APScheduler {version('APScheduler')}, "
        f"SQLite {sqlite3.sqlite_version}, PostgreSQL {pg_version or 'not used'}, {os.cpu_count()} CPUs"
    )


def revision() -> str:
    """The commit measured (``BENCH_COMMIT`` when run from an exported tree), flagged if the tree differs."""
    here = Path(__file__).resolve().parent
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=here)
    if git.returncode != 0:
        return os.environ.get("BENCH_COMMIT", "unknown")
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=here
    ).stdout.strip()
    return git.stdout.strip() + (" with uncommitted changes" if changed else "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sla_timers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL))
    parser.add_argument("--skip-pg", action="store_true", help="SQLite only")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--waiting", type=int, default=100_000, help="waiting timers (default 100,000)")
    parser.add_argument("--burst", type=int, default=10_000, help="of which due in the same second (10,000)")
    parser.add_argument("--small", type=int, default=1_000, help="not-yet-due timers of the small database")
    parser.add_argument("--compare", type=int, default=1_000, help="due timers per comparison sweep")
    parser.add_argument("--rounds", type=int, default=3, help="comparison rounds (default 3)")
    parser.add_argument(
        "--batch",
        type=int,
        default=BATCH,
        help=f"timers per sweep transaction (default {BATCH}, the engine's)",
    )
    parser.add_argument(
        "--baseline-batch",
        type=int,
        default=1,
        help="first sweep another burst with this batch, for the ratio (default 1: as before batching; 0 skips)",
    )
    parser.add_argument("--rate", type=float, default=20, help="cases started per second in part 4")
    parser.add_argument("--lag-seconds", type=float, default=60, help="part 4's measured time; 0 skips it")
    args = parser.parse_args(argv)
    began = perf_counter()
    commit = revision()

    pg_url, pg_version = None, None
    if not args.skip_pg:
        try:
            pg_url = reset_postgres(args.pg, SMALL_SCHEMA)
            with Database.connect(pg_url).engine.connect() as conn:
                pg_version = conn.scalar(text("SHOW server_version"))
        except OperationalError as exc:
            print(
                f"PostgreSQL skipped: not reachable at {args.pg} ({str(exc.orig or exc).strip().splitlines()[0]})"
            )
            pg_url = None
    print(environment(pg_version) + f"; commit {commit}")
    print(
        f"{args.waiting:,} waiting timers, {args.burst:,} due within one second; "
        f"steady state {args.rate:g} timers/s for {args.lag_seconds:g} s"
    )
    with tempfile.TemporaryDirectory(prefix="bench-sla-") as folder:
        tmp = Path(folder)
        if not args.skip_sqlite:
            url = f"sqlite:///{tmp / 'big.db'}"
            run_backend("SQLite", url, (f"sqlite:///{tmp / 'small.db'}", None), 1, args, tmp)
        if pg_url is not None:
            try:
                run_backend(f"PostgreSQL ({BENCH_DATABASE})", pg_url, (pg_url, SMALL_SCHEMA), 2, args, tmp)
            finally:
                drop_schemas(pg_url, SMALL_SCHEMA)
    print(f"\nwhole run: {perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
