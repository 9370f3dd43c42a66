"""The heatmap from its summary tables at a million cases on PostgreSQL, and what keeping them costs a step.

Part 1: the shipped processes deployed (the heatmap draws their diagrams), then SQL straight into the tables
(``generate_series``, not the engine): 1,000,000 cases over 2026 (one every 31.5 s; tier, channel and category
cycling through 5 × 6 × 8 values, so 120 combinations a day), two work items per case (the tier path's first
two tasks; half the cases of the last 30 days and 2% of the older ones still open, so about 60,000 tasks
waiting), and the summaries as the engine step would have left them: per day × version × tier × channel ×
category, every element and flow of the complaint process and of the tier's path with a count derived from
the cases of that day (a share per element), and each task's time as up to eight histogram buckets. Timed
(one warm-up, then ``--runs``): ``engine.reports.heatmap.heatmap`` of ``general_path`` and ``urgent_path`` over
December (a calendar month: read from the month rows), 16 November-15 December (30 days of day rows), 2026
(twelve months), 16 January-31 December (days and months), and two of them with a tier, channel and category,
with the days as the page gives them (the bank's midnights); p50 and p95.

Part 2: the closed urgent demo case worked from intake to close (its steps: intake, nine completions, a
timer) ``--rounds`` times with the summaries kept and as many without (``summaries.after_step`` switched
off), alternating, in a schema of its own; and the time spent inside ``after_step`` per call.

    .venv/bin/python -m bench.heatmap_summaries --fill     # (re)create and fill, then measure
    .venv/bin/python -m bench.heatmap_summaries            # measure an already filled database

``--url`` names the database (default ``postgresql://postgres@127.0.0.1:5432/bench_visits``; it must exist
and be a throwaway: ``--fill`` drops its ``public`` schema).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import zlib
from datetime import UTC, date, datetime, time
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

from sqlalchemy import select, text, update

from engine import accounts
from engine.clock import FrozenClock
from engine.deploy import deployment
from engine.models import ProcessVersion
from engine.reports.diagrams import diagram
from engine.reports.heatmap import TASK_KINDS, Filter, heatmap
from engine.runtime import summaries
from engine.store.db import Database
from engine.store.schema import upgrade
from tests.paths import PROCESSES

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_visits"
CASES = 1_000_000
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # midnight of 1 January 2027 in Shanghai
TIERS = ("urgent", "general", "general", "general", "advisory")
CHANNELS = ("phone", "app", "web", "branch", "online_banking", "social")
CATEGORIES = (
    "card_theft",
    "fund_frozen",
    "fee_dispute",
    "fee_dispute",
    "product_dispute",
    "service_attitude",
    "business_inquiry",
    "suggestion",
)
NOT_SHADED = ("sequenceFlow", "lane", "laneSet", "process", "textAnnotation", "association", "dataObject")


def _array(values) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


def fill_sql(complaint_id: int) -> list[str]:
    received = "timestamptz '2026-01-01 00:00+00' + g * interval '31.5 seconds'"
    return [
        f"""INSERT INTO cases (id, reference, process_key, process_version_id, status, title, tier, started_by,
             channel, category, received_at, state, serializer_version, engine_version, revision, created_at,
             updated_at)
           SELECT g, 'B' || lpad(g::text, 12, '0'), 'complaint', {complaint_id},
             CASE WHEN (r > timestamptz '2026-12-01 16:00+00' AND g % 2 = 0) OR g % 50 = 0 THEN 'open'
                  ELSE 'completed' END,
             '', ({_array(TIERS)})[1 + g % 5], 'bench', ({_array(CHANNELS)})[1 + g % 6],
             ({_array(CATEGORIES)})[1 + g % 8], r, '', '1', 'bench', 1, r, r
           FROM generate_series(1, {CASES}) g, LATERAL (SELECT {received} AS r) t""",
        """INSERT INTO work_items (id, case_id, task_id, spec_id, name, lane, tier, state, created_at, due_at,
             completed_at, escalation_level)
           SELECT c.id * 2 + k, c.id, c.id || '-' || k, t.element_id, t.element_id, 'frontline', c.tier,
             CASE WHEN c.status = 'open' AND k = 1 THEN 'ready' ELSE 'completed' END,
             c.received_at, c.received_at + interval '4 hours',
             CASE WHEN c.status = 'open' AND k = 1 THEN NULL
                  ELSE c.received_at + (c.id % 600) * interval '1 minute' END,
             0
           FROM cases c, generate_series(0, 1) k, bench_tasks t
           WHERE t.tier = c.tier AND t.rank = k""",
        """CREATE TEMP TABLE bench_groups AS
           SELECT (received_at AT TIME ZONE 'Asia/Shanghai')::date AS day, process_version_id AS version_id,
             tier, channel, category, count(*) AS n
           FROM cases GROUP BY 1, 2, 3, 4, 5""",
        """INSERT INTO visit_summaries (span, day, version_id, process_key, kind, element_id, source_id, tier,
             channel, category, times, cases)
           SELECT 'day', g.day, g.version_id, t.process_key, t.kind, t.element_id, t.source_id, g.tier, g.channel,
             g.category, greatest(1, round(g.n * t.share * 1.15)), greatest(1, round(g.n * t.share))
           FROM bench_groups g JOIN bench_template t ON t.tier = g.tier""",
        """INSERT INTO task_time_summaries (span, day, version_id, element_id, tier, channel, category, bucket,
             tasks, breaches, seconds)
           SELECT 'day', g.day, g.version_id, t.element_id, g.tier, g.channel, g.category,
             CASE WHEN s < 86400 THEN floor(s / 60) * 60 WHEN s < 2592000 THEN floor(s / 3600) * 3600
                  ELSE floor(s / 86400) * 86400 END,
             ceil(g.n / least(g.n, 8)), CASE WHEN k > 6 THEN ceil(g.n / least(g.n, 8)) ELSE 0 END,
             ceil(g.n / least(g.n, 8)) * s
           FROM bench_groups g JOIN bench_tasks t ON t.tier = g.tier,
             LATERAL generate_series(1, least(g.n, 8)::int) k,
             LATERAL (SELECT (t.minutes * 60 * k * k + (g.n % 7) * 60)::float AS s) d
           ON CONFLICT DO NOTHING""",
        # the month rows: the day rows added up
        """INSERT INTO visit_summaries
           SELECT 'month', date_trunc('month', day)::date, version_id, process_key, kind, element_id, source_id,
             tier, channel, category, sum(times), sum(cases)
           FROM visit_summaries WHERE span = 'day' GROUP BY 2, 3, 4, 5, 6, 7, 8, 9, 10""",
        """INSERT INTO task_time_summaries
           SELECT 'month', date_trunc('month', day)::date, version_id, element_id, tier, channel, category, bucket,
             sum(tasks), sum(breaches), sum(seconds)
           FROM task_time_summaries WHERE span = 'day' GROUP BY 2, 3, 4, 5, 6, 7, 8""",
    ]


def share(key: str, name: str) -> float:
    """The part of a day's cases that pass an element or flow: 0.2 to 0.99, fixed per element."""
    return (zlib.crc32(f"{key}.{name}".encode()) % 80 + 20) / 100


