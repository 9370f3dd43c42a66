"""A case's full trace for the auditor: its steps, everything that happened to it in time order, its regulatory
clock and its raw audit events. No Flask here: a Session, a case id and the time in, plain objects out.

The steps, escalations and events come from the case's trace (``engine.cases.reads.trace``); the rest is read from
the rows the engine keeps (timers, incidents, notices, notes) and, for what has no row of its own (owner
changes, reassignments, the regulatory clock's extensions and pauses), from the audit events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import reads
from engine.clock import as_utc
from engine.models import (
    AuditEvent,
    Case,
    CaseNote,
    Customer,
    Escalation,
    Incident,
    OutboxMessage,
    ProcessVersion,
    Timer,
    TimerStatus,
    User,
    WorkItem,
    WorkItemState,
)
from web.auditor.clock import RegulatoryClock, parse_time, regulatory_clock
from web.masking import Masker

# The order of entries of one engine step (they share its time): what causes before what follows from it.
KINDS = (
    "received",
    "merged",
    "note",
    "timer",
    "deadline_missed",
    "escalation",
    "message",
    "owner_changed",
    "reassigned",
    "step_completed",
    "step_cancelled",
    "step_ready",
    "step_claimed",
    "incident_opened",
    "incident_resolved",
    "regulatory",
    "notice",
    "decided",
    "closed",
    "timer_waiting",
)
_RANK = {kind: n for n, kind in enumerate(KINDS)}
# The facts of an entry that name a person (by username).
NAMES = ("owner", "previous", "from", "to", "approved_by")
REGULATORY_KINDS = ("regulatory.extended", "regulatory.paused", "regulatory.resumed", "regulatory.warning")


@dataclass
class Step:
    item: WorkItem
    claimed_by: str | None  # who took it (the audit event's actor), or the owner it was given to
    completed_by: str | None
    holder: str | None  # who has it now, while it is open
    given: bool  # given to the case owner by the engine rather than taken from a queue
    escalations: list[Escalation]
    late_by: timedelta | None  # completed after its due time, or still open past it: by how much

    @property
    def breached(self) -> bool:
        return self.late_by is not None


@dataclass
class Entry:
    at: datetime
    kind: str
    lane: str | None = None
    actor: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)  # what the template words the entry with
    breach: bool = False
    seq: int = 0  # the tie-breaker after the kind's rank

    @property
    def key(self) -> tuple:
        return (self.at, _RANK[self.kind], self.seq)


@dataclass
class Event:
    row: AuditEvent
    summary: str
    details: str


@dataclass
class CaseTrace:
    case: Case
    customer: Customer | None
    owner: User | None
    version: tuple[str, int, str] | None  # process key, version number, name
    repeat_of: Case | None
    steps: list[Step]
    timeline: list[Entry]
    clock: RegulatoryClock
    events: list[Event]
    people: dict[str, User]  # by username: the staff named in the trace
    masker: Masker


def case_trace(session: Session, case_id: int, now: datetime) -> CaseTrace | None:
    case = session.get(Case, case_id)
    if case is None:
        return None
    customer = session.get(Customer, case.customer_id) if case.customer_id is not None else None
    masker = Masker(customer)
    found = reads.trace(session, case.id)
    events = found.events
    by_id = reads.users_by_id(session, [case.owner_id, *(item.assignee_id for item, _ in found.steps)])
    steps = _steps(found, events, by_id, now)
    timeline = _timeline(session, case, steps, events, by_id, masker, now)
    version = session.execute(
        select(ProcessVersion.process_key, ProcessVersion.version, ProcessVersion.name).where(
            ProcessVersion.id == case.process_version_id
        )
    ).first()
    named = {e.actor for e in timeline} | {s.claimed_by for s in steps} | {s.holder for s in steps}
    named |= {e.facts.get(k) for e in timeline for k in NAMES} | {e.actor for e in events}
    people = {
        u.username: u
        for u in session.scalars(
            select(User).where(User.username.in_({n for n in named if isinstance(n, str)}))
        )
    }
    return CaseTrace(
        case=case,
        customer=customer,
        owner=by_id.get(case.owner_id),
        version=tuple(version) if version else None,
        repeat_of=session.get(Case, case.repeat_of_id) if case.repeat_of_id else None,
        steps=steps,
        timeline=sorted(timeline, key=lambda e: e.key),
        clock=regulatory_clock(case, events, now),
        events=[Event(e, masker.summary(e.payload), masker.payload(e.payload)) for e in events],
        people=people,
        masker=masker,
    )


def late_by(item: WorkItem, now: datetime) -> timedelta | None:
    """How far past its due time a step was completed, or is still open; None when it kept its time."""
    if item.due_at is None or item.state == WorkItemState.CANCELLED:
        return None
    end = item.completed_at if item.completed_at is not None else now if item.is_open else None
    if end is None:
        return None
    late = as_utc(end) - as_utc(item.due_at)
    return late if late > timedelta(0) else None


def _steps(found, events: list[AuditEvent], by_id: dict[int, User], now: datetime) -> list[Step]:
    claimed_by = {
        e.payload.get("work_item"): e.actor for e in events if e.kind == "task.claimed" and e.payload
    }
    owners = [
        (as_utc(e.occurred_at), e.payload.get("owner_username")) for e in events if e.kind == "owner.changed"
    ]
    steps = []
    for item, completer in found.steps:
        holder = by_id[item.assignee_id].username if item.assignee_id in by_id else None
        taker = claimed_by.get(item.id)
        given = taker is None and item.assign_to == "owner"
        if taker is None and item.claimed_at is not None:
            # Given to the case owner without a claim (first-owner responsibility): the owner of that moment.
            given = as_utc(item.claimed_at)
            earlier = [name for at, name in owners if at <= given]
            taker = earlier[-1] if item.assign_to == "owner" and earlier else holder
        holder = holder if item.is_open else None
        late = late_by(item, now)
        escalations = found.escalations.get(item.id, [])
        steps.append(Step(item, taker, completer, holder, given, escalations, late))
    return steps


def _timeline(session, case, steps, events, by_id, masker, now) -> list[Entry]:
    entries = [
        Entry(
            as_utc(case.received_at or case.created_at),
            "received",
            actor=case.started_by,
            facts={"channel": case.channel},
        )
    ]
    for step in steps:
        entries += _step_entries(step, now)
    entries += _escalations(session, case.id)
    entries += _from_events(events, by_id)
    for timer in session.scalars(select(Timer).where(Timer.case_id == case.id)):
        if timer.status == TimerStatus.FIRED and timer.fired_at is not None:
            lag = as_utc(timer.fired_at) - as_utc(timer.due_at)
            entries.append(Entry(as_utc(timer.fired_at), "timer", facts={"name": timer.name, "lag": lag}))
        elif timer.status == TimerStatus.WAITING:
            entries.append(Entry(as_utc(timer.due_at), "timer_waiting", facts={"name": timer.name}))
    for incident in session.scalars(select(Incident).where(Incident.case_id == case.id)):
        facts = {"task": incident.task_name, "message": incident.message, "attempts": incident.attempts}
        entries.append(Entry(as_utc(incident.created_at), "incident_opened", facts=facts, breach=True))
        if incident.resolved_at is not None:
            resolved = as_utc(incident.resolved_at)
            entries.append(Entry(resolved, "incident_resolved", actor=incident.resolved_by, facts=facts))
    notices = select(OutboxMessage).where(OutboxMessage.case_id == case.id, OutboxMessage.channel != "inbox")
    for notice in session.scalars(notices.order_by(OutboxMessage.id)):
        facts = {
            "channel": notice.channel,
            # "customer:<id>" is the customer's contacts on record; a number is masked.
            "recipient": None if notice.recipient.startswith("customer:") else masker.text(notice.recipient),
            "template": notice.template,
            "status": notice.status,
            "sent_at": as_utc(notice.sent_at) if notice.sent_at else None,
        }
        entries.append(Entry(as_utc(notice.created_at), "notice", facts=facts, seq=notice.id))
    for note in session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)):
        kind = "merged" if note.kind == "merged_complaint" else "note"
        entries.append(Entry(as_utc(note.created_at), kind, actor=note.author, facts={"text": note.text}))
    if case.closed_at is not None:
        entries.append(Entry(as_utc(case.closed_at), "closed", facts={"status": case.status}))
    return entries


def _step_entries(step: Step, now: datetime) -> list[Entry]:
    item, lane = step.item, step.item.lane
    facts = {"name": item.name, "due_at": as_utc(item.due_at) if item.due_at else None}
    entries = [Entry(as_utc(item.created_at), "step_ready", lane, facts=facts, seq=item.id)]
    if item.claimed_at is not None and item.claimed_at != item.completed_at:
        taken = {**facts, "given": step.given}
        entries.append(
            Entry(as_utc(item.claimed_at), "step_claimed", lane, step.claimed_by, taken, seq=item.id)
        )
    if step.breached and as_utc(item.due_at) <= now:
        missed = {**facts, "open": item.is_open}
        entries.append(Entry(as_utc(item.due_at), "deadline_missed", lane, None, missed, True, item.id))
    if item.completed_at is not None:
        done = {**facts, "late_by": step.late_by}
        entry = Entry(
            as_utc(item.completed_at), "step_completed", lane, step.completed_by, done, step.breached
        )
        entries.append(entry)
    return entries


def _escalations(session: Session, case_id: int) -> list[Entry]:
    """Every escalation of the case, the regulatory ones (which name no step) included."""
    rows = session.execute(
        select(Escalation, WorkItem.name, WorkItem.lane)
        .outerjoin(WorkItem, WorkItem.id == Escalation.work_item_id)
        .where(Escalation.case_id == case_id)
    )
    return [
        Entry(
            as_utc(row.created_at),
            "escalation",
            lane,
            facts={
                "source": row.source,
                "task": name or row.step,
                "level": row.level,
                "recipient": row.recipient,
                "limit": row.limit_text,
                "resolved_at": as_utc(row.resolved_at) if row.resolved_at else None,
            },
            breach=True,
            seq=row.id,
        )
        for row, name, lane in rows
    ]


def _from_events(events: list[AuditEvent], by_id: dict[int, User]) -> list[Entry]:
    """What only the audit log records: owner changes, reassignments, the regulatory clock, customer replies."""
    entries = []
    for event in events:
        at, payload = as_utc(event.occurred_at), event.payload or {}
        if event.kind == "owner.changed":
            previous = payload.get("previous_owner")
            facts = {
                "previous": by_id[previous].username if previous in by_id else previous,
                "owner": payload.get("owner_username"),
                "reason": payload.get("reason", ""),
            }
            entries.append(Entry(at, "owner_changed", "frontline", event.actor, facts, seq=event.seq))
        elif event.kind == "task.reassigned":
            facts = {k: payload.get(k) for k in ("task", "from", "to", "reason")}
            entries.append(Entry(at, "reassigned", payload.get("lane"), event.actor, facts, seq=event.seq))
        elif event.kind == "task.cancelled":
            entries.append(Entry(at, "step_cancelled", None, event.actor, dict(payload), seq=event.seq))
        elif event.kind == "message.received":
            entries.append(Entry(at, "message", None, event.actor, dict(payload), seq=event.seq))
        elif event.kind in REGULATORY_KINDS or event.kind == "regulatory.breached":
            facts = {
                **payload,
                "event": event.kind.split(".")[1],
                "due_at": parse_time(payload.get("due_at")),
            }
            breach = event.kind == "regulatory.breached"
            entries.append(Entry(at, "regulatory", None, event.actor, facts, breach, event.seq))
        elif event.kind == "case.decided":
            facts = {
                "within_limit": payload.get("within_limit"),
                "due_at": parse_time(payload.get("regulatory_due_at")),
            }
            entries.append(Entry(at, "decided", None, event.actor, facts, seq=event.seq))
    return entries
