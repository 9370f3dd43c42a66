"""The figures at a million cases on PostgreSQL: each dashboard query's p50/p95, and the monthly review's time.

The rows are generated with SQL straight into the projection tables (``generate_series``), not run through the
engine: a year of complaints, one every 31.5 seconds (1,000,000 cases), each with three work items (a frontline
contact, another department's task, the follow-up visit), an app message to a third of the customers, survey
answers for 60% (each with its tier's question), approvals and compensation for 5%, escalations for 7%,
repeats for 4%. The figures read only these tables, so nothing else is needed.

    .venv/bin/python -m bench.figures --fill          # (re)create and fill the database, roll it up, measure
    .venv/bin/python -m bench.figures --rebuild       # rebuild the roll-up of a filled database, then measure
    .venv/bin/python -m bench.figures                 # measure a filled and rolled-up database

The fill loads the tables with the roll-up's triggers switched off (``session_replication_role = replica``, as a
bulk load would), then rebuilds the daily roll-up (engine/reports/rollup.py) as of ``NOW``, after the last
generated row, and says how long that took. Each figure is timed through ``figures.compute`` (the roll-up) over
30 days and the whole year, and over the 30 days again with one day changed since the refresh (a late change
logged for 15 November: that day is computed live), and over the year for one tier (the rows split by tier,
channel and category).

``--url`` names the database (default ``postgresql://postgres@127.0.0.1:5432/bench_figures``; it must exist and
be a throwaway: ``--fill`` drops its ``public`` schema).
"""

from __future__ import annotations

import argparse
import os
import statistics
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from time import perf_counter

from sqlalchemy import text

from engine.models.figures import FigureDirty
from engine.reports import figures_kpis, monthly, monthly_render, regulatory, rollup
from engine.reports.figures import Filters, cases_behind, compute
from engine.store.db import Database
from engine.store.schema import upgrade

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_figures"
NOW = datetime(2027, 3, 1, tzinfo=UTC)  # after every generated row: every day of 2026 can be rolled up
TIMEZONE = "Asia/Shanghai"
CASES = 1_000_000
AGENTS = 50
DESCRIPTIONS = [
    "手机银行APP卡顿，转账一直失败",
    "APP卡顿严重，登录不上",
    "理财产品收益与宣传不符",
    "理财收益不符，销售时承诺年化5%",
    "信用卡年费被重复扣除",
    "年费重复扣了两次，要求退还",
    "网点排队时间太长，柜员态度差",
    "我的信用卡在境外被盗刷",
    "账户被冻结，无法转账",
    "贷款利率与合同约定不一致",
    "短信验证码收不到",
    "分期手续费收取不合理",
]