def templates(session) -> tuple[list[dict], list[dict]]:
    """Every element and flow of each tier's processes with a share of the cases, and the tier path's tasks."""
    latest = {v.process_key: v for v in session.scalars(select(ProcessVersion).order_by(ProcessVersion.id))}
    shown = {key: diagram(session, v) for key, v in latest.items()}
    elements, tasks = [], []
    for tier in sorted(set(TIERS)):
        keys = [k for k in shown if not k.endswith("_path") or k == f"{tier}_path"]
        for key in keys:
            found = shown[key]
            for element, kind in found.kinds.items():
                if kind not in NOT_SHADED:
                    elements.append(dict(tier=tier, process_key=key, kind="element", source_id="",
                                         element_id=element, share=share(key, element)))  # fmt: skip
            for source, target in found.flows:
                elements.append(dict(tier=tier, process_key=key, kind="flow", source_id=source,
                                     element_id=target, share=share(key, f"{source}>{target}")))  # fmt: skip
        path = shown[f"{tier}_path"]
        for rank, element in enumerate(sorted(e for e, kind in path.kinds.items() if kind in TASK_KINDS)):
            tasks.append(dict(tier=tier, element_id=element, rank=rank, minutes=5 + rank * 13))
    return elements, tasks


def fill(db: Database) -> None:
    began = perf_counter()
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(db.engine)
    with db.session() as session:
        accounts.ensure_departments(session)
        session.commit()
        deployment.deploy(
            session,
            deployment.read_paths([PROCESSES]),
            actor="bench",
            clock=FrozenClock(datetime(2025, 12, 1, tzinfo=UTC)),
        )
        complaint = session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == "complaint"))
        elements, tasks = templates(session)
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_template (tier text, process_key text, kind text, source_id text, "
                          "element_id text, share float)"))  # fmt: skip
        conn.execute(text("CREATE TABLE bench_tasks (tier text, element_id text, rank int, minutes int)"))
        conn.execute(
            text(
                "INSERT INTO bench_template VALUES (:tier, :process_key, :kind, :source_id, :element_id, :share)"
            ),
            elements,
        )
        conn.execute(text("INSERT INTO bench_tasks VALUES (:tier, :element_id, :rank, :minutes)"), tasks)
        for statement in fill_sql(complaint):
            step = perf_counter()
            conn.execute(text(statement))
            print(
                f"  {statement.split()[0]} {statement.split()[2]}: {perf_counter() - step:.0f} s", flush=True
            )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"filled in {perf_counter() - began:.0f} s", flush=True)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZONE).astimezone(UTC)


