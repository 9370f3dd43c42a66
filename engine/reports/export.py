"""One case's complete record, for a regulator's request: the case and its customer, its path on the diagrams,
its tasks, the data it holds, the notices sent, notes, escalations, incidents, every audit event, and the audit
chain's proof for those events.

The proof: each event's SHA-256 is recomputed from its content and the hash of the event before it in the log
(``engine.audit.event_hash``), and compared with the stored one; the record also names the log's head at the
time of export. The events of one case are not consecutive in the log (other cases' events lie between), so
each event carries ``prev_hash``, the hash it links to; ``flask --app app audit verify`` checks the whole chain.

The record is the bank's own data in full (no masking): exporting it is for auditors, and is itself an audit
event (the web side records it). No Flask here.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.clock import as_utc
from engine.models import (
    AuditEvent,
    Case,
    CaseNote,
    Customer,
    Escalation,
    Incident,
    OutboxMessage,
    Timer,
    User,
    WorkItem,
)
from engine.reports.path import case_path, workflow_of

FORMAT = "complaint-case-record/1"
PROOF = (
    "sha256(prev_hash + JSON of {seq, occurred_at (ISO 8601), actor, kind, case_id, payload}, keys sorted, "
    "separators ',' and ':', UTF-8, not ASCII-escaped)"
)


def case_record(session: Session, case_id: int, *, now: datetime, exported_by: str) -> dict[str, Any] | None:
    path = case_path(session, case_id)
    if path is None:
        return None
    case = path.case
    customer = session.get(Customer, case.customer_id) if case.customer_id else None
    users = dict(session.execute(select(User.id, User.username)).all())
    items = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id).order_by(WorkItem.id)).all()
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
    ).all()
    head = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    broken = [e.seq for e in events if not _intact(e)]
    return {
        "format": FORMAT,
        "exported_at": _time(now),
        "exported_by": exported_by,
        "case": {
            "id": case.id,
            "reference": case.reference,
            "process": path.processes[path.root].diagram.version.label,
            "status": case.status,
            "tier": case.tier,
            "priority": case.priority,
            "channel": case.channel,
            "business_type": case.business_type,
            "category": case.category,
            "cause_class": case.cause_class,
            "description": case.description,
            "amount": str(case.amount) if case.amount is not None else None,
            "risk_warning": case.risk_warning,
            "owner": users.get(case.owner_id),
            "repeat_of": _reference(session, case.repeat_of_id),
            "received_at": _time(case.received_at or case.created_at),
            "regulatory_days": case.regulatory_days,
            "regulatory_due_at": _time(case.regulatory_due_at),
            "regulatory_breached_at": _time(case.regulatory_breached_at),
            "decided_at": _time(case.decided_at),
            "closed_at": _time(case.closed_at),
            # When the knowledge base answered: its deployed version (null: the shipped file, before any
            # version was deployed) and the article sent to the customer.
            "knowledge_base_version": case.kb_version,
            "knowledge_base_article": case.kb_article,
        },
        "customer": (
            {
                "external_id": customer.external_id,
                "name": customer.name,
                "phone": customer.phone,
                "segment": customer.segment,
            }
            if customer
            else None
        ),
        "path": {
            key: {
                "version": process.diagram.version.version,
                "elements": {
                    e.id: {"name": e.name, "kind": e.kind, "completed": e.completed, "open": e.open}
                    for e in process.elements.values()
                    if e.completed or e.open
                },
                "flows": process.flows,
            }
            for key, process in path.processes.items()
            if process.elements
        },
        "tasks": [
            {
                "id": item.id,
                "name": item.name,
                "element": item.spec_id,
                "lane": item.lane,
                "state": item.state,
                "created_at": _time(item.created_at),
                "due_at": _time(item.due_at),
                "claimed_at": _time(item.claimed_at),
                "completed_at": _time(item.completed_at),
                "assignee": users.get(item.assignee_id),
                "completed_by": users.get(item.completed_by_id),
                "late_by_seconds": _late(item, now),
            }
            for item in items
        ],
        "data": _data(session, case),
        "notices": [
            {
                "channel": m.channel,
                "recipient": m.recipient,
                "template": m.template,
                "payload": m.payload,
                "status": m.status,
                "created_at": _time(m.created_at),
                "sent_at": _time(m.sent_at),
            }
            for m in session.scalars(
                select(OutboxMessage).where(OutboxMessage.case_id == case.id).order_by(OutboxMessage.id)
            )
        ],
        "notes": [
            {"kind": n.kind, "author": n.author, "text": n.text, "created_at": _time(n.created_at)}
            for n in session.scalars(
                select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id)
            )
        ],
        "timers": [
            {
                "name": t.name,
                "element": t.spec_id,
                "status": t.status,
                "due_at": _time(t.due_at),
                "fired_at": _time(t.fired_at),
            }
            for t in session.scalars(select(Timer).where(Timer.case_id == case.id).order_by(Timer.id))
        ],
        "escalations": [
            {
                "source": e.source,
                "step": e.step,
                "limit": e.limit_text,
                "level": e.level,
                "recipient": e.recipient,
                "created_at": _time(e.created_at),
                "resolved_at": _time(e.resolved_at),
            }
            for e in session.scalars(
                select(Escalation).where(Escalation.case_id == case.id).order_by(Escalation.id)
            )
        ],
        "incidents": [
            {
                "task": i.task_name,
                "message": i.message,
                "attempts": i.attempts,
                "created_at": _time(i.created_at),
                "resolved_at": _time(i.resolved_at),
                "resolved_by": i.resolved_by,
            }
            for i in session.scalars(
                select(Incident).where(Incident.case_id == case.id).order_by(Incident.id)
            )
        ],
        "events": [
            {
                "seq": e.seq,
                "occurred_at": _time(e.occurred_at),
                "actor": e.actor,
                "kind": e.kind,
                "payload": e.payload,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in events
        ],
        "proof": {
            "algorithm": PROOF,
            "events": len(events),
            "intact": not broken,
            "broken": broken,
            "log_head": {"seq": head.seq, "hash": head.hash} if head else None,
        },
    }


def _intact(event: AuditEvent) -> bool:
    expected = audit.event_hash(
        event.prev_hash,
        event.seq,
        as_utc(event.occurred_at),
        event.actor,
        event.kind,
        event.case_id,
        event.payload,
    )
    return expected == event.hash


def _data(session: Session, case: Case) -> dict[str, Any]:
    """The case's process data as of its latest completed step (what its tasks and scripts wrote)."""
    if not case.state:
        return {}
    workflow = workflow_of(session, case)
    data = workflow.last_task.data if workflow.last_task is not None else workflow.data
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


def _reference(session: Session, case_id: int | None) -> str | None:
    return session.scalar(select(Case.reference).where(Case.id == case_id)) if case_id else None


def _time(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _late(item: WorkItem, now: datetime) -> int | None:
    if item.due_at is None:
        return None
    end = item.completed_at or (now if item.is_open else None)
    if end is None:
        return None
    late = as_utc(end) - as_utc(item.due_at)
    return int(late.total_seconds()) if late > timedelta(0) else None


def to_json(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")