FILL = [
    # the version the cases run on, and the agents who own them
    """INSERT INTO deployments (id, deployed_at, deployed_by) VALUES (1, now(), 'bench')""",
    """INSERT INTO process_versions (id, process_key, version, name, sha256, deployment_id, source_file, spec_json,
         forms, lanes, created_at)
       VALUES (1, 'complaint', 1, 'Complaint', repeat('0', 64), 1, 'complaint.bpmn', '{}', '{}', '[]', now())""",
    f"""INSERT INTO users (id, username, display_name, role, active, created_at, notices_seen_id)
       SELECT a, 'agent' || a, 'Agent ' || a, 'agent', true, now(), 0 FROM generate_series(1, {AGENTS}) a""",
    # a year of complaints
    f"""INSERT INTO cases (id, reference, process_key, process_version_id, status, title, tier, owner_id,
         started_by, channel, business_type, category, description, received_at, cause_class, repeat_of_id,
         regulatory_days, regulatory_breached_at, decided_at, closed_at, compensation_paid, first_response_at, state,
         serializer_version, engine_version, revision, created_at, updated_at)
       SELECT g, 'B' || lpad(g::text, 12, '0'), 'complaint', 1,
         CASE WHEN g % 10 < 7 THEN 'completed' ELSE 'open' END, '',
         (ARRAY['urgent', 'general', 'general', 'general', 'advisory'])[1 + g % 5],
         CASE WHEN g % 50 = 7 THEN NULL ELSE 1 + g % {AGENTS} END, 'bench',
         (ARRAY['phone', 'app', 'web', 'branch', 'online_banking', 'social'])[1 + g % 6],
         (ARRAY['bank_card', 'deposit', 'loan', 'payment_settlement', 'wealth_management', 'other'])[1 + g % 6],
         (ARRAY['card_theft', 'fund_frozen', 'fee_dispute', 'fee_dispute', 'product_dispute', 'service_attitude',
                'business_inquiry', 'suggestion'])[1 + g % 8],
         (ARRAY[{", ".join(repr(d) for d in DESCRIPTIONS)}])[1 + (g * 7) % {len(DESCRIPTIONS)}],
         r,
         (ARRAY['fund_safety', 'pricing_fees', 'information_disclosure', 'contract_terms', 'service_attitude',
                'other'])[1 + g % 6],
         CASE WHEN g % 25 = 0 AND g > 1000 THEN g - 1000 END,
         15,
         CASE WHEN g % 10 < 8 AND g % 37 > 20 THEN r + interval '15 days' END,
         CASE WHEN g % 10 < 8 THEN r + (g % 37) * interval '1 day' + (g % 600) * interval '1 minute' END,
         CASE WHEN g % 10 < 7 THEN r + (g % 37 + 1 + g % 5) * interval '1 day' END,
         CASE WHEN g % 20 = 0 THEN 100 + g % 5000 END,
         CASE WHEN g % 3 = 0 THEN r + (g % 90) * interval '1 second' ELSE r + (g % 400) * interval '1 minute' END,
         '{{}}', '1', 'bench', 1, r, r
       FROM generate_series(1, {CASES}) g,
            LATERAL (SELECT timestamptz '2026-01-01 00:00+00' + g * interval '31.5 seconds' AS r) t""",
    # three work items per case: the frontline contact, another department's task, the follow-up visit
    f"""INSERT INTO work_items (id, case_id, task_id, spec_id, name, lane, tier, state, assignee_id, form,
         created_at, due_at, claimed_at, completed_at, completed_by_id, escalation_level)
       SELECT c.id * 4 + k, c.id, c.id || '-' || k,
         (ARRAY['contact_customer', 'trace_funds', 'follow_up_visit'])[k],
         (ARRAY['Contact the customer', 'Trace the funds', 'Follow-up visit'])[k],
         (ARRAY['frontline', (ARRAY['risk', 'operations', 'product', 'compliance'])[1 + c.id % 4],
                'frontline'])[k],
         c.tier,
         CASE WHEN c.status = 'completed' OR k < 3 THEN 'completed' ELSE 'ready' END,
         c.owner_id,
         (ARRAY['contact.schema.json', 'root_cause.schema.json', 'survey.schema.json'])[k],
         c.received_at,
         c.received_at + (ARRAY[interval '4 hours', interval '2 hours', interval '3 days'])[k],
         c.received_at,
         CASE WHEN c.status = 'completed' OR k < 3 THEN
           c.received_at + (c.id % (ARRAY[400, 200, 5000])[k]) * interval '1 minute' END,
         CASE WHEN c.status = 'completed' OR k < 3 THEN 1 + (c.id + k) % {AGENTS} END,
         0
       FROM cases c, generate_series(1, 3) k""",
    # an approval on 5% of the cases (the fourth work item)
    """INSERT INTO work_items (id, case_id, task_id, spec_id, name, lane, tier, state, form, created_at,
         due_at, completed_at, completed_by_id, escalation_level)
       SELECT id * 4 + 4, id, id || '-4', 'approve_supervisor', 'Approve the settlement (supervisor)',
         'supervisor', tier, 'completed', 'approval.schema.json', received_at, NULL,
         received_at + interval '1 day', 1, 0
       FROM cases WHERE id % 20 = 0""",
    # an app message to a third of the customers (the knowledge base's answer, the safeguards notice)
    """INSERT INTO outbox (case_id, channel, recipient, template, payload, status, attempts, created_at,
         next_attempt_at, sent_at)
       SELECT id, 'app_push', '13800000000', 'kb_answer', '{}', 'sent', 1,
         received_at + (id % 90) * interval '1 second', received_at, received_at
       FROM cases WHERE id % 3 = 0""",
    # answers: the survey of 60% of the cases, the root causes, the approvals
    # (each with its tier's own question, skipped by one customer in 13)
    f"""INSERT INTO task_answers (case_id, work_item_id, spec_id, name, form, answered_at, answered_by_id,
         resolved, satisfaction, recommend, really_solved, other_needs, advice_worked)
       SELECT id, id * 4 + 3, 'follow_up_visit', 'Follow-up visit', 'survey.schema.json', closed_at,
         1 + id % {AGENTS}, id % 9 <> 0, 1 + id % 5, id % 11,
         CASE WHEN tier = 'urgent' AND id % 13 <> 0 THEN id % 5 <> 0 END,
         CASE WHEN tier = 'general' AND id % 13 <> 0 THEN id % 4 = 0 END,
         CASE WHEN tier = 'advisory' AND id % 13 <> 0 THEN id % 6 <> 0 END
       FROM cases WHERE status = 'completed' AND id % 10 < 6""",
    """INSERT INTO task_answers (case_id, work_item_id, spec_id, name, form, answered_at, root_cause)
       SELECT id, id * 4 + 2, 'trace_funds', 'Trace the funds', 'root_cause.schema.json', received_at,
         (ARRAY['Card skimmed at an ATM', 'Phishing SMS', 'Batch job charged twice'])[1 + id % 3]
       FROM cases WHERE tier = 'urgent'""",
    """INSERT INTO task_answers (case_id, work_item_id, spec_id, name, form, answered_at, approved)
       SELECT id, id * 4 + 4, 'approve_supervisor', 'Approve the settlement (supervisor)',
         'approval.schema.json', received_at + interval '1 day', id % 60 <> 0
       FROM cases WHERE id % 20 = 0""",
    # missed deadlines on 7% of the cases
    """INSERT INTO escalations (case_id, work_item_id, source, recipient, step, limit_text, level, created_at,
         resolved_at)
       SELECT id, id * 4 + 2, 'diagram', '', 'trace_funds', '2 hours from receipt', 1,
         received_at + interval '2 hours', CASE WHEN status = 'completed' THEN closed_at END
       FROM cases WHERE id % 15 = 0""",
]
SEQUENCES = ("deployments", "process_versions", "users", "cases", "work_items", "outbox", "task_answers",
             "escalations")  # fmt: skip


