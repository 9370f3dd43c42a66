"""Each figure computed on a small constructed set of cases whose answers are known by hand.

The rows are written straight into the projection tables (cases, work items, outbox, task answers), as the
engine would have left them, so that every number below can be worked out from the table in ``CASES``; and for
each number, the cases behind it are exactly the ones the table says.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from engine.cases import answers
from engine.models import Case, Deployment, OutboxMessage, ProcessVersion, WorkItem
from engine.reports import figures_kpis as k
from engine.reports.figures import Filters, Sql, cases_behind, compute, percentile

R0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, Monday 2 November
H, D = timedelta(hours=1), timedelta(days=1)
M = timedelta(minutes=1)

# name: (tier, channel, category, received after R0, owner, first frontline task done after receipt,
#        first customer message after receipt, decided after receipt, closed after receipt)
CASES = {
    "u1": ("urgent", "phone", "card_theft", 0 * H, "ann", 10 * M, None, 2 * D, 3 * D),
    "u2": ("urgent", "phone", "card_theft", 1 * H, "ann", 14 * M, 40 * M, 10 * D, 12 * D),
    "u3": ("urgent", "app", "fund_frozen", 2 * H, "bob", 30 * M, None, 20 * D, 22 * D),
    "u4": ("urgent", "app", "fund_frozen", 3 * H, None, None, None, None, None),
    "g1": ("general", "web", "fee_dispute", 4 * H, "ann", 1 * H, None, 14 * D, 16 * D),
    "g2": ("general", "web", "fee_dispute", 5 * H, "ann", 3 * H, None, 40 * D, 41 * D),
    # g3 to a2 are received on Tuesday in Shanghai (after 16:00 UTC on Monday)
    "g3": ("general", "branch", "service_attitude", 15 * H, "bob", 5 * H, None, 70 * D, None),
    "g4": ("general", "branch", "service_attitude", 16 * H, "ann", 30 * H, None, 5 * D, 6 * D),
    "a1": ("advisory", "app", "business_inquiry", 17 * H, "bob", None, 1 * M, 1 * D, 8 * D),
    "a2": ("advisory", "app", "suggestion", 18 * H, "ann", 25 * H, None, 3 * D, 10 * D),
}
ON_MONDAY = {"u1", "u2", "u3", "u4", "g1", "g2"}
REPEATS = {"g2": "u1", "g4": "old", "a2": "g1"}  # repeat -> the earlier case it was linked to
BREACHED = {"g2", "g3"}
PAID = {"g1": Decimal("300"), "g2": Decimal("4000")}
# (case, spec id, lane, due after receipt, done after receipt, completed by)
TASKS = [
    ("u1", "trace_funds", "risk", 2 * H, 1 * H, "rita"),
    ("u2", "trace_funds", "risk", 2 * H, 3 * H, "rita"),
    ("u3", "trace_funds", "risk", 2 * H, 2 * H, "rita"),
    ("g1", "explain_product", "product", 24 * H, 30 * H, "pia"),
    ("g1", "tell_direction", "frontline", 4 * H, 1 * H, "ann"),
    ("g2", "tell_direction", "frontline", 4 * H, 3 * H, "ann"),
    ("g3", "tell_direction", "frontline", 4 * H, 5 * H, "bob"),
]
# (case, satisfaction, recommend, resolved): in answering order; u1 answered twice (the rework's visit counts)
SURVEYS = [
    ("u1", 1, 0, False),
    ("u1", 5, 10, True),
    ("u2", 4, 9, True),
    ("g1", 3, 7, True),
    ("g2", 5, 6, True),
    ("g4", 2, 0, False),
    ("a1", None, 9, True),
]
# (case, approval task, approved)
APPROVALS = [
    ("g2", "approve_supervisor", False),
    ("g2", "approve_supervisor", True),
    ("g2", "approve_head", True),
]


def complaint_version(session, deployed_at) -> ProcessVersion:
    """A deployed complaint process version for cases written straight into the tables (no diagram)."""
    deployment = Deployment(deployed_at=deployed_at, deployed_by="tests")
    session.add(deployment)
    session.flush()
    version = ProcessVersion(
        process_key="complaint",
        version=1,
        sha256="0" * 64,
        deployment_id=deployment.id,
        source_file="complaint.bpmn",
        spec_json="{}",
        forms={},
        lanes=[],
        created_at=deployed_at,
    )
    session.add(version)
    session.flush()
    return version


@pytest.fixture
def world(session, make_user):
    users = {name: make_user(name) for name in ("ann", "bob", "rita", "pia")}
    version = complaint_version(session, R0 - 30 * D)

    def add_case(name, tier, channel, category, received, owner=None, **more):
        row = Case(
            reference=name,
            process_key="complaint",
            process_version_id=version.id,
            status="completed" if more.get("closed_at") else "open",
            tier=tier,
            channel=channel,
            category=category,
            received_at=received,
            owner_id=users[owner].id if owner else None,
            state="{}",
            serializer_version="1",
            engine_version="1",
            created_at=received,
            updated_at=received,
            **more,
        )
        session.add(row)
        session.flush()
        return row

    ids = {"old": add_case("old", "general", "web", "fee_dispute", R0 - 20 * D, "ann").id}
    for name, (tier, channel, category, after, owner, task, message, decided, closed) in CASES.items():
        received = R0 + after
        row = add_case(
            name,
            tier,
            channel,
            category,
            received,
            owner,
            decided_at=received + decided if decided else None,
            closed_at=received + closed if closed else None,
            regulatory_breached_at=received + 15 * D if name in BREACHED else None,
            compensation_paid=PAID.get(name),
        )
        ids[name] = row.id
        if task is not None:
            add_item(session, row, "contact", "frontline", None, received + task, users[owner])
        # an unfinished frontline task and a staff notice never count as a response
        add_item(session, row, "follow_up_visit", "frontline", None, None, None)
        session.add(outbox(row.id, "inbox", received + 1 * M))
        if message is not None:
            session.add(outbox(row.id, "app_push", received + message))
    # A case outside the range, answered at once and repeated: nothing of it may count.
    old = session.get(Case, ids["old"])
    add_item(session, old, "contact", "frontline", None, old.received_at + M, users["ann"])
    for name, earlier in REPEATS.items():
        session.get(Case, ids[name]).repeat_of_id = ids[earlier]
    for name, spec, lane, due, done, by in TASKS:
        row = session.get(Case, ids[name])
        add_item(session, row, spec, lane, row.received_at + due, row.received_at + done, users[by])
    for name, satisfaction, recommend, resolved in SURVEYS:
        owner = users[CASES[name][4]]
        data = {"resolved": resolved, "satisfaction": satisfaction, "recommend": recommend}
        answer(session, ids[name], "survey.schema.json", "Follow-up visit", owner, data)
    for name, task, approved in APPROVALS:
        answer(session, ids[name], "approval.schema.json", task, None, {"approved": approved})
    answers.backfill_first_responses(session)  # what the engine keeps as it goes
    session.commit()
    return ids, users


def add_item(session, case, spec, lane, due, done, by):
    item = WorkItem(
        case_id=case.id,
        task_id=str(uuid4()),
        spec_id=spec,
        name=spec,
        lane=lane,
        state="completed" if done else "ready",
        created_at=case.received_at,
        due_at=due,
        completed_at=done,
        completed_by_id=by.id if by and done else None,
    )
    session.add(item)
    session.flush()
    return item


def outbox(case_id, channel, at):
    return OutboxMessage(
        case_id=case_id,
        channel=channel,
        recipient="13800000000",
        template="t",
        payload={},
        created_at=at,
        next_attempt_at=at,
    )


def answer(session, case_id, form, name, by, data):
    """A task answered in November (its work item lies outside the task figures: another lane, no deadline)."""
    when = R0 + 10 * D
    item = add_item(session, session.get(Case, case_id), name, "answers", None, when, None)
    item.form = form
    answers.record(
        session, item, {k: v for k, v in data.items() if v is not None}, by.id if by else None, when
    )
    session.flush()


NOVEMBER = Filters.for_month(2026, 11)


def figure(session, kpi, filters=NOVEMBER):
    return compute(session, kpi, filters)


def behind(session, world, kpi, column, group=None, filters=NOVEMBER):
    ids, _ = world
    names = {v: n for n, v in ids.items()}
    return {names[i] for i in cases_behind(session, kpi, filters, column, group)}


def test_volume_by_day_counts_days_in_the_banks_time_zone(session, world):
    days = figure(session, k.VOLUME_BY_DAY)
    assert [(r.group, r.counts["cases"]) for r in days.rows] == [("2026-11-02", 6), ("2026-11-03", 4)]
    assert behind(session, world, k.VOLUME_BY_DAY, "cases", "2026-11-02") == ON_MONDAY


def test_volume_by_channel_category_and_tier(session, world):
    channels = figure(session, k.VOLUME_BY_CHANNEL)
    assert {r.group: r.counts["cases"] for r in channels.rows} == {
        "app": 4,
        "branch": 2,
        "phone": 2,
        "web": 2,
    }
    tiers = figure(session, k.VOLUME_BY_TIER)
    assert {r.group: r.counts["cases"] for r in tiers.rows} == {"advisory": 2, "general": 4, "urgent": 4}
    categories = figure(session, k.VOLUME_BY_CATEGORY)
    assert categories.row("fee_dispute").counts["cases"] == 2
    assert behind(session, world, k.VOLUME_BY_CATEGORY, "cases", "fund_frozen") == {"u3", "u4"}


def test_seven_of_ten_answered_within_24_hours_and_five_within_their_tiers_limit(session, world):
    response = figure(session, k.FIRST_RESPONSE)
    assert response.total("cases") == 10
    assert response.total("within_24h") == 7
    assert response.total("within_limit") == 5
    assert response.total("responded") == 9
    urgent = response.row("urgent")
    assert (urgent.counts["within_limit"], urgent.counts["within_24h"]) == (2, 3)
    assert behind(session, world, k.FIRST_RESPONSE, "within_limit", "urgent") == {"u1", "u2"}
    assert behind(session, world, k.FIRST_RESPONSE, "within_limit") == {"u1", "u2", "g1", "g2", "a1"}
    assert behind(session, world, k.FIRST_RESPONSE, "within_24h", "advisory") == {"a1"}
    # u2: the frontline task after 14 minutes came before the app push at 40
    assert response.row("urgent").means["hours"] == pytest.approx((10 + 14 + 30) / 60 / 3)


def test_a_filter_by_tier_or_channel_narrows_every_figure(session, world):
    urgent = Filters.for_month(2026, 11, tier="urgent")
    assert figure(session, k.FIRST_RESPONSE, urgent).total("cases") == 4
    on_app = Filters.for_month(2026, 11, channel="app")
    assert behind(session, world, k.VOLUME_BY_TIER, "cases", filters=on_app) == {"u3", "u4", "a1", "a2"}
    tuesday = Filters.for_days(date(2026, 11, 3), date(2026, 11, 3))
    assert figure(session, k.REPEATS, tuesday).total("repeats") == 2


def test_on_time_per_task_and_per_department(session, world):
    tasks = figure(session, k.ON_TIME_BY_TASK)
    trace = tasks.row("trace_funds")
    assert (trace.counts["tasks"], trace.counts["on_time"], trace.counts["late"]) == (3, 2, 1)
    assert trace.rate("on_time", "tasks") == pytest.approx(2 / 3)
    assert behind(session, world, k.ON_TIME_BY_TASK, "late", "trace_funds") == {"u2"}
    lanes = figure(session, k.ON_TIME_BY_LANE)
    assert {r.group: (r.counts["on_time"], r.counts["tasks"]) for r in lanes.rows} == {
        "frontline": (2, 3),
        "product": (0, 1),
        "risk": (2, 3),
    }


def test_resolution_time_distribution_average_and_90th_percentile(session, world):
    resolution = figure(session, k.RESOLUTION)
    assert {r.group: r.counts["cases"] for r in resolution.rows} == {
        "1–3d": 1,
        "3–7d": 1,
        "7–15d": 3,
        "15–30d": 2,
        "30–60d": 1,
    }
    assert behind(session, world, k.RESOLUTION, "cases", "7–15d") == {"u2", "a1", "a2"}
    days = sorted([3, 12, 22, 16, 41, 6, 8, 10])
    assert resolution.total("cases") == 8
    overall = sum(r.means["hours"] * r.counts["cases"] for r in resolution.rows) / 8
    assert overall == pytest.approx(sum(days) * 24 / 8)
    p90 = percentile(session, k.resolution_hours(NOVEMBER, Sql.of(session, NOVEMBER)), 0.9)
    assert p90 == pytest.approx(41 * 24)  # nearest rank: the 8th of 8


def test_regulatory_decisions_within_15_30_60_days_and_outstanding(session, world):
    rule = figure(session, k.REGULATORY).row(k.ALL).counts
    assert rule == {
        "cases": 10,
        "within_15d": 6,  # u1 u2 g1 g4 a1 a2
        "within_30d": 7,  # + u3
        "within_60d": 8,  # + g2
        "later": 1,  # g3
        "outstanding": 1,  # u4
        "on_deadline": 7,
        "breached": 2,
    }
    assert behind(session, world, k.REGULATORY, "outstanding") == {"u4"}
    assert behind(session, world, k.REGULATORY, "breached") == BREACHED


def test_repeat_complaint_rate(session, world):
    repeats = figure(session, k.REPEATS).row(k.ALL)
    assert repeats.rate("repeats", "cases") == pytest.approx(0.3)
    assert behind(session, world, k.REPEATS, "repeats") == set(REPEATS)


def test_satisfaction_and_nps_from_each_cases_latest_survey(session, world):
    row = figure(session, k.SATISFACTION).row(k.ALL)
    # u1's latest answer (5, 10) replaces its first (1, 0)
    assert row.counts["answered"] == 6
    assert row.counts["resolved"] == 5
    assert (row.counts["promoters"], row.counts["passives"], row.counts["detractors"]) == (3, 1, 2)
    assert k.nps(row) == pytest.approx(100 * (3 - 2) / 6)
    assert row.means["satisfaction"] == pytest.approx((5 + 4 + 3 + 5 + 2) / 5)
    assert row.rate("satisfied", "scored") == pytest.approx(3 / 5)
    assert behind(session, world, k.SATISFACTION, "detractors") == {"g2", "g4"}


def test_compensation_paid_and_approvals_per_level(session, world):
    paid = figure(session, k.COMPENSATION).row(k.ALL)
    assert (paid.counts["paid"], paid.sums["amount"]) == (2, 4300.0)
    approvals = figure(session, k.APPROVALS)
    assert {
        r.group: (r.counts["decisions"], r.counts["approved"], r.counts["rejected"]) for r in approvals.rows
    } == {
        "approve_head": (1, 1, 0),
        "approve_supervisor": (2, 1, 1),
    }
    assert behind(session, world, k.APPROVALS, "rejected", "approve_supervisor") == {"g2"}


def test_per_agent_cases_owned_on_time_satisfaction_and_repeats(session, world):
    _, users = world
    ann, bob = str(users["ann"].id), str(users["bob"].id)
    owned = figure(session, k.AGENT_CASES)
    assert owned.row(ann).counts == {"owned": 6, "repeated": 2}  # u1 came back as g2, g1 as a2
    assert owned.row(bob).counts == {"owned": 3, "repeated": 0}
    visits = figure(session, k.AGENT_SURVEYS)  # the owners made the follow-up visits
    assert visits.row(ann).counts == {"answered": 5} and visits.row(bob).counts == {"answered": 1}
    assert visits.row(ann).means["satisfaction"] == pytest.approx((5 + 4 + 3 + 5 + 2) / 5)
    assert behind(session, world, k.AGENT_CASES, "repeated", ann) == {"u1", "g1"}
    tasks = figure(session, k.AGENT_TASKS)
    assert tasks.row(ann).counts == {"tasks": 2, "on_time": 2}
    assert tasks.row(bob).counts == {"tasks": 1, "on_time": 0}


def test_every_number_lists_exactly_as_many_cases_as_it_counts(session, world):
    for kpi in k.KPIS.values():
        if kpi.unit != "cases":
            continue
        for row in compute(session, kpi, NOVEMBER).rows:
            for column in kpi.columns:
                listed = cases_behind(session, kpi, NOVEMBER, column, row.group)
                assert len(listed) == row.counts[column], (kpi.key, row.group, column)


def test_a_range_that_ends_before_it_starts_is_refused():
    from engine.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        Filters.for_days(date(2026, 11, 3), date(2026, 11, 2))


def test_the_previous_period_of_a_month_is_the_month_before():
    october = NOVEMBER.previous()
    assert (october.first_day, october.last_day) == (date(2026, 10, 1), date(2026, 10, 31))
    week = Filters.for_days(date(2026, 11, 8), date(2026, 11, 14)).previous()
    assert (week.first_day, week.last_day) == (date(2026, 11, 1), date(2026, 11, 7))


def test_jrt_0169_counts_by_channel_with_decisions_within_15_30_60_days(session, world):
    from engine.reports import regulatory

    by_channel = figure(session, regulatory.BY_CHANNEL)
    counts = {r.group: tuple(r.counts.values()) for r in by_channel.rows}
    # received, within 15, within 30, within 60 days, outstanding
    assert counts == {
        "app": (4, 2, 3, 3, 1),
        "branch": (2, 1, 1, 1, 0),
        "phone": (2, 2, 2, 2, 0),
        "web": (2, 1, 1, 2, 0),
    }
    assert behind(session, world, regulatory.BY_CHANNEL, "outstanding", "app") == {"u4"}


def test_the_half_year_return_closes_within_3_days_8_weeks_or_later(session, world):
    from engine.reports import regulatory

    second_half = regulatory.half_year(2026, 2)
    row = figure(session, regulatory.HALF_YEAR_RETURN, second_half).rows[0]
    assert row.counts == {
        "received": 11,  # with the October case
        "closed_3d": 3,  # u1 a1 a2
        "closed_8w": 5,  # u2 u3 g1 g2 g4
        "closed_later": 1,  # g3
        "open": 2,  # u4 and the October case
        "upheld": 2,  # the two compensated
    }
    assert row.sums["redress"] == 4300.0
    assert behind(session, world, regulatory.HALF_YEAR_RETURN, "closed_3d", filters=second_half) == {
        "u1",
        "a1",
        "a2",
    }
    assert figure(session, regulatory.HALF_YEAR_RETURN, regulatory.half_year(2026, 1)).rows == []


def test_the_cases_of_a_group_without_a_value_can_be_listed(session, world):
    ids, _ = world
    untriaged = session.get(Case, ids["u4"])
    untriaged.tier = None
    session.commit()
    tiers = figure(session, k.VOLUME_BY_TIER)
    assert tiers.row(None).counts["cases"] == 1
    from engine.reports.figures import NO_GROUP

    assert behind(session, world, k.VOLUME_BY_TIER, "cases", NO_GROUP) == {"u4"}
