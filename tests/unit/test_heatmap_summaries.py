"""The heatmap from the summary tables the engine step keeps (engine/runtime/summaries.py) against the live
computation over every row (``live_heatmap``): cases worked through the real engine over two of the bank's days
(general and urgent paths, late tasks, a fired timer, a re-triage that moves a case to another path, one that
changes only its category), compared for every filter; and the backfill that rebuilds the tables.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from engine.cases import retriage
from engine.models import ElementVisit, ProcessVersion, TaskTimeSummary, VisitSummary, WorkItem, WorkItemState
from engine.reports.heatmap import ElementHeat, Filter, heatmap, live_heatmap
from engine.runtime import summaries
from engine.timers.sla import sweep
from tests.conftest import fresh
from tests.unit import test_complaint_paths as paths
from tests.unit.test_complaint_paths import file, work

engine, people = paths.engine, paths.people  # the fixtures: the shipped processes deployed, the staff

SHANGHAI = ZoneInfo("Asia/Shanghai")


def correct(engine, case, who, **changes):
    values = {"tier": case.tier, "category": case.category, "priority": case.priority, "reason": "Checked"}
    return retriage.retriage(engine, case.id, actor=who, **(values | changes))


@pytest.fixture
def worked(engine, session, clock, people, db):
    """Cases received on 2 March (09:00 Shanghai on) and 3 March, worked, re-triaged and swept; read 3 days on."""
    ann, otto, rita, sue = people["ann"], people["otto"], people["rita"], people["sue"]
    start = clock()
    rude = file(engine, "The clerk was rude", "service_attitude", customer="C-1").case
    fee = file(engine, "Fee charged twice", "fee_dispute", amount=20, customer="C-2").case
    slow = file(engine, "The app is slow", "service_attitude", customer="C-3", channel="app").case
    theft = file(engine, "My card was stolen 我的卡被盗刷", "card_theft", amount=5000, customer="C-4").case
    debit = file(engine, "A payment I do not recognise", "fee_dispute", amount=3000, customer="C-5").case
    clock.set(start + timedelta(minutes=40))
    work(engine, session, theft.id, "contact_customer", ann)
    clock.set(start + timedelta(hours=1))
    work(engine, session, rude.id, "tell_direction", ann)
    work(engine, session, debit.id, "tell_direction", ann)
    clock.set(start + timedelta(hours=2, minutes=7))
    work(engine, session, theft.id, "join_operations", otto)  # the task force forms
    work(engine, session, theft.id, "apply_safeguards", otto)
    work(engine, session, rude.id, "propose_settlement", ann, {"compensation_amount": 0, "apology": "Sorry"})
    session.refresh(debit)
    correct(engine, debit, sue, tier="urgent", category="abnormal_transaction", priority="P1")
    clock.set(start + timedelta(hours=5))
    work(engine, session, fee.id, "tell_direction", ann)
    work(engine, session, debit.id, "contact_customer", ann)
    clock.set(start + timedelta(days=1, hours=2))
    sweep(db.session, clock)  # the deadlines that passed overnight
    late = file(engine, "Rude again", "service_attitude", customer="C-6", channel="app").case
    clock.set(start + timedelta(days=1, hours=3, minutes=30))
    work(engine, session, late.id, "tell_direction", ann)
    work(engine, session, theft.id, "join_risk", rita)
    work(engine, session, theft.id, "trace_funds", rita)
    session.refresh(slow)
    correct(engine, slow, sue, category="fee_dispute")  # the same path: only its category changes
    clock.set(start + timedelta(days=3))
    sweep(db.session, clock)
    fresh(session)
    return start


def versions(session) -> list[ProcessVersion]:
    return session.scalars(select(ProcessVersion).order_by(ProcessVersion.id)).all()


def local(day: int, hour: int = 0) -> datetime:
    """Midnight (or an hour) of the day ``day`` days after 2 March, in Shanghai, as UTC."""
    moment = datetime.combine(datetime(2026, 3, 2).date() + timedelta(days=day), time(hour), tzinfo=SHANGHAI)
    return moment.astimezone(ZoneInfo("UTC"))


def filters(start: datetime) -> list[Filter]:
    ranges = [
        {},
        {"received_from": local(0), "received_before": local(1)},  # 2 March, as the page asks
        {"received_from": local(1), "received_before": local(2)},  # 3 March
        {"received_from": local(1)},
        {"received_before": local(1)},
        {"received_from": local(-5), "received_before": local(30)},
        {"received_from": start + timedelta(minutes=1)},  # part-days at a bound: counted live
        {"received_from": local(0, 9), "received_before": local(1, 20)},
        {"received_from": start, "received_before": start + timedelta(hours=1)},
    ]
    dims = [
        {},
        {"tier": "general"},
        {"tier": "urgent"},
        {"channel": "phone"},
        {"channel": "app"},
        {"category": "service_attitude"},
        {"category": "fee_dispute"},
        {"category": "abnormal_transaction"},
        {"tier": "general", "channel": "app", "category": "fee_dispute"},
    ]
    return [Filter(**r, **d) for r in ranges for d in dims]


def widest_bucket(session, element: str) -> int:
    longest = max(
        (
            (i.completed_at - i.created_at).total_seconds()
            for i in session.scalars(
                select(WorkItem).where(WorkItem.spec_id == element, WorkItem.state == WorkItemState.COMPLETED)
            )
        ),
        default=0.0,
    )
    return summaries.bucket(longest)[1]


def assert_same(session, version, wanted, now):
    kept, live = heatmap(session, version, wanted, now), live_heatmap(session, version, wanted, now)
    where = f"{version.process_key} v{version.version} {wanted}"
    assert (kept.cases, kept.flows) == (live.cases, live.flows), where
    for element in set(kept.elements) | set(live.elements):
        a, b = kept.elements.get(element, ElementHeat()), live.elements.get(element, ElementHeat())
        figures = ("cases", "times", "open", "done", "breaches")
        assert [getattr(a, f) for f in figures] == [getattr(b, f) for f in figures], (where, element)
        for name in ("median_seconds", "p90_seconds"):
            mine, exact = getattr(a, name), getattr(b, name)
            assert (mine is None) == (exact is None), (where, element, name)
            if exact is not None:
                assert abs(mine - exact) <= widest_bucket(session, element), (where, element, name)
    return kept


def test_the_summaries_give_the_live_figures_for_every_filter(session, clock, worked):
    checked = 0
    for version in versions(session):
        for wanted in filters(worked):
            found = assert_same(session, version, wanted, clock())
            checked += bool(found.elements)
    assert checked > 50  # the filters chose cases, not only empty heatmaps
    general = next(v for v in versions(session) if v.process_key == "general_path")
    everything = heatmap(session, general, Filter(), clock())
    assert everything.cases == 5 and everything.elements["tell_direction"].breaches >= 1
    urgent = next(v for v in versions(session) if v.process_key == "urgent_path")
    moved = heatmap(session, urgent, Filter(category="abnormal_transaction"), clock())
    assert moved.cases == 1 and moved.elements["contact_customer"].done == 1


def test_a_re_triage_moves_the_case_to_its_new_triage(session, clock, worked):
    general = next(v for v in versions(session) if v.process_key == "general_path")
    # The debit was filed as a general fee dispute, worked there, then corrected to urgent: it counts under
    # its new triage only, with the work it did on the general path.
    assert heatmap(session, general, Filter(tier="urgent"), clock()).elements["tell_direction"].cases == 1
    assert heatmap(session, general, Filter(category="fee_dispute", channel="phone"), clock()).cases == 1
    kept_rows = session.scalars(select(VisitSummary).where(VisitSummary.times != 0)).all()
    assert {r.tier for r in kept_rows if r.process_key == "urgent_path"} == {"urgent"}


def test_the_heatmap_of_whole_days_reads_only_the_summaries(session, clock, worked):
    general = next(v for v in versions(session) if v.process_key == "general_path")
    days = Filter(received_from=local(0), received_before=local(2))
    before = heatmap(session, general, days, clock())
    session.execute(delete(ElementVisit))
    session.commit()
    after = heatmap(session, general, days, clock())
    assert (after.cases, after.flows) == (before.cases, before.flows) and after.cases == 5
    assert live_heatmap(session, general, days, clock()).cases == 0


def summary_rows(session) -> tuple[dict, dict]:
    visits = {
        (
            r.span,
            r.day,
            r.version_id,
            r.process_key,
            r.kind,
            r.element_id,
            r.source_id,
            r.tier,
            r.channel,
            r.category,
        ): (
            r.times,
            r.cases,
        )
        for r in session.scalars(select(VisitSummary))
        if r.times or r.cases
    }
    tasks = {
        (r.span, r.day, r.version_id, r.element_id, r.tier, r.channel, r.category, r.bucket): (
            r.tasks,
            r.breaches,
            pytest.approx(r.seconds),
        )
        for r in session.scalars(select(TaskTimeSummary))
        if r.tasks or r.breaches
    }
    return visits, tasks


def test_the_backfill_rebuilds_what_the_steps_kept_and_again_the_same(session, clock, worked):
    kept = summary_rows(session)
    assert kept[0] and kept[1]
    assert min(r[0] for r in kept[0].values()) > 0  # no count went below zero
    session.execute(delete(VisitSummary))
    session.execute(delete(TaskTimeSummary))
    session.commit()
    done = summaries.backfill(session, SHANGHAI, batch=2)  # several batches
    session.commit()
    assert done.cases == 6 and done.visit_rows == session.scalar(
        select(func.count()).select_from(ElementVisit)
    )
    assert summary_rows(session) == kept
    summaries.backfill(session, SHANGHAI)
    session.commit()
    assert summary_rows(session) == kept
    for version in versions(session):
        assert_same(session, version, Filter(), clock())


def test_the_days_are_the_banks(session, clock, worked):
    # The first cases came in at 09:00 in Shanghai on 2 March; the sixth at 11:00 on 3 March (03:00 UTC).
    rows = session.scalars(select(VisitSummary)).all()
    assert {r.day.isoformat() for r in rows if r.span == "day"} == {"2026-03-02", "2026-03-03"}
    assert {r.day.isoformat() for r in rows if r.span == "month"} == {"2026-03-01"}  # and again per month


def test_buckets_and_the_percentile_of_a_histogram():
    assert summaries.bucket(59.9) == (0, 60) and summaries.bucket(86399) == (86340, 60)
    assert summaries.bucket(86400) == (86400, 3600) and summaries.bucket(30 * 86400 + 5) == (
        30 * 86400,
        86400,
    )
    assert summaries.percentile([], 0.5) is None
    assert summaries.percentile([(3600, 1, 3610.0)], 0.9) == 3610.0  # one task alone: its own time
    # Ten tasks of 5 min 0 s to 5 min 54 s: the estimate stays inside their minute.
    estimate = summaries.percentile([(300, 10, sum(300 + 6 * i for i in range(10)))], 0.5)
    assert 300 <= estimate < 360 and abs(estimate - 327) < 6
