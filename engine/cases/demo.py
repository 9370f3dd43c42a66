"""Demo data for ``make run``: one user per role, with sign-ins shown in the README (demo mode only)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import accounts
from engine.clock import Clock
from engine.models import User

DEMO_PASSWORD = "demo-password"
DEMO_USERS = [
    # username, role, departments, display name
    ("agent.li", "agent", ["frontline"], "李娜"),
    ("agent.wang", "agent", ["frontline"], "王伟"),
    ("risk.zhao", "agent", ["risk"], "赵磊"),
    ("ops.chen", "agent", ["operations"], "陈静"),
    ("product.sun", "agent", ["product"], "孙艳"),
    ("compliance.zhou", "agent", ["compliance"], "周敏"),
    ("supervisor.liu", "supervisor", ["frontline", "supervisor"], "刘洋"),
    # The department heads (the second approval level, the ladder's third rung) and a senior manager.
    ("head.ma", "department_head", ["frontline", "product", "compliance", "supervisor"], "马丽"),
    ("head.he", "department_head", ["risk", "operations", "supervisor"], "何强"),
    ("manager.gao", "senior_manager", ["supervisor"], "高明"),
    ("owner.huang", "process_owner", [], "黄芳"),
    ("auditor.xu", "auditor", [], "徐杰"),
    ("manager.qian", "manager", [], "钱坤"),  # the figures, no customer data
    ("admin", "admin", [], "Administrator"),
]


def seed(session: Session, clock: Clock) -> list[tuple[str, str]]:
    """Create the demo users that do not exist yet; return (username, password) of those created."""
    accounts.ensure_departments(session)
    session.commit()
    existing = set(session.scalars(select(User.username)))
    created = []
    for username, role, departments, name in DEMO_USERS:
        if username in existing:
            continue
        accounts.create_user(
            session,
            clock,
            username=username,
            role=role,
            departments=departments,
            password=DEMO_PASSWORD,
            display_name=name,
            actor="seed-demo",
        )
        created.append((username, DEMO_PASSWORD))
    return created


# (description, category, amount, business type, channel, customer id, segment)
DEMO_COMPLAINTS = [
    (
        "我的信用卡昨晚在境外被盗刷了三笔，共 12,800 元，我本人一直在国内。",
        "card_theft",
        12800,
        "bank_card",
        "phone",
        "C10001",
        "standard",
    ),
    (
        "Someone made unauthorized transfers from my savings account this morning.",
        "abnormal_transaction",
        5000,
        "deposit",
        "app",
        "C10002",
        "high_net_worth",
    ),
    (
        "账户突然被冻结，工资无法取出，柜台说不清原因。",
        "fund_frozen",
        None,
        "deposit",
        "branch",
        "C10003",
        "elderly",
    ),
    (
        "信用卡年费被重复扣取了两次，共 200 元。",
        "fee_dispute",
        200,
        "bank_card",
        "online_banking",
        "C10004",
        "standard",
    ),
    (
        "I was charged a 650 CNY overdraft fee I never agreed to.",
        "fee_dispute",
        650,
        "deposit",
        "web",
        "C10005",
        "standard",
    ),
    (
        "理财产品收益与销售时宣传的不符，亏损 30,000 元。",
        "product_dispute",
        30000,
        "wealth_management",
        "branch",
        "C10006",
        "high_net_worth",
    ),
    (
        "The teller at the Nanjing Road branch was rude and refused to help me.",
        "service_attitude",
        None,
        "other",
        "phone",
        "C10007",
        "standard",
    ),
    (
        "手机银行APP卡顿，转账页面总是转圈，非常影响使用。",
        "service_attitude",
        None,
        "payment_settlement",
        "app",
        "C10008",
        "standard",
    ),
    (
        "请问周末网点营业时间是几点？周末营业吗？",
        "business_inquiry",
        None,
        "other",
        "app",
        "C10009",
        "standard",
    ),
    (
        "How do I activate my new card? The activation code did not arrive.",
        "business_inquiry",
        None,
        "bank_card",
        "web",
        "C10010",
        "standard",
    ),
    (
        "Why did my mortgage interest rate change last month without notice?",
        "business_inquiry",
        None,
        "loan",
        "phone",
        "C10011",
        "elderly",
    ),
    ("建议手机银行增加夜间模式，晚上看屏幕太亮。", "suggestion", None, "other", "app", "C10012", "standard"),
]


DEMO_NAMES = ["张伟", "王芳", "李静", "刘畅", "陈磊", "杨敏", "赵勇", "黄丽", "周杰", "吴霞", "徐明", "孙娟"]


def seed_complaints(session: Session, clock: Clock) -> int:
    """File the demo complaints through intake and work a few tasks, once (only into an empty database)."""
    from engine.cases.engine import CaseEngine
    from engine.cases.intake import file_complaint
    from engine.models import Case, WorkItem

    if session.scalar(select(Case.id).limit(1)) is not None:
        return 0
    engine = CaseEngine(session, clock)
    users = {u.username: u for u in session.scalars(select(User))}
    cases = []
    for description, category, amount, business, channel, customer, segment in DEMO_COMPLAINTS:
        complaint = {
            "channel": channel,
            "business_type": business,
            "category": category,
            "description": description,
        }
        if amount is not None:
            complaint["amount"] = amount
        person = {
            "id": customer,
            "name": DEMO_NAMES[len(cases) % len(DEMO_NAMES)],
            "phone": f"1380000{customer[-4:]}",
            "segment": segment,
        }
        cases.append(
            file_complaint(
                engine, {"complaint": complaint, "customer": person}, actor=f"channel:{channel}"
            ).case
        )

    def work(case, spec_id, username, data):
        item = session.scalars(
            select(WorkItem).where(
                WorkItem.case_id == case.id,
                WorkItem.spec_id == spec_id,
                WorkItem.state.in_(("ready", "claimed")),
            )
        ).first()
        if item is not None:
            engine.claim(item.id, users[username])
            if data is not None:
                engine.complete(item.id, users[username], data)

    # A living system: some work taken, some done, one advisory answer accepted by the customer.
    work(
        cases[0], "contact_customer", "agent.li", {"reached": True, "note": "任务组已成立 Task force formed"}
    )
    work(cases[0], "apply_safeguards", "ops.chen", {"action": "freeze", "account": "6222020200112233"})
    work(cases[1], "contact_customer", "agent.wang", None)
    work(cases[3], "tell_direction", "agent.li", {"direction": "核实扣费记录后三日内答复"})
    work(cases[4], "tell_direction", "agent.wang", None)
    engine.deliver_message(cases[8].id, "answer_accepted", {}, actor="customer")
    return len(cases)
