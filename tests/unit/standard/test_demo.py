"""The demo data shows the service standard: a case two different people approved, a further extension waiting
for the senior manager, a re-triaged case, department heads for every department, an inbox with P1 first and
the segments' tasks."""

from __future__ import annotations

from sqlalchemy import select

from engine.cases import demo, extension_requests, inbox
from engine.models import AuditEvent, Case, Customer, ExtensionRequest, User, WorkItem
from engine.timers import ladder


def test_the_demo_has_a_two_approver_settlement_a_retriaged_case_and_heads_for_every_department(
    engine, session, clock
):
    demo.seed(session, clock)
    demo.seed_complaints(session, clock)
    assert demo.seed_standard_cases(session, clock) == 2
    names = {u.id: u.username for u in session.scalars(select(User))}
    approvals = session.scalars(
        select(WorkItem).where(WorkItem.spec_id.in_(("approve_supervisor", "approve_head")))
    ).all()
    assert sorted(names[a.completed_by_id] for a in approvals) == ["head.ma", "supervisor.liu"]
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.kind == "case.retriaged")).all()
    assert session.get(Case, event.case_id).tier == "urgent" and event.payload["moved"] is True
    assert ladder.unreached_heads(session) == []
    [waiting] = session.scalars(select(ExtensionRequest)).all()  # for the senior manager to decide
    assert (waiting.status, names[waiting.requested_by_id]) == ("pending", "supervisor.liu")
    assert session.get(Case, waiting.case_id).regulatory_days == 30
    gao = session.scalar(select(User).where(User.username == "manager.gao"))
    assert extension_requests.may_decide(gao, waiting)


def test_the_standard_cases_are_seeded_once(engine, session, clock):
    demo.seed(session, clock)
    assert demo.seed_standard_cases(session, clock) == 2
    assert demo.seed_standard_cases(session, clock) == 0


def test_the_demo_inbox_shows_p1_first_and_an_elderly_customers_fraud_protection_task(engine, session, clock):
    demo.seed(session, clock)
    demo.seed_complaints(session, clock)
    demo.seed_standard_cases(session, clock)
    li = session.scalars(select(User).where(User.username == "agent.li")).one()
    rows = inbox.page(session, inbox.worker_query(li), None, clock()).rows
    priorities = [r.case.priority for r in rows]
    assert priorities[0] == "P1" and priorities == sorted(priorities) and "P3" in priorities
    fraud = [r for r in rows if r.item.spec_id == "explain_fraud_protection"]
    assert [session.get(Customer, r.case.customer_id).segment for r in fraud] == ["elderly"]
    assert fraud[0].item.name == "Explain fraud protection 讲解防诈骗知识"
    # The high-net-worth customers' tailored plans are in the demo too.
    plans = session.scalars(select(WorkItem).where(WorkItem.spec_id == "tailored_plan")).all()
    assert len(plans) == 2
