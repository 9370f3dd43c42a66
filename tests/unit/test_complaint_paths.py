"""The shipped complaint processes, driven from intake to close through the real engine and database.

Each test files a complaint through intake, works every task as the person in that lane would, and asserts the
path taken: lanes, order, the owner on every customer-facing task, what was sent to the customer.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.cases.engine import CaseEngine
from engine.cases.intake import file_complaint
from engine.deploy import deployment
from engine.errors import InvalidState, ValidationFailed
from engine.models import (
    AuditEvent,
    Case,
    CaseNote,
    CaseStatus,
    Escalation,
    OutboxMessage,
    WorkItem,
    WorkItemState,
)
from engine.timers.sla import sweep
from tests.conftest import fresh
from tests.paths import PROCESSES

# Valid answers for each form, as an agent would give them.
ANSWERS = {
    "contact_customer": {"reached": True, "note": "Task force formed: risk and operations on it"},
    "join_operations": {"reachable_at": "ext. 6021"},
    "join_risk": {"reachable_at": "ext. 7140"},
    "apply_safeguards": {"action": "freeze", "account": "6222020200112233"},
    "tell_safeguards": {"reached": True, "note": "Told the customer the card is frozen"},
    "trace_funds": {"root_cause": "Card skimmed at an ATM", "funds_traced": True},
    "initial_plan": {"plan": "Chargeback filed; new card in 3 days"},
    "tell_direction": {"direction": "We will review the fee and reply within 3 days"},
    "send_result": {
        "cause": "The fee was charged twice",
        "solution": "The duplicate fee was refunded",
        "advice": "Check the fee schedule in the app",
    },
    "call_customer": {"reached": True},
    "follow_up_visit": {"resolved": True, "satisfaction": 5, "recommend": 9, "comments": "Thanks"},
    "reply_with_plan": {"plan": "A specialist will call you", "expected_by": "2026-03-03"},
    "explain_product": {"explanation": "The prospectus disclosed the risk on page 4"},
    "rework": {"what_was_done": "Called the branch again"},
}


@pytest.fixture
def people(make_user):
    return {
        "ann": make_user("ann"),
        "bob": make_user("bob"),
        "sue": make_user("sue", role="supervisor", departments=("supervisor", "frontline")),
        "rita": make_user("rita", departments=("risk",)),
        "otto": make_user("otto", departments=("operations",)),
        "pia": make_user("pia", departments=("product",)),
        "cora": make_user("cora", departments=("compliance",)),
        "dora": make_user("dora", role="department_head", departments=("supervisor",)),
    }


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)


def submission(
    description,
    category,
    amount=None,
    segment="standard",
    customer="C-001",
    channel="phone",
    business_type="bank_card",
):
    complaint = {
        "channel": channel,
        "business_type": business_type,
        "category": category,
        "description": description,
    }
    if amount is not None:
        complaint["amount"] = amount
    return {
        "complaint": complaint,
        "customer": {"id": customer, "name": "Zhang San", "phone": "13800000000", "segment": segment},
    }


def file(engine, *args, **kwargs):
    return file_complaint(engine, submission(*args, **kwargs), actor="channel:phone")


def open_items(session, case_id):
    fresh(session)  # end any read snapshot taken before the step ran
    return session.scalars(
        select(WorkItem)
        .where(WorkItem.case_id == case_id, WorkItem.state.in_(WorkItemState.open_states()))
        .order_by(WorkItem.id)
    ).all()


def work(engine, session, case_id, spec_id, user, data=None):
    """Do one open task as ``user``: claim it if it is in the queue, then complete it."""
    [item] = [i for i in open_items(session, case_id) if i.spec_id == spec_id]
    if item.state == WorkItemState.READY:
        engine.claim(item.id, user)
    engine.complete(item.id, user, ANSWERS.get(spec_id, {}) if data is None else data)
    return item


def settle_fee_dispute(engine, session, case_id, agent):
    """A general fee dispute of 300 CNY worked by ``agent`` from its direction to its follow-up visit."""
    for spec, data in (
        ("tell_direction", None),
        ("propose_settlement", {"compensation_amount": 300, "apology": "We are sorry", "account": "6222001"}),
        ("send_result", ANSWERS["send_result"]),
        ("call_customer", None),
        ("follow_up_visit", None),
    ):
        work(engine, session, case_id, spec, agent, data)


def apologised(engine, session, agent, description: str = "The clerk was rude"):
    """A service-attitude complaint answered with an apology and no money: the case now waits on its result."""
    case = file(engine, description, "service_attitude").case
    work(engine, session, case.id, "tell_direction", agent)
    work(
        engine, session, case.id, "propose_settlement", agent, {"compensation_amount": 0, "apology": "Sorry"}
    )
    return case


def history(session, case_id):
    return session.scalars(select(WorkItem).where(WorkItem.case_id == case_id).order_by(WorkItem.id)).all()


def test_urgent_card_theft_runs_the_green_channel_with_one_owner_throughout(engine, session, people):
    case = file(engine, "My card was stolen and 5,000 CNY taken 我的卡被盗刷", "card_theft", amount=5000).case
    session.refresh(case)
    assert (case.tier, case.priority, case.cause_class) == ("urgent", "P1", "fund_safety")
    assert "盗刷" in case.risk_warning
    assert {(i.spec_id, i.lane) for i in open_items(session, case.id)} == {
        ("contact_customer", "frontline"),
        ("join_operations", "operations"),
        ("join_risk", "risk"),
    }

    work(engine, session, case.id, "contact_customer", people["ann"])
    work(engine, session, case.id, "join_operations", people["otto"])
    work(engine, session, case.id, "apply_safeguards", people["otto"])
    work(engine, session, case.id, "join_risk", people["rita"])
    work(engine, session, case.id, "trace_funds", people["rita"])
    work(engine, session, case.id, "tell_safeguards", people["ann"])
    work(engine, session, case.id, "initial_plan", people["ann"])
    work(engine, session, case.id, "send_result", people["ann"])
    work(engine, session, case.id, "call_customer", people["ann"])
    work(engine, session, case.id, "follow_up_visit", people["ann"])

    session.refresh(case)
    assert case.status == CaseStatus.COMPLETED and case.owner_id == people["ann"].id
    steps = history(session, case.id)
    assert [(s.spec_id, s.lane) for s in steps] == [
        ("contact_customer", "frontline"),
        ("join_operations", "operations"),
        ("join_risk", "risk"),
        ("apply_safeguards", "operations"),
        ("tell_safeguards", "frontline"),
        ("trace_funds", "risk"),
        ("initial_plan", "frontline"),
        ("send_result", "frontline"),
        ("call_customer", "frontline"),
        ("follow_up_visit", "frontline"),
    ]
    assert all(s.completed_by_id == people["ann"].id for s in steps if s.lane == "frontline")
    assert all(s.completed_by_id == people["otto"].id for s in steps if s.lane == "operations")
    assert all(s.completed_by_id == people["rita"].id for s in steps if s.lane == "risk")
    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
    reports = [m for m in sent if m.template == "lane_result"]  # other departments report back to the owner
    assert {(m.recipient, m.payload["lane"]) for m in reports} == {
        (f"user:{people['ann'].id}", "operations"),
        (f"user:{people['ann'].id}", "risk"),
    }
    traced = [m for m in reports if m.payload["lane"] == "risk"][-1]  # the risk joiner reported first
    assert traced.payload["result"]["root_cause"]
    assert {(m.channel, m.template) for m in sent} >= {
        ("sms", "result_notice"),
        ("app_push", "result_notice"),
    }
    notice = next(m for m in sent if m.template == "result_notice")
    assert set(notice.payload) == {"cause", "solution", "advice"}


def test_the_owners_tasks_go_straight_to_them_and_nobody_else_can_take_them(engine, session, people):
    case = file(engine, "Card stolen, unauthorized payments", "card_theft", amount=800).case
    work(engine, session, case.id, "contact_customer", people["ann"])
    work(engine, session, case.id, "join_operations", people["otto"])
    work(engine, session, case.id, "apply_safeguards", people["otto"])
    [told] = [i for i in open_items(session, case.id) if i.spec_id == "tell_safeguards"]
    assert (told.state, told.assignee_id) == (WorkItemState.CLAIMED, people["ann"].id)
    from engine.errors import Conflict, Forbidden

    with pytest.raises(Conflict):
        engine.claim(told.id, people["bob"])
    with pytest.raises(Forbidden):
        engine.complete(told.id, people["bob"], ANSWERS["tell_safeguards"])
    owner_events = session.scalars(select(AuditEvent).where(AuditEvent.kind == "owner.changed")).all()
    assert [(e.actor, e.payload["reason"]) for e in owner_events] == [("ann", "first to take the complaint")]


@pytest.mark.parametrize(("amount", "approvals"), [(499, 0), (500, 0), (501, 1)])
def test_fee_disputes_up_to_the_agents_authority_are_paid_without_approval(
    engine, session, people, amount, approvals
):
    case = file(engine, "I was charged an annual fee twice", "fee_dispute", amount=amount).case
    work(engine, session, case.id, "tell_direction", people["ann"])
    work(
        engine,
        session,
        case.id,
        "propose_settlement",
        people["ann"],
        {"compensation_amount": amount, "apology": "We are sorry", "account": "6222001"},
    )
    pending = [i.spec_id for i in open_items(session, case.id)]
    if approvals:
        assert pending == ["approve_supervisor"]
        work(engine, session, case.id, "approve_supervisor", people["sue"], {"approved": True})
    assert [i.spec_id for i in open_items(session, case.id)] == ["send_result"]
    workflow_data = engine.load_workflow(session.get(Case, case.id)).last_task.data
    assert workflow_data["compensation"]["amount"] == amount
    approval_steps = [s for s in history(session, case.id) if s.spec_id.startswith("approve_")]
    assert len(approval_steps) == approvals


def test_a_large_product_dispute_climbs_at_most_three_levels_and_needs_the_product_explanation(
    engine, session, people
):
    case = file(
        engine,
        "理财收益不符，与宣传不一致",
        "product_dispute",
        amount=200_000,
        business_type="wealth_management",
    ).case
    work(engine, session, case.id, "tell_direction", people["ann"])
    assert "explain_product" in [i.spec_id for i in open_items(session, case.id)]
    work(engine, session, case.id, "explain_product", people["pia"])
    work(
        engine,
        session,
        case.id,
        "propose_settlement",
        people["ann"],
        {"compensation_amount": 80_000, "apology": "抱歉", "account": "6222001"},
    )
    work(engine, session, case.id, "approve_supervisor", people["sue"], {"approved": True})
    work(engine, session, case.id, "approve_head", people["dora"], {"approved": True})
    work(
        engine,
        session,
        case.id,
        "approve_compliance",
        people["cora"],
        {"approved": False, "comment": "Too much"},
    )
    work(
        engine,
        session,
        case.id,
        "revise_settlement",
        people["ann"],
        {"compensation_amount": 4_000, "apology": "抱歉", "account": "6222001"},
    )
    work(engine, session, case.id, "approve_supervisor", people["sue"], {"approved": True})

    chain = [s.spec_id for s in history(session, case.id) if s.spec_id.startswith("approve_")]
    assert chain == ["approve_supervisor", "approve_head", "approve_compliance", "approve_supervisor"]
    runs, current = [], []
    for step in chain:  # each proposal's chain restarts at the supervisor
        if step == "approve_supervisor" and current:
            runs.append(current)
            current = []
        current.append(step)
    runs.append(current)
    assert max(len(r) for r in runs) <= 3
    assert [i.spec_id for i in open_items(session, case.id)] == ["send_result"]


def test_an_advisory_question_is_answered_at_once_and_closes_after_the_follow_up(engine, session, people):
    case = file(
        engine,
        "What are your opening hours on weekends? Are you open on weekends?",
        "business_inquiry",
        channel="app",
    ).case
    session.refresh(case)
    assert case.tier == "advisory"
    answers = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "kb_answer")).all()
    assert {a.channel for a in answers} == {"sms", "app_push"}
    assert open_items(session, case.id) == []  # nobody had to do anything

    engine.deliver_message(case.id, "answer_accepted", {}, actor="customer")

    assert [i.spec_id for i in open_items(session, case.id)] == ["follow_up_visit"]
    with pytest.raises(InvalidState):
        engine.deliver_message(case.id, "answer_accepted", {}, actor="customer")
    work(engine, session, case.id, "follow_up_visit", people["bob"])
    session.refresh(case)
    assert case.status == CaseStatus.COMPLETED and case.owner_id == people["bob"].id


def test_an_advisory_customer_can_ask_for_a_person(engine, session, people):
    case = file(engine, "How do I activate my new card? activation", "business_inquiry").case
    engine.deliver_message(case.id, "person_requested", {}, actor="customer")
    work(engine, session, case.id, "reply_with_plan", people["ann"])
    assert [i.spec_id for i in open_items(session, case.id)] == ["send_result"]


def test_an_unanswered_knowledge_base_reply_counts_as_accepted_after_three_days(
    engine, session, people, db, clock
):
    case = file(engine, "Is there a daily limit on transfers? transfer limit", "business_inquiry").case
    session.commit()
    clock.advance(days=3, seconds=-1)
    assert sweep(db.session, clock).fired == 0
    clock.advance(seconds=2)
    assert sweep(db.session, clock).fired == 1
    assert [i.spec_id for i in open_items(session, case.id)] == ["follow_up_visit"]


def test_a_question_the_knowledge_base_cannot_answer_goes_to_a_person(engine, session):
    case = file(engine, "Why did my mortgage interest rate change last month?", "business_inquiry").case
    assert [i.spec_id for i in open_items(session, case.id)] == ["reply_with_plan"]


def test_an_unresolved_follow_up_reopens_the_case_to_its_owner(engine, session, people):
    case = apologised(engine, session, people["ann"], "The clerk was rude to me at the branch")
    work(
        engine,
        session,
        case.id,
        "send_result",
        people["ann"],
        ANSWERS["send_result"],
    )
    work(engine, session, case.id, "call_customer", people["ann"])
    work(engine, session, case.id, "follow_up_visit", people["ann"], {"resolved": False, "satisfaction": 2})
    [rework] = open_items(session, case.id)
    assert (rework.spec_id, rework.assignee_id) == ("rework", people["ann"].id)
    work(engine, session, case.id, "rework", people["ann"])
    assert [(i.spec_id, i.assignee_id) for i in open_items(session, case.id)] == [
        ("send_result", people["ann"].id)
    ]


def test_a_repeat_while_the_first_is_open_merges_into_it(engine, session):
    first = file(engine, "Annual fee charged twice", "fee_dispute", amount=120)
    again = file(engine, "I called last week: the annual fee was charged twice!", "fee_dispute", amount=120)
    assert (first.merged, again.merged) == (False, True)
    assert again.case.id == first.case.id
    assert session.scalar(select(func.count()).select_from(Case)) == 1
    note = session.scalars(select(CaseNote)).one()
    assert note.kind == "merged_complaint" and "called last week" in note.text


def test_a_repeat_after_the_first_closed_is_linked_and_counted(engine, session, people, clock):
    first = file(engine, "The clerk was rude", "service_attitude").case
    first.status = CaseStatus.COMPLETED  # closed (the path itself is covered above)
    session.commit()
    clock.advance(days=10)
    second = file(engine, "The same clerk was rude again", "service_attitude").case
    session.refresh(second)
    assert second.repeat_of_id == first.id
    assert second.priority in {"P1", "P2"}  # a repeat raises the priority one step
    data = engine.load_workflow(second).last_task.data
    assert data["history"]["is_repeat"] is True and data["history"]["repeat_of"] == first.reference


def test_intake_refuses_bad_input_field_by_field_and_creates_nothing(engine, session):
    bad = submission("x" * 10_001, "alien_abduction", amount=-5)
    bad["complaint"]["channel"] = "pigeon"
    del bad["customer"]["phone"]
    with pytest.raises(ValidationFailed) as refused:
        file_complaint(engine, bad, actor="channel")
    assert set(refused.value.errors) >= {
        "complaint.description",
        "complaint.category",
        "complaint.amount",
        "complaint.channel",
        "customer.phone",
    }
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_script_like_text_and_control_characters_are_data_never_code(engine, session):
    text = "<script>alert(1)</script> {{ 7*7 }} __import__('os').system('id')\x00\x07 end"
    case = file(engine, text, "suggestion").case
    session.refresh(case)
    assert case.description == "<script>alert(1)</script> {{ 7*7 }} __import__('os').system('id') end"
    assert case.status == CaseStatus.OPEN


# Every deadline of the service standard, from the diagrams: (complaint, task, limit after which it escalates).
DEADLINES = [
    (("Card stolen 盗刷", "card_theft", 100), "contact_customer", timedelta(minutes=15)),
    (("Card stolen 盗刷", "card_theft", 100), "join_operations", timedelta(minutes=15)),
    (("Card stolen 盗刷", "card_theft", 100), "join_risk", timedelta(minutes=15)),
    (("Fee charged twice", "fee_dispute", 100), "tell_direction", timedelta(hours=4)),
    (("Why did my loan rate change?", "business_inquiry", None), "reply_with_plan", timedelta(hours=24)),
    # The segment's duties, beside the tier's path.
    (
        ("Money left my account", "abnormal_transaction", 900, "elderly"),
        "explain_fraud_protection",
        timedelta(hours=24),
    ),
    (("Fee charged twice", "fee_dispute", 100, "high_net_worth"), "tailored_plan", timedelta(hours=48)),
]


@pytest.mark.parametrize(("complaint", "spec_id", "limit"), DEADLINES, ids=[d[1] for d in DEADLINES])
def test_each_deadline_escalates_to_the_supervisors_at_its_time_and_not_before(
    engine, session, db, clock, complaint, spec_id, limit
):
    case = file(engine, *complaint).case
    session.commit()
    [item] = [i for i in open_items(session, case.id) if i.spec_id == spec_id]
    assert item.due_at == clock() + limit

    clock.advance(limit - timedelta(seconds=1))
    sweep(db.session, clock)
    fresh(session)
    assert session.scalar(select(func.count()).where(Escalation.work_item_id == item.id)) == 0
    clock.advance(seconds=2)
    sweep(db.session, clock)

    fresh(session)  # end any read snapshot taken before the step ran
    escalation = session.scalars(select(Escalation).where(Escalation.work_item_id == item.id)).one()
    assert (escalation.source, escalation.level) == ("diagram", 1) and escalation.limit_text
    assert session.get(WorkItem, item.id).state == WorkItemState.READY  # the work goes on
    notices = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "escalation")).all()
    assert ("role:supervisor", escalation.step) in {(n.recipient, n.payload["step"]) for n in notices}


def test_later_deadlines_run_from_their_own_start(engine, session, db, clock, people):
    case = file(engine, "Card stolen 盗刷", "card_theft", 100).case
    for spec, user in (
        ("contact_customer", "ann"),
        ("join_operations", "otto"),
        ("apply_safeguards", "otto"),
        ("join_risk", "rita"),
        ("trace_funds", "rita"),
        ("tell_safeguards", "ann"),
        ("initial_plan", "ann"),
    ):
        work(engine, session, case.id, spec, people[user])
    work(
        engine,
        session,
        case.id,
        "send_result",
        people["ann"],
        ANSWERS["send_result"],
    )
    work(engine, session, case.id, "call_customer", people["ann"])
    [visit] = open_items(session, case.id)
    assert visit.due_at == clock() + timedelta(hours=24)  # urgent follow-up within 24 hours of resolution


def test_the_follow_up_deadline_depends_on_the_tier(engine, session, people, clock):
    general = file(engine, "The clerk was rude", "service_attitude", customer="C-101").case
    work(engine, session, general.id, "tell_direction", people["ann"])
    work(
        engine,
        session,
        general.id,
        "propose_settlement",
        people["ann"],
        {"compensation_amount": 0, "apology": "Sorry"},
    )
    work(
        engine,
        session,
        general.id,
        "send_result",
        people["ann"],
        ANSWERS["send_result"],
    )
    work(engine, session, general.id, "call_customer", people["ann"])
    advisory = file(engine, "Why did my loan rate change?", "business_inquiry", customer="C-102").case
    work(engine, session, advisory.id, "reply_with_plan", people["bob"])
    work(
        engine,
        session,
        advisory.id,
        "send_result",
        people["bob"],
        ANSWERS["send_result"],
    )
    work(engine, session, advisory.id, "call_customer", people["bob"])

    [general_visit] = open_items(session, general.id)
    [advisory_visit] = open_items(session, advisory.id)
    assert general_visit.due_at == clock() + timedelta(days=3)
    assert advisory_visit.due_at == clock() + timedelta(days=7)


def test_deadlines_from_receipt_stay_fixed_however_late_the_task_starts(engine, session, people, clock):
    received = clock()
    case = file(engine, "Card stolen 盗刷", "card_theft", 100).case
    work(engine, session, case.id, "contact_customer", people["ann"])
    clock.advance(minutes=20)
    work(engine, session, case.id, "join_operations", people["otto"])
    work(engine, session, case.id, "apply_safeguards", people["otto"])
    [told] = [i for i in open_items(session, case.id) if i.spec_id == "tell_safeguards"]
    assert told.due_at == received + timedelta(hours=1)  # the golden hour runs from receipt
    work(engine, session, case.id, "tell_safeguards", people["ann"])
    work(engine, session, case.id, "join_risk", people["rita"])
    work(engine, session, case.id, "trace_funds", people["rita"])
    [plan] = open_items(session, case.id)
    assert (plan.spec_id, plan.due_at) == ("initial_plan", received + timedelta(hours=24))


def test_the_product_explanation_is_due_a_day_after_it_starts(engine, session, people, clock):
    case = file(
        engine, "理财收益不符", "product_dispute", amount=1000, business_type="wealth_management"
    ).case
    clock.advance(hours=1)
    work(engine, session, case.id, "tell_direction", people["ann"])
    [explain] = [i for i in open_items(session, case.id) if i.spec_id == "explain_product"]
    assert (explain.lane, explain.due_at) == ("product", clock() + timedelta(hours=24))


def test_a_general_fee_dispute_runs_from_intake_to_close(engine, session, people):
    case = file(engine, "An annual fee was charged twice", "fee_dispute", amount=300).case
    settle_fee_dispute(engine, session, case.id, people["ann"])
    fresh(session)
    closed = session.get(Case, case.id)
    assert (closed.status, closed.tier, closed.owner_id) == (
        CaseStatus.COMPLETED,
        "general",
        people["ann"].id,
    )
    assert closed.decided_at is not None and closed.closed_at is not None
    assert [s.spec_id for s in history(session, case.id)] == [
        "tell_direction",
        "propose_settlement",
        "send_result",
        "call_customer",
        "follow_up_visit",
    ]
