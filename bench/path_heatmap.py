"""The heatmap of a process version at scale, and what writing the path's rows adds to each engine step.

    .venv/bin/python -m bench.path_heatmap [--cases N] [--runs R] [--pg URL]

Part 1: the shipped processes deployed, the demo complaints and the closed urgent demo case run through the
engine (13 real cases with their ``element_visits``, work items and timers); then ``--cases`` copies of them
(default 100,000) in bulk, each with its own id, received over the last 180 days, spread over the tiers,
channels and categories of the templates. The copies' workflow state is left empty: the heatmap never reads it.
The copies have no summary rows: ``cases backfill-visits`` (``summaries.backfill``) builds them, timed. Timed,
``--runs`` times each (median reported): the heatmap of ``general_path`` v1 and ``urgent_path`` v1 over all
cases, over the last 30 days, and over 30 days of one tier, channel and category, live over the rows
(``live_heatmap``) and from the summaries (``heatmap``; bench/heatmap_summaries.py times it at a million cases).

Part 2: the closed urgent demo case worked from intake to close (9 steps and a timer) 20 times with the rows
written, and 20 times with ``engine.runtime.visits`` switched off, alternating; the median per case.

On PostgreSQL (``--pg``) the bench uses schemas of its own, ``bench_path`` and ``bench_path_steps`` (part 2),
in the database of the URL, and drops them at the end.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.pool import NullPool

from engine import accounts
from engine.cases import demo
from engine.clock import FrozenClock
from engine.deploy import deployment
from engine.models import Base, Customer, ProcessVersion
from engine.reports import demo as closed_demo
from engine.reports.heatmap import Filter, heatmap, live_heatmap
from engine.runtime import summaries, visits
from engine.store.db import Database, make_engine
from engine.store.schema import upgrade
from tests.paths import PROCESSES

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
SCHEMA = "bench_path"


def database(pg: str | None, directory: Path, schema: str = SCHEMA) -> Database:
    if pg is None:
        found = Database.connect(f"sqlite:///{directory / schema}.db")
    else:
        drop(pg, schema)
        with make_engine(pg, poolclass=NullPool).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        found = Database.connect(pg, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(found.engine)
    return found


def drop(pg: str, schema: str) -> None:
    with make_engine(pg, poolclass=NullPool).begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def seed(db: Database, clock: FrozenClock) -> None:
    with db.session() as session:
        accounts.ensure_departments(session)
        session.commit()
        deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="bench", clock=clock)
        demo.seed(session, clock)
        demo.seed_complaints(session, clock)
        closed_demo.seed_closed_case(session, clock)


def fill(db: Database, total: int, batch: int = 5000) -> int:
    """Copies of the real cases up to ``total`` cases; returns the rows of ``element_visits`` in the end."""
    tables = Base.metadata.tables
    cases, items, timers, rows = (tables[n] for n in ("cases", "work_items", "timers", "element_visits"))
    with db.engine.connect() as conn:
        templates = [dict(r._mapping) for r in conn.execute(select(cases).order_by(cases.c.id))]
        by_case = {}
        for table in (items, timers, rows):
            for r in conn.execute(select(table)):
                by_case.setdefault((table.name, r.case_id), []).append(dict(r._mapping))
        next_id = conn.scalar(select(func.max(cases.c.id))) + 1
    made = len(templates)
    while made < total:
        new = {"cases": [], "work_items": [], "timers": [], "element_visits": []}
        for case_id in range(next_id, next_id + min(batch, total - made)):
            template = templates[case_id % len(templates)]
            received = NOW - timedelta(minutes=(case_id * 7919) % (180 * 24 * 60))
            shift = received - template["received_at"]
            new["cases"].append(
                {
                    **template,
                    "id": case_id,
                    "reference": f"B{case_id:012d}",
                    "tracking_code": None,
                    "state": "",
                    "received_at": received,
                    "created_at": received,
                    "updated_at": received,
                }
            )
            for table in (items, timers, rows):
                for row in by_case.get((table.name, template["id"]), []):
                    copy = {**row, "case_id": case_id}
                    copy.pop("id")
                    if "task_id" in copy:
                        copy["task_id"] = str(uuid.uuid4())
                    for column in ("created_at", "due_at", "completed_at", "claimed_at", "fired_at", "at"):
                        if copy.get(column) is not None:
                            copy[column] = copy[column] + shift
                    new[table.name].append(copy)
        with db.engine.begin() as conn:
            for name in ("cases", "work_items", "timers", "element_visits"):
                if new[name]:
                    conn.execute(tables[name].insert(), new[name])
        made += len(new["cases"])
        next_id += len(new["cases"])
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        return conn.scalar(select(func.count()).select_from(rows))


def time_heatmaps(db: Database, runs: int) -> list[tuple[str, float, float, int]]:
    month = Filter(received_from=NOW - timedelta(days=30), received_before=NOW)
    found = []
    with db.session() as session:
        for key in ("general_path", "urgent_path"):
            version = session.scalar(
                select(ProcessVersion).where(ProcessVersion.process_key == key, ProcessVersion.version == 1)
            )
            narrow = Filter(
                received_from=month.received_from,
                received_before=month.received_before,
                tier="general" if key == "general_path" else "urgent",
                channel="phone",
                category="service_attitude" if key == "general_path" else "card_theft",
            )
            for label, wanted in (
                ("all cases", Filter()),
                ("30 days", month),
                ("30 days, tier+channel+category", narrow),
            ):
                times, kept, cases = [], [], 0
                for _ in range(runs):
                    began = perf_counter()
                    cases = live_heatmap(session, version, wanted, NOW).cases
                    times.append(perf_counter() - began)
                    began = perf_counter()
                    heatmap(session, version, wanted, NOW)
                    kept.append(perf_counter() - began)
                    session.rollback()
                found.append((f"{key} v1, {label}", statistics.median(times), statistics.median(kept), cases))
    return found


def step_overhead(db: Database, clock: FrozenClock, rounds: int = 20) -> tuple[float, float]:
    """Median seconds per closed urgent case, intake to close, with and without the visit rows."""
    real_reached, real_record = visits.reached, visits.record
    timed = {True: [], False: []}
    for n in range(rounds * 2):
        on = n % 2 == 0
        visits.reached = real_reached if on else (lambda workflow: {})
        visits.record = real_record if on else (lambda *args, **kwargs: [])
        with db.session() as session:
            session.execute(delete(Customer.__table__).where(Customer.external_id == "none"))
            session.execute(
                update(Customer)
                .where(Customer.external_id == closed_demo.CUSTOMER)
                .values(external_id=f"done-{n}")
            )
            session.commit()
            began = perf_counter()
            closed_demo.seed_closed_case(session, clock)
            timed[on].append(perf_counter() - began)
    visits.reached, visits.record = real_reached, real_record
    return statistics.median(timed[True]), statistics.median(timed[False])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", help="a PostgreSQL URL (the bench makes its own schema there)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        db = database(args.pg, Path(directory))
        clock = FrozenClock(NOW)
        seed(db, clock)
        steps = database(args.pg, Path(directory), f"{SCHEMA}_steps")  # a small database of its own
        seed(steps, FrozenClock(NOW))
        with_rows, without = step_overhead(steps, FrozenClock(NOW))
        steps.engine.dispose()
        began = perf_counter()
        rows = fill(db, args.cases)
        print(
            f"{db.engine.dialect.name}: {args.cases:,} cases, {rows:,} element_visits rows, "
            f"filled in {perf_counter() - began:.0f} s"
        )
        began = perf_counter()
        with db.session() as session:
            summaries.backfill(session, ZoneInfo("Asia/Shanghai"))
            session.commit()
        print(f"  summaries rebuilt from the rows (cases backfill-visits) in {perf_counter() - began:.0f} s")
        for label, seconds, kept, cases in time_heatmaps(db, args.runs):
            print(
                f"  heatmap {label}: median {seconds * 1000:.0f} ms live, {kept * 1000:.0f} ms from the summaries "
                f"({cases:,} cases reached the process)"
            )
        print(
            f"  closed urgent case, intake to close: {with_rows * 1000:.0f} ms with the visit rows, "
            f"{without * 1000:.0f} ms without ({(with_rows / without - 1) * 100:+.1f} %)"
        )
        db.engine.dispose()
        if args.pg:
            drop(args.pg, SCHEMA)
            drop(args.pg, f"{SCHEMA}_steps")


if __name__ == "__main__":
    main()
