"""A closed urgent demo case for the auditor's diagram: worked from intake to close two days ago, with the
golden-hour safeguard done late, so its one-hour timer fired and escalated on the way.

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

CUSTOMER = "C10013"
COMPLAINT = {
    "complaint": {
        "channel": "phone",
        "business_type": "bank_card",
        "category": "card_theft",
        "description": "借记卡凌晨在异地 ATM 被连续取现四笔，共 8,600 元，卡一直在我身上。",
        "amount": 8600,
    },
    "customer": {"id": CUSTOMER, "name": "郑浩", "phone": "13800010013", "segment": "standard"},
}
# (minutes after receipt, task, who, what they entered)
WORK = [
    (6, "contact_customer", "agent.li", {"reached": True, "note": "任务组已成立 Task force formed"}),
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
        {"resolved": True, "satisfaction": 5, "recommend": 9, "comments": "谢谢"},
    ),
]


def seed_closed_case(session: Session, clock: Clock) -> Case | None:
    """File and work the closed urgent case, received two days before ``clock()``; None if it exists."""
    if session.scalar(select(Customer.id).where(Customer.external_id == CUSTOMER)) is not None:
        return None
    past = FrozenClock(clock() - timedelta(days=2))
    start = past()
    engine = CaseEngine(session, past)
    case = file_complaint(engine, COMPLAINT, actor="channel:phone").case
    users = {u.username: u for u in session.scalars(select(User))}
    for minutes, spec_id, username, data in WORK:
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
