"""The case workspace: everything about one case an agent needs in one read. No Flask here.

A fixed number of queries per page, whatever the case's size: the customer, their other complaints and the
repeats (with which of them the person may open, in one query), the trace (steps, escalations, audit events),
notes, notices, open tasks, waiting timers, and the names of everyone mentioned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import access, reads
from engine.cases.reads import users_by_id
from engine.models import (
    AuditEvent,
    Case,
    CaseNote,
    Customer,
    Escalation,
    OutboxMessage,
    Timer,
    TimerStatus,
    User,
    WorkItem,
    WorkItemState,
)
from web.agent.tasks import Person, entered

HISTORY_LIMIT = 20
# Outbox channels that reach the customer; "inbox" messages go to staff.
STAFF_CHANNELS = ("inbox",)


@dataclass
class Deadline:
    kind: str  # "task" | "timer" | "regulatory"
    name: str
    due_at: datetime
    task: WorkItem | None = None
    paused: bool = False


@dataclass
class Workspace:
    case: Case
    owner: User | None
    customer: Person | None
    segment: str | None
    history: list[tuple[Case, bool]]  # the customer's other complaints, newest first, and whether openable
    history_more: bool
    repeat_of: tuple[Case, bool] | None
    repeats: list[tuple[Case, bool]]
    steps: list[tuple[WorkItem, str | None]]  # every task, with who completed it
    escalations: dict[int, list[Escalation]]
    events: list[AuditEvent]
    other_lanes: list[
        tuple[WorkItem, str | None, dict]
    ]  # other departments' completed work and what they entered
    notes: list[CaseNote]
    notices: list[OutboxMessage]
    open_tasks: list[WorkItem]
    people: dict[int, User]
    deadlines: list[Deadline] = field(default_factory=list)
    regulatory_breached: bool = False


def load(session: Session, user: User, case: Case, now: datetime) -> Workspace:
    customer = session.get(Customer, case.customer_id) if case.customer_id is not None else None
    history, more = _history(session, case)
    repeats = list(
        session.scalars(select(Case).where(Case.repeat_of_id == case.id).order_by(Case.created_at, Case.id))
    )
    repeat_of = session.get(Case, case.repeat_of_id) if case.repeat_of_id is not None else None
    related = [*history, *repeats, *([repeat_of] if repeat_of else [])]
    openable = access.visible_case_ids(session, user, {c.id for c in related})

    trace = reads.trace(session, case.id)
    changes = entered(trace.events)
    mine = set(access.workable_lanes(user))
    other_lanes = [
        (item, actor, changes.get(item.id, {}))
        for item, actor in trace.steps
        if item.state == WorkItemState.COMPLETED and item.lane not in mine
    ]
    notes = list(
        session.scalars(
            select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.created_at, CaseNote.id)
        )
    )
    notices = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.case_id == case.id, OutboxMessage.channel.not_in(STAFF_CHANNELS))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    )
    open_tasks = [item for item, _ in trace.steps if item.is_open]
    open_tasks.sort(key=lambda i: (i.due_at is None, i.due_at or now, i.id))
    people = users_by_id(
        session,
        [case.owner_id, *(i.assignee_id for i in open_tasks), *(i.completed_by_id for i, _ in trace.steps)],
    )

    workspace = Workspace(
        case=case,
        owner=people.get(case.owner_id),
        customer=Person.of(customer),
        segment=customer.segment if customer else None,
        history=[(c, c.id in openable) for c in history],
        history_more=more,
        repeat_of=(repeat_of, repeat_of.id in openable) if repeat_of else None,
        repeats=[(c, c.id in openable) for c in repeats],
        steps=trace.steps,
        escalations=trace.escalations,
        events=trace.events,
        other_lanes=other_lanes,
        notes=notes,
        notices=notices,
        open_tasks=open_tasks,
        people=people,
    )
    workspace.deadlines = _deadlines(session, case, open_tasks, now)
    workspace.regulatory_breached = case.regulatory_breached_at is not None or (
        case.decided_at is None and case.regulatory_due_at is not None and case.regulatory_due_at < now
    )
    return workspace


def _history(session: Session, case: Case) -> tuple[list[Case], bool]:
    if case.customer_id is None:
        return [], False
    rows = list(
        session.scalars(
            select(Case)
            .where(Case.customer_id == case.customer_id, Case.id != case.id)
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(HISTORY_LIMIT + 1)
        )
    )
    return rows[:HISTORY_LIMIT], len(rows) > HISTORY_LIMIT


def _deadlines(session: Session, case: Case, open_tasks: list[WorkItem], now: datetime) -> list[Deadline]:
    """The deadlines ahead: open tasks' due times, the timers the case waits on, the regulatory decision."""
    ahead = [Deadline("task", i.name, i.due_at, task=i) for i in open_tasks if i.due_at is not None]
    timers = session.scalars(
        select(Timer)
        .where(Timer.case_id == case.id, Timer.status == TimerStatus.WAITING)
        .order_by(Timer.due_at)
    )
    task_dues = {i.due_at for i in open_tasks}
    # A task's own deadline timer is already listed with the task.
    ahead += [Deadline("timer", t.name, t.due_at) for t in timers if t.due_at not in task_dues]
    if case.decided_at is None and case.regulatory_due_at is not None:
        ahead.append(Deadline("regulatory", "", case.regulatory_due_at))
    ahead.sort(key=lambda d: d.due_at)
    if case.decided_at is None and case.regulatory_paused_since is not None:
        ahead.append(Deadline("regulatory", "", case.regulatory_paused_since, paused=True))
    return ahead
