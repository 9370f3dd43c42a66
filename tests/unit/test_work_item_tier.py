"""A work item carries its case's tier (WorkItem.tier, for the inbox's tier filter), and follows a re-triage."""

from __future__ import annotations

from sqlalchemy import select

from engine.cases.engine import CaseEngine
from engine.models import Case, WorkItem
from tests.conftest import fresh


def tiers(session, case_id) -> dict[str, str | None]:
    fresh(session)
    rows = session.execute(select(WorkItem.spec_id, WorkItem.tier).where(WorkItem.case_id == case_id))
    return dict(rows.all())


def test_tasks_get_the_tier_their_case_has_and_keep_up_with_a_re_triage(deploy, session, clock, make_user):
    deploy("engine/retriage.bpmn")
    ann = make_user("ann")
    engine = CaseEngine(session, clock)
    case = engine.start_case("retriage", {}, actor="channel")
    # Triage ran in the same step that created the tasks: they are born with its tier.
    assert tiers(session, case.id) == {"check": "general", "review": "general"}
    review = session.scalar(
        select(WorkItem.id).where(WorkItem.case_id == case.id, WorkItem.spec_id == "review")
    )
    engine.claim(review, ann)
    engine.complete(review, ann, {})
    assert session.get(Case, case.id).tier == "urgent"
    assert tiers(session, case.id) == {"check": "urgent", "review": "urgent"}  # the open one is what matters
