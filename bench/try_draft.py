"""How long trying a draft on 1,000 recorded cases takes (the studio's try before deploy; target: under 30 s).

    .venv/bin/python -m bench.try_draft [--cases N] [--runs R] [--pg URL]

A fresh SQLite database (or, with ``--pg``, a schema in the bench's own PostgreSQL database) gets the shipped
processes and ``--cases`` complaints filed through intake, like the demo's but each from its own customer, on a
frozen clock that moves a few minutes between complaints. Each case is then worked for a few steps through the
engine (tasks completed with data their forms accept, compensation amounts that send some cases through the
approvals), and the SLA sweep runs as time passes, so the recorded cases are at every stage: waiting for their
direction, escalated, settled, approved, closed. None of that is timed.

Timed: ``try_draft`` on a draft whose direction deadline is 1 hour instead of 4, over all the cases, ``--runs``
times (the median is reported), and the verdicts it gives.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

from sqlalchemy import func, select
from tqdm import tqdm

from bench._common import postgres_database, sqlite_database
from engine import accounts
from engine.cases import demo
from engine.cases.engine import CaseEngine
from engine.cases.intake import file_complaint
from engine.clock import FrozenClock
from engine.deploy import deployment
from engine.models import AuditEvent, Case, User, WorkItem, WorkItemState
from engine.studio.trying import try_draft
from engine.timers import sla

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
AMOUNTS = [0, 200, 450, 800, 3000, 20000]


def draft_files() -> list[tuple[str, bytes]]:
    files = deployment.read_paths([PROCESSES])
    return [(n, c.replace(b'"PT4H"', b'"PT1H"') if n == "general.bpmn" else c) for n, c in files]


def sample(schema: dict | None, rng: random.Random) -> dict:
    """Data a task form accepts."""
    data = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        kind = prop.get("type")
        if name == "compensation_amount":
            data[name] = rng.choice(AMOUNTS)
        elif "enum" in prop:
            data[name] = prop["enum"][0]
        elif kind == "boolean":
            data[name] = rng.random() < 0.85
        elif kind in ("number", "integer"):
            data[name] = prop.get("minimum", 0)
        elif kind == "array":
            data[name] = ((prop.get("items") or {}).get("enum") or [])[:1]
        elif kind == "string" and prop.get("format") != "date-time":
            data[name] = "6222020200112233" if name == "account" else "recorded for the benchmark"
    return data


def fill(database, clock: FrozenClock, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with database.session() as session:
        accounts.ensure_departments(session)
        session.commit()
        deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="bench", clock=clock)
        lanes = ["frontline", "risk", "operations", "product", "compliance", "supervisor"]
        accounts.create_user(session, clock, username="worker", role="supervisor", departments=lanes)
    for index in tqdm(range(count), desc="recording cases", unit="case"):
        description, category, amount, business, channel, _, segment = demo.DEMO_COMPLAINTS[index % 12]
        complaint = {
            "channel": channel,
            "business_type": business,
            "category": category,
            "description": description,
        }
        if amount is not None:
            complaint["amount"] = amount
        person = {"id": f"B{index:06d}", "name": "张伟", "phone": "13800000000", "segment": segment}
        with database.session() as session:
            engine = CaseEngine(session, clock)
            worker = session.scalar(select(User).where(User.username == "worker"))
            case = file_complaint(engine, {"complaint": complaint, "customer": person}, actor="bench").case
            for _ in range(rng.choice([0, 1, 2, 3, 5, 8])):
                item = session.scalars(
                    select(WorkItem)
                    .where(WorkItem.case_id == case.id, WorkItem.state.in_(WorkItemState.open_states()))
                    .order_by(WorkItem.id)
                ).first()
                if item is None:
                    break
                clock.advance(minutes=rng.choice([5, 30, 90]))
                form = engine.loaded(case.process_version_id).forms.get(item.form or "")
                try:
                    engine.complete(item.id, worker, sample(form, rng))
                except Exception:  # a form the sampler does not satisfy: the case stays where it is
                    session.rollback()
                    break
        clock.advance(minutes=3)
        if index % 50 == 49:
            sla.tick(database.session, clock, {})
    clock.advance(hours=6)
    sla.tick(database.session, clock, {})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", help="a PostgreSQL URL (the bench uses its own database on that server)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        database = (
            postgres_database(args.pg, "try_draft")
            if args.pg
            else sqlite_database(Path(directory), "try_draft")
        )
        clock = FrozenClock(START)
        began = perf_counter()
        fill(database, clock, args.cases)
        elapsed = perf_counter() - began
        with database.session() as session:
            worked = session.scalar(select(func.count()).where(AuditEvent.kind == "task.completed"))
            closed = session.scalar(select(func.count()).where(Case.status == "completed"))
        backend = database.engine.url.get_backend_name()
        print(
            f"recorded {args.cases} cases ({worked} tasks completed, {closed} closed) in {elapsed:.0f} s on {backend}"
        )
        files = draft_files()
        times, report = [], None
        for _ in range(args.runs):
            with database.session() as session:
                began = perf_counter()
                report = try_draft(session, clock, files, since=START, limit=args.cases)
                times.append(perf_counter() - began)
        database.engine.dispose()
    median = statistics.median(times)
    print(
        f"python {platform.python_version()}, {platform.machine()}, runs: {', '.join(f'{t:.2f}' for t in times)} s"
    )
    per_case = median / len(report.outcomes) * 1000
    print(f"try over {len(report.outcomes)} cases: median {median:.2f} s ({per_case:.1f} ms/case)")
    print(f"verdicts: {report.counts}; unreadable: {len(report.unreadable)}; target: under 30 s")


if __name__ == "__main__":
    main()
