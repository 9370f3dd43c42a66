"""The audit chain: every change is recorded in order, and any tampering is found and located."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import delete, select, text, update

from engine import audit
from engine.cases.engine import CaseEngine
from engine.models import AuditEvent, WorkItem


@pytest.fixture
def history(deploy, session, clock, make_user):
    """A few dozen real events: deploy, users, cases started and worked."""
    deploy("engine/five_tasks.bpmn")
    ann = make_user("ann")
    engine = CaseEngine(session, clock)
    for _ in range(3):
        case = engine.start_case("five_tasks", {"note": "长城卡被盗刷"}, actor="channel")
        for _ in range(2):
            clock.advance(minutes=3)
            item = session.scalars(
                select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.state == "ready")
            ).one()
            engine.claim(item.id, ann)
            engine.complete(item.id, ann, {})
    return session


def test_an_untouched_chain_verifies(history):
    result = audit.verify(history)
    assert result.ok
    assert result.checked == history.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    assert "intact" in str(result)


def test_the_chain_links_each_event_to_the_previous_hash(history):
    events = history.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert events[0].prev_hash == audit.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(events))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


def test_an_altered_payload_is_found_at_its_event(history):
    history.execute(update(AuditEvent).where(AuditEvent.seq == 7).values(payload={"task": "forged"}))
    history.commit()
    result = audit.verify(history)
    assert (result.ok, result.broken_seq, result.checked) == (False, 7, 6)
    assert "altered" in str(result)


def test_an_altered_actor_or_time_is_found(history):
    event = history.get(AuditEvent, 5)
    history.execute(
        update(AuditEvent)
        .where(AuditEvent.seq == 5)
        .values(occurred_at=event.occurred_at - timedelta(seconds=1))
    )
    history.commit()
    assert audit.verify(history).broken_seq == 5


def test_a_deleted_event_is_found(history):
    history.execute(delete(AuditEvent).where(AuditEvent.seq == 4))
    history.commit()
    result = audit.verify(history)
    assert (result.ok, result.broken_seq) == (False, 4)
    assert "missing" in result.reason


def test_a_rehashed_forgery_still_breaks_the_next_link(history):
    """Recomputing one row's hash after editing it does not help: the next row points at the old hash."""
    event = history.get(AuditEvent, 6)
    forged = {"task": "forged"}
    new_hash = audit.event_hash(
        event.prev_hash, 6, event.occurred_at, event.actor, event.kind, event.case_id, forged
    )
    history.execute(update(AuditEvent).where(AuditEvent.seq == 6).values(payload=forged, hash=new_hash))
    history.commit()
    assert audit.verify(history).broken_seq == 7


def test_chinese_text_is_hashed_as_utf8_and_verifies(session, clock):
    audit.append(session, [audit.PendingEvent(clock(), "坐席.李", "note", None, {"text": "长城卡被盗刷"})])
    session.commit()
    assert session.execute(text("SELECT actor FROM audit_events")).scalar() == "坐席.李"
    assert audit.verify(session).ok