def measure(db: Database, runs: int) -> list[tuple[str, float, float, int]]:
    def days(first: date, last: date) -> dict:
        return {"received_from": midnight(first), "received_before": midnight(last)}

    month = days(date(2026, 12, 1), date(2027, 1, 1))  # a calendar month: its month rows
    across = days(date(2026, 11, 16), date(2026, 12, 16))  # 30 days of day rows
    year = days(date(2026, 1, 1), date(2027, 1, 1))  # twelve months
    most = days(date(2026, 1, 16), date(2027, 1, 1))  # 16 days and eleven months
    found = []
    with db.session() as session:
        for key, narrow in (
            ("general_path", {"tier": "general", "channel": "app", "category": "service_attitude"}),
            ("urgent_path", {"tier": "urgent", "channel": "phone", "category": "card_theft"}),
        ):
            version = session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == key))
            for label, wanted in (
                ("December", Filter(**month)),
                ("16 Nov-15 Dec", Filter(**across)),
                ("2026", Filter(**year)),
                ("16 Jan-31 Dec", Filter(**most)),
                ("16 Nov-15 Dec, tier+channel+category", Filter(**across, **narrow)),
                ("2026, tier+channel+category", Filter(**year, **narrow)),
            ):
                heatmap(session, version, wanted, NOW)  # warm-up
                session.rollback()
                times = []
                for _ in range(runs):
                    began = perf_counter()
                    cases = heatmap(session, version, wanted, NOW).cases
                    times.append((perf_counter() - began) * 1000)
                    session.rollback()
                times.sort()
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                found.append((f"{key} {label}", statistics.median(times), p95, cases))
    return found


def hook_cost(url: str, rounds: int) -> tuple[float, float, float, int]:
    """Median ms per closed urgent case with and without the summaries; ms per ``after_step`` call."""
    from bench import path_heatmap
    from engine.models import Customer
    from engine.reports import demo as closed_demo

    with tempfile.TemporaryDirectory() as directory:
        db = path_heatmap.database(url, Path(directory), "bench_visits_steps")
        clock = FrozenClock(path_heatmap.NOW)
        path_heatmap.seed(db, clock)
        real = summaries.after_step
        spent, calls = [0.0], [0]

        def counted(*args, **kwargs):
            began = perf_counter()
            real(*args, **kwargs)
            spent[0] += perf_counter() - began
            calls[0] += 1

        timed = {True: [], False: []}
        for n in range(rounds * 2):
            on = n % 2 == 0
            summaries.after_step = counted if on else (lambda *args, **kwargs: None)
            with db.session() as session:
                session.execute(
                    update(Customer)
                    .where(Customer.external_id == closed_demo.CUSTOMER)
                    .values(external_id=f"d{n}")
                )
                session.commit()
                began = perf_counter()
                closed_demo.seed_closed_case(session, clock)
                timed[on].append((perf_counter() - began) * 1000)
        summaries.after_step = real
        db.engine.dispose()
        path_heatmap.drop(url, "bench_visits_steps")
    per_call = spent[0] * 1000 / calls[0] if calls[0] else 0.0
    return statistics.median(timed[True]), statistics.median(timed[False]), per_call, calls[0] // rounds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--fill", action="store_true")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10, help="part 2: cases with and without (0: skip)")
    args = parser.parse_args(argv)
    db = Database.connect(args.url)
    if args.fill:
        fill(db)
    with db.engine.connect() as conn:
        counts = {
            name: conn.scalar(text(f"SELECT count(*) FROM {name}"))
            for name in ("cases", "work_items", "visit_summaries", "task_time_summaries")
        }
        waiting = conn.scalar(text("SELECT count(*) FROM work_items WHERE state IN ('ready', 'claimed')"))
    print(", ".join(f"{n:,} {name}" for name, n in counts.items()) + f"; {waiting:,} tasks waiting")
    print(f"load before: {os.getloadavg()[0]:.1f}")
    print(f"{'heatmap':48} {'p50':>7} {'p95':>7}  (ms; cases)")
    for label, p50, p95, cases in measure(db, args.runs):
        print(f"{label:48} {p50:7.0f} {p95:7.0f}  ({cases:,})")
    print(f"load after: {os.getloadavg()[0]:.1f}")
    db.engine.dispose()
    if args.rounds:
        with_summaries, without, per_call, calls = hook_cost(args.url, args.rounds)
        print(
            f"closed urgent case, intake to close: {with_summaries:.0f} ms with the summaries kept, {without:.0f} ms "
            f"without ({(with_summaries / without - 1) * 100:+.1f} %); after_step {per_call:.2f} ms per call, "
            f"{calls} calls per case"
        )


if __name__ == "__main__":
    main()
