"""A closed urgent demo case for the auditor's diagram: worked from intake to close two days ago, with the
golden-hour safeguard done late, so its one-hour timer fired and escalated on the way. And a closed general and
a closed advisory case (``seed_closed_surveys``), so that each tier's follow-up question has an answer in the
figures: urgent "really solved" yes, general "other needs" no, advisory "the advice worked" yes.

Seeded after the living demo complaints (``engine.cases.demo``), on a clock of its own set in the past, so the
rest of the demo data keeps its present-day times. Idempotent: it is filed once, for its own customer.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.engine import CaseEngine
from engine.cases.intake import file_complaint
from engine.clock import Clock, FrozenClock
from engine.models import Case, Customer, User, WorkItem, WorkItemState

CUSTOMER = "C10020"
COMPLAINT = {
    "complaint": {
        "channel": "phone",
        "business_type": "bank_card",
        "category": "card_theft",
        "description": "借记卡凌晨在异地 ATM 被连续取现四笔，共 8,600 元，卡一直在我身上。",
        "amount": 8600,
    },
    "customer": {"id": CUSTOMER, "name": "郑涛", "phone": "13800010020", "segment": "standard"},
}
# (minutes after receipt, task, who, what they entered)
WORK = [
    (6, "contact_customer", "agent.li", {"reached": True, "note": "任务组已成立 Task force formed"}),
    (8, "join_risk", "risk.zhao", {"reachable_at": "分机 7140 ext. 7140"}),
    (12, "join_operations", "ops.chen", {"reachable_at": "分机 6021 ext. 6021"}),
    (40, "trace_funds", "risk.zhao", {"root_cause": "ATM 侧录 Card skimmed at an ATM", "funds_traced": True}),
    (75, "apply_safeguards", "ops.chen", {"action": "freeze", "account": "6222020200114455"}),
    (85, "tell_safeguards", "agent.li", {"reached": True, "note": "已告知客户卡已冻结 Told: card frozen"}),
    (
        180,
        "initial_plan",
        "agent.li",
        {"plan": "发起争议退单，三日内补发新卡 Chargeback; new card in 3 days"},
    ),
    (
        1440,
        "send_result",
        "agent.li",
        {
            "cause": "银行卡在 ATM 被侧录 The card was skimmed at an ATM",
            "solution": "8,600 元已全额退回 The 8,600 CNY were refunded",
            "advice": "开通交易短信提醒 Turn on transaction alerts",
        },
    ),
    (1500, "call_customer", "agent.li", {"reached": True}),
    (
        1560,
        "follow_up_visit",
        "agent.li",
        {"resolved": True, "really_solved": True, "satisfaction": 5, "recommend": 9, "comments": "谢谢"},
    ),
]
# The closed general and advisory cases: (customer, complaint, its description, the customer's reply to a
# knowledge-base answer, [(minutes after receipt, task, who, what they entered)]).
SURVEYED = [
    (
        {"id": "C10021", "name": "钱敏", "phone": "13800010021", "segment": "standard"},
        {"channel": "branch", "business_type": "deposit", "category": "service_attitude"},
        "网点柜员办理存款时态度冷淡，催我快点签字。",
        None,
        [
            (
                60,
                "tell_direction",
                "agent.wang",
                {"direction": "核实柜台录像后三日内答复 We check and reply in 3 days"},
            ),
            (
                600,
                "propose_settlement",
                "agent.wang",
                {"compensation_amount": 0, "apology": "诚挚致歉 We apologise"},
            ),
            (
                1440,
                "send_result",
                "agent.wang",
                {
                    "cause": "柜员服务不规范 The clerk did not follow the service standard",
                    "solution": "已约谈柜员并致歉 The clerk was coached; we apologise",
                    "advice": "如再遇到可拨打客服热线 Call the hotline if it happens again",
                },
            ),
            (1500, "call_customer", "agent.wang", {"reached": True}),
            (
                2880,
                "follow_up_visit",
                "agent.wang",
                {"resolved": True, "other_needs": False, "satisfaction": 4, "recommend": 8},
            ),
        ],
    ),
    (
        {"id": "C10022", "name": "孙悦", "phone": "13800010022", "segment": "standard"},
        {"channel": "app", "business_type": "bank_card", "category": "business_inquiry"},
        "新卡怎么激活？激活短信没有收到。",
        "answer_accepted",
        [
            (
                4320,
                "follow_up_visit",
                "agent.li",
                {"resolved": True, "advice_worked": True, "satisfaction": 5, "recommend": 10},
            )
        ],
    ),
]


def seed_closed_case(session: Session, clock: Clock) -> Case | None:
    """File and work the closed urgent case, received two days before ``clock()``; None if it exists."""
    if session.scalar(select(Customer.id).where(Customer.external_id == CUSTOMER)) is not None:
        return None
    return _worked(session, FrozenClock(clock() - timedelta(days=2)), COMPLAINT, None, WORK)


def seed_closed_surveys(session: Session, clock: Clock) -> list[Case]:
    """File and work to close the general and the advisory case whose follow-up answered their tier's question
    (received five days before ``clock()``); the ones that exist already are left alone."""
    closed = []
    for customer, complaint, description, reply, work in SURVEYED:
        if session.scalar(select(Customer.id).where(Customer.external_id == customer["id"])) is not None:
            continue
        submission = {"complaint": {**complaint, "description": description}, "customer": customer}
        closed.append(_worked(session, FrozenClock(clock() - timedelta(days=5)), submission, reply, work))
    return closed


def _worked(session: Session, past: FrozenClock, submission: dict, reply: str | None, work: list) -> Case:
    """File ``submission`` at ``past()`` and do its ``work`` at the minutes given (the customer's ``reply`` to
    a knowledge-base answer first, if any), firing the timers that fell due in between."""
    start = past()
    engine = CaseEngine(session, past)
    case = file_complaint(engine, submission, actor=f"channel:{submission['complaint']['channel']}").case
    if reply is not None:
        engine.deliver_message(case.id, reply, {}, actor="customer")
    users = {u.username: u for u in session.scalars(select(User))}
    for minutes, spec_id, username, data in work:
        past.set(start + timedelta(minutes=minutes))
        engine.fire_timer(case.id)  # the deadlines that fell due meanwhile (the one-hour safeguard's)
        item = session.scalars(
            select(WorkItem).where(
                WorkItem.case_id == case.id,
                WorkItem.spec_id == spec_id,
                WorkItem.state.in_(WorkItemState.open_states()),
            )
        ).one()
        if item.state == WorkItemState.READY:
            engine.claim(item.id, users[username])
        engine.complete(item.id, users[username], data)
    session.refresh(case)
    return case
