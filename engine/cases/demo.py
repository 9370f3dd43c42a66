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
    work(cases[0], "join_operations", "ops.chen", {"reachable_at": "分机 6021 ext. 6021"})
    work(cases[0], "join_risk", "risk.zhao", {"reachable_at": "分机 7140 ext. 7140"})
    work(cases[0], "apply_safeguards", "ops.chen", {"action": "freeze", "account": "6222020200112233"})
    work(cases[1], "contact_customer", "agent.wang", None)
    work(cases[3], "tell_direction", "agent.li", {"direction": "核实扣费记录后三日内答复"})
    work(cases[4], "tell_direction", "agent.wang", None)
    engine.deliver_message(cases[8].id, "answer_accepted", {}, actor="customer")
    return len(cases)


def seed_standard_cases(session: Session, clock: Clock) -> int:
    """Two more demo complaints that show the service standard at work, once: a settlement approved at two
    levels by two people (a supervisor, then a department head), whose regulatory deadline a supervisor then
    extended to 30 days and asked a senior manager to extend further (the request waits for manager.gao), and a
    case whose triage a supervisor corrected. Apart from ``seed_complaints`` so that the studio's replay of the
    demo cases stays the same (a replay does not re-triage)."""
    from engine.cases import extension_requests, regulatory, retriage
    from engine.cases.engine import CaseEngine
    from engine.cases.intake import file_complaint
    from engine.models import AuditEvent, WorkItem

    if (
        session.scalar(select(AuditEvent.kind).where(AuditEvent.kind == "case.retriaged").limit(1))
        is not None
    ):
        return 0
    engine = CaseEngine(session, clock)
    users = {u.username: u for u in session.scalars(select(User))}

    def file(description, category, amount, business, customer, name):
        complaint = {
            "channel": "branch",
            "business_type": business,
            "category": category,
            "description": description,
            "amount": amount,
        }
        person = {"id": customer, "name": name, "phone": f"1380000{customer[-4:]}", "segment": "standard"}
        return file_complaint(
            engine, {"complaint": complaint, "customer": person}, actor="channel:branch"
        ).case

    def work(case, spec_id, username, data):
        item = session.scalars(
            select(WorkItem)
            .where(WorkItem.case_id == case.id, WorkItem.spec_id == spec_id)
            .order_by(WorkItem.id)
        ).all()[-1]
        if item.state == "ready":
            engine.claim(item.id, users[username])
        engine.complete(item.id, users[username], data)

    approved = file(
        "理财产品赎回时被多收了手续费，共 20,000 元。",
        "product_dispute",
        20000,
        "wealth_management",
        "C10013",
        "郑浩",
    )
    work(approved, "tell_direction", "agent.wang", {"direction": "产品部门核实收费依据，三日内答复"})
    work(
        approved,
        "explain_product",
        "product.sun",
        {"explanation": "赎回费率在产品说明书第 6 页披露，但柜面未提示"},
    )
    settlement = {
        "compensation_amount": 20000,
        "apology": "对未充分提示赎回费用深表歉意",
        "account": "6222020200445566",
    }
    work(approved, "propose_settlement", "agent.wang", settlement)
    work(approved, "approve_supervisor", "supervisor.liu", {"approved": True, "comment": "同意"})
    work(approved, "approve_head", "head.ma", {"approved": True, "comment": "同意，按方案退还"})
    regulatory.extend(
        engine,
        approved.id,
        actor=users["supervisor.liu"],
        reason="需调取销售录音录像核实 The sales recording must be retrieved and checked",
    )
    extension_requests.request(
        engine,
        approved.id,
        actor=users["supervisor.liu"],
        reason="等待第三方鉴定报告 Waiting for the third-party appraisal report",
    )

    corrected = file(
        "信用卡被扣了一笔 3,000 元的服务费，我从没开通过这项服务。",
        "fee_dispute",
        3000,
        "bank_card",
        "C10014",
        "钱峰",
    )
    work(corrected, "tell_direction", "agent.li", {"direction": "核实扣费来源，当日回电"})
    retriage.retriage(
        engine,
        corrected.id,
        actor=users["supervisor.liu"],
        tier="urgent",
        category="abnormal_transaction",
        priority="P1",
        reason="客户从未开通该服务，按未授权扣款处理 The customer never signed up: an unauthorised debit",
    )
    return 2