def fill(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(database.engine)
    for statement in FILL:
        started = perf_counter()
        with database.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # a bulk load: no triggers
            rows = conn.execute(text(statement)).rowcount
        print(f"  {rows:>9,} rows in {perf_counter() - started:6.1f} s: {statement.split('(')[0].strip()}")
    with database.engine.begin() as conn:
        for table in SEQUENCES:
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def rebuild(database: Database) -> None:
    started = perf_counter()
    done = rollup.refresh(database.session, NOW, TIMEZONE, rebuild=True)
    print(f"roll-up rebuilt in {perf_counter() - started:.0f} s: {done}; load {load()}")
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE figure_days"))
        conn.execute(text("VACUUM ANALYZE figure_built"))
        rows = conn.execute(text("SELECT count(*) FROM figure_days")).scalar()
    print(f"figure_days: {rows:,} rows")


def load() -> str:
    return " ".join(f"{n:.1f}" for n in os.getloadavg())


def timed(fn, runs: int) -> list[float]:
    fn()  # warm: the first run reads from disk
    times = []
    for _ in range(runs):
        started = perf_counter()
        fn()
        times.append((perf_counter() - started) * 1000)
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def measure(database: Database, runs: int) -> None:
    month = Filters.for_month(2026, 11)
    year = Filters.for_days(
        datetime(2026, 1, 1, tzinfo=UTC).date(), datetime(2026, 12, 31, tzinfo=UTC).date()
    )
    kpis = list(figures_kpis.KPIS.values()) + list(regulatory.KPIS.values())
    general = Filters.for_days(year.first_day, year.last_day, TIMEZONE, tier="general")  # the split rows
    changed = datetime(2026, 11, 15, 4, 0, tzinfo=UTC)
    print(f"load at the start: {load()}")
    with database.session() as session:
        total = session.execute(text("SELECT count(*) FROM cases")).scalar()
        in_month = compute(session, figures_kpis.VOLUME_BY_TIER, month).total("cases")
        print(f"{total:,} cases; {in_month:,} received in 2026-11")
        print(
            f"{'query':<30} {'30 days: p50':>13} {'p95':>6}   {'1 year: p50':>12} {'p95':>6}"
            f"   {'30 days, 1 changed: p50':>24} {'p95':>6}   {'1 year, general: p50':>21} {'p95':>6}  (ms)"
        )

        def row(name, fn):
            short = timed(lambda: fn(month), runs)
            long = timed(lambda: fn(year), runs)
            session.add(FigureDirty(at=changed))  # a late change to 15 November, logged by the triggers
            session.flush()
            dirty = timed(lambda: fn(month), runs)
            session.rollback()
            narrow = timed(lambda: fn(general), runs)
            print(
                f"{name:<30} {statistics.median(short):>13.0f} {p95(short):>6.0f}   "
                f"{statistics.median(long):>12.0f} {p95(long):>6.0f}   "
                f"{statistics.median(dirty):>24.0f} {p95(dirty):>6.0f}   "
                f"{statistics.median(narrow):>21.0f} {p95(narrow):>6.0f}"
            )

        for kpi in kpis:
            row(kpi.key, lambda f, k=kpi: compute(session, k, f))
        row("resolution p90 (percentile)", lambda f: rollup.resolution_percentile(session, f, 0.9))
        behind = timed(
            lambda: cases_behind(session, figures_kpis.FIRST_RESPONSE, month, "within_limit", "general"), runs
        )
        print(
            f"{'cases behind a number (1,000)':<30} {statistics.median(behind):>13.0f} {p95(behind):>6.0f}"
            "   (30 days; always live)"
        )
        page = timed(lambda: [compute(session, k, month) for k in figures_kpis.KPIS.values()], 3)
        count = len(figures_kpis.KPIS)
        print(f"the dashboard's {count} figures together, 30 days: median {statistics.median(page):.0f} ms")
        print(f"load after the queries: {load()}")
        with TemporaryDirectory() as folder:
            for attempt in range(2):
                started = perf_counter()
                review = monthly.build(session, 2026, 11, datetime.now(UTC))
                built = perf_counter() - started
                written = monthly_render.write(review, Path(folder))
                took = perf_counter() - started
                print(
                    f"monthly review 2026-11, run {attempt + 1}: built in {built:.1f} s, with HTML+PDF+XLSX "
                    f"{took:.1f} s ({', '.join(f'{p.suffix} {p.stat().st_size // 1024} KiB' for p in written)}); "
                    f"{len(review.themes)} themes from {review.themed_cases} descriptions, "
                    f"{len(review.breaches)} breaches, {len(review.open_actions)} open actions"
                )
            print("top themes:", "; ".join(f"{t.name} ({t.cases})" for t in review.themes[:5]))
    print(f"load at the end: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--fill", action="store_true", help="(re)create and fill the database first")
    parser.add_argument(
        "--rebuild", action="store_true", help="rebuild the roll-up first (after --fill: always)"
    )
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    database = Database.connect(args.url)
    if args.fill:
        started = perf_counter()
        fill(database)
        print(f"filled in {perf_counter() - started:.0f} s; load {load()}")
    if args.fill or args.rebuild:
        rebuild(database)
    measure(database, args.runs)


if __name__ == "__main__":
    main()
