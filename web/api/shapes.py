"""The JSON the API answers with, one small function per kind of thing; ``openapi.py`` documents each shape."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from engine.cases.tracking import CustomerView
from engine.models import AuditEvent, Case, Customer, Deployment, Escalation, ProcessVersion, User, WorkItem
from web.masking import mask_id, mask_phone


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def person(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.display_name}


def is_overdue(item: WorkItem, now: datetime) -> bool:
    return item.is_open and item.due_at is not None and item.due_at < now


def task(item: WorkItem, *, case: Case | None, assignee: User | None, now: datetime) -> dict[str, Any]:
    return {
        "id": item.id,
        "case_id": item.case_id,
        "case_reference": case.reference if case else None,
        "tier": case.tier if case else None,
        "priority": case.priority if case else None,
        "name": item.name,
        "lane": item.lane,
        "state": item.state,
        "assignee": person(assignee),
        "created_at": iso(item.created_at),
        "due_at": iso(item.due_at),
        "completed_at": iso(item.completed_at),
        "overdue": is_overdue(item, now),
    }


def customer(record: Customer | None, *, show_phone: bool) -> dict | None:
    if record is None:
        return None
    return {
        # Masked beside the masked phone: a customer number identifies the person as well as the phone does.
        "id": record.external_id if show_phone else mask_id(record.external_id),
        "name": record.name,
        "phone": record.phone if show_phone else mask_phone(record.phone),
        "phone_masked": not show_phone,
        "segment": record.segment,
    }


def case_summary(case: Case, owner: User | None) -> dict[str, Any]:
    return {
        "id": case.id,
        "reference": case.reference,
        "process": case.process_key,
        "tier": case.tier,
        "priority": case.priority,
        "status": case.status,
        "category": case.category,
        "channel": case.channel,
        "owner": person(owner),
        "created_at": iso(case.created_at),
        "received_at": iso(case.received_at),
        "decided_at": iso(case.decided_at),
        "closed_at": iso(case.closed_at),
    }


def deadlines(case: Case, tasks: Iterable[WorkItem], now: datetime) -> dict[str, Any]:
    breached = case.regulatory_breached_at is not None or (
        case.decided_at is None and case.regulatory_due_at is not None and case.regulatory_due_at < now
    )
    return {
        "regulatory_days": case.regulatory_days,
        "regulatory_due_at": iso(case.regulatory_due_at),
        "regulatory_breached": breached,
        "regulatory_paused": case.regulatory_paused_since is not None,
        "regulatory_paused_since": iso(case.regulatory_paused_since),
        "tasks": [
            {"task_id": t.id, "name": t.name, "due_at": iso(t.due_at), "overdue": is_overdue(t, now)}
            for t in tasks
            if t.due_at is not None
        ],
    }


def complaint(
    case: Case,
    *,
    owner: User | None,
    record: Customer | None,
    show_phone: bool,
    tasks: list[WorkItem],
    assignees: dict[int, User],
    now: datetime,
) -> dict[str, Any]:
    return {
        **case_summary(case, owner),
        "business_type": case.business_type,
        "description": case.description,
        "amount": str(case.amount) if case.amount is not None else None,
        "cause_class": case.cause_class,
        "risk_warning": case.risk_warning,
        "repeat_of_id": case.repeat_of_id,
        "customer": customer(record, show_phone=show_phone),
        "deadlines": deadlines(case, tasks, now),
        "open_tasks": [task(t, case=case, assignee=assignees.get(t.assignee_id), now=now) for t in tasks],
    }


def created(case: Case, *, merged: bool) -> dict[str, Any]:
    return {
        "id": case.id,
        "reference": case.reference,
        "tier": case.tier,
        "status": case.status,
        "tracking_code": case.tracking_code,
        "merged": merged,
    }


def escalation(row: Escalation) -> dict[str, Any]:
    return {
        "source": row.source,
        "recipient": row.recipient,
        "limit": row.limit_text,
        "level": row.level,
        "created_at": iso(row.created_at),
        "resolved_at": iso(row.resolved_at),
    }


def step(item: WorkItem, actor: str | None, escalations: list[Escalation], now: datetime) -> dict[str, Any]:
    late_at = item.completed_at or (now if item.is_open else None)
    return {
        "task_id": item.id,
        "name": item.name,
        "lane": item.lane,
        "state": item.state,
        "actor": actor,
        "started_at": iso(item.created_at),
        "completed_at": iso(item.completed_at),
        "due_at": iso(item.due_at),
        "breached": item.due_at is not None and late_at is not None and late_at > item.due_at,
        "escalations": [escalation(e) for e in escalations],
    }


def event(row: AuditEvent) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": iso(row.occurred_at),
        "actor": row.actor,
        "kind": row.kind,
        "payload": row.payload,
    }


def version(row: ProcessVersion, deployment: Deployment | None = None) -> dict[str, Any]:
    deployment = deployment or row.deployment
    return {
        "key": row.process_key,
        "version": row.version,
        "name": row.name,
        "sha256": row.sha256,
        "source_file": row.source_file,
        "lanes": list(row.lanes or []),
        "deployed_at": iso(deployment.deployed_at),
        "deployed_by": deployment.deployed_by,
    }


def tracking(view: CustomerView) -> dict:
    """The customer's view of their complaint (engine/cases/tracking.py) as the API answers it."""
    step = view.next_step
    return {
        "reference": view.reference,
        "status": view.status,
        "milestones": [
            {"name": m.name, "reached": m.at is not None, "at": iso(m.at)} for m in view.milestones
        ],
        "owner": {"first_name": view.owner_first_name} if view.owner_first_name is not None else None,
        "next_step": {"name": step.name, "due_at": iso(step.due_at)} if step is not None else None,
        "decision_due_at": iso(view.decision_due_at),
    }
