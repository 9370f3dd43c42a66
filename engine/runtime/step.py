"""One engine step on one loaded case: run SpiffWorkflow, catch failures as incidents, write everything back."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select, update

from engine.models import Case, CaseStatus, Escalation, Incident, OutboxMessage, WorkItem, WorkItemState
from engine.runtime import projection
from engine.runtime.unit import Unit
from engine.scripting.script_engine import SandboxScriptEngine
from engine.store import writes
from engine.store.serialization import SERIALIZER
from handlers import HandlerContext, HandlerRegistry
from handlers import OutboxMessage as QueuedMessage

_ITEMS = WorkItem.__table__
_RETIER = update(_ITEMS).where(_ITEMS.c.case_id == bindparam("of_case")).values(tier=bindparam("new_tier"))


# Messages on these channels reach the customer (staff notices go to "inbox").
CUSTOMER_CHANNELS = ("sms", "app_push")


def ladder_start(due_at: datetime | None, settings: Mapping[str, Any]) -> datetime | None:
    """When the escalation ladder (engine/timers/ladder.py) first looks at a new task with this deadline:
    ``ESCALATION_NEAR_MINUTES`` before it (0, the default: at the deadline)."""
    if due_at is None:
        return None
    return due_at - timedelta(minutes=float(settings.get("ESCALATION_NEAR_MINUTES", 0)))


class Step:
    """One engine step over one case: run its workflow, then write state, work items, timers and effects.

    It is given what it needs (the unit, the handler registry, the settings, the outside-system adapters),
    not the ``CaseEngine`` that builds it.
    """

    def __init__(
        self,
        unit: Unit,
        case: Case,
        workflow: BpmnWorkflow,
        *,
        handlers: HandlerRegistry,
        settings: Mapping[str, Any],
        adapters: Mapping[str, Any],
    ):
        self.unit = unit
        self.settings = settings
        self.adapters = adapters
        self.case = case
        self.workflow = workflow
        self.outbox: list[QueuedMessage] = []
        self.contexts: list[HandlerContext] = []
        # Columns of the case row this step changes, written in one UPDATE at the end of ``save``.
        self.case_changes: dict[str, Any] = {}
        # A case that has not started yet has nothing ready or waiting.
        self.new_case = not case.state
        self.before = projection.Snapshot() if self.new_case else projection.Snapshot.of(workflow)
        self.failure: tuple[Any, str] | None = None
        workflow.script_engine = SandboxScriptEngine(handlers, self._handler_context)

    # ------------------------------------------------------------- running

    def complete_human_task(self, task, data: dict[str, Any]) -> dict[str, Any]:
        """Merge the form data into the task and complete it; return what changed, for the audit log."""
        before = {key: copy.deepcopy(task.data.get(key)) for key in data}
        if hasattr(task.task_spec, "add_data_from_form"):
            task.task_spec.add_data_from_form(task, data)
        else:
            task.update_data(data)
        diff = {
            key: {"from": before[key], "to": task.data.get(key)}
            for key in data
            if before[key] != task.data.get(key)
        }
        try:
            task.run()
        except Exception as exc:  # a post-script failed: the data stays, the case goes to incident
            self._fail(exc)
        return diff

    def advance(self, refresh_timers: bool = False) -> None:
        """Run every engine task that is ready (scripts, services, gateways, due timers)."""
        if self.failure is not None:
            return
        try:
            if refresh_timers:
                self.workflow.refresh_timers()
            self.workflow.do_engine_steps()
        except Exception as exc:
            self._fail(exc)

    def retry_failed(self) -> None:
        for task in self.workflow.get_tasks(state=TaskState.ERROR):
            task.reset_branch(None)
        self.advance()

    def _fail(self, exc: Exception) -> None:
        task = exc.task if isinstance(exc, WorkflowTaskException) else None
        message = str(exc) or type(exc).__name__
        for note in getattr(exc, "__notes__", None) or []:
            if note not in message:
                message += f" ({note})"
        self.failure = (task, message[:4000])

    def _handler_context(self, task) -> HandlerContext:
        source = projection.attached_task(task)
        context = HandlerContext(
            case_id=self.case.id,
            case_reference=self.case.reference,
            task_name=projection.task_label(task),
            data=task.data,
            now=self.unit.now,
            settings=self.settings,
            adapters=self.adapters,
            outbox=self.outbox,
            source_task_id=str(source.id) if source is not None else None,
        )
        self.contexts.append(context)
        return context

    # -------------------------------------------------------------- saving

    def set_case(self, name: str, value: Any) -> None:
        """Change a column of the case; written with the step's state in one UPDATE."""
        if getattr(self.case, name) != value:
            self.case_changes[name] = value
            writes.mark_committed(self.case, {name: value})

    def save(self, completed_task_id: str | None = None) -> projection.Changes:
        session, now, case = self.unit.session, self.unit.now, self.case
        changes = projection.sync(session, case, self.workflow, self.before, now, completed_task_id)
        tier = self._tier_after()
        for item in changes.new_items:
            item["tier"] = tier
            item["ladder_next_at"] = ladder_start(item["due_at"], self.settings)
            self._assign(item)
            self.unit.record(
                "task.ready",
                case.id,
                task=item["name"],
                lane=item["lane"],
                assignee=item["assignee_id"],
                due_at=item["due_at"],
            )
        projection.insert_rows(session, changes)
        for name in changes.cancelled_items:
            self.unit.record("task.cancelled", case.id, task=name)
        for name, due in changes.fired_timers:
            self.unit.record(
                "timer.fired",
                case.id,
                timer=name,
                due_at=due,
                lag_ms=int((now - due).total_seconds() * 1000) if due else None,
            )
        self._save_incident()
        self._apply_handler_effects()
        if "tier" in self.case_changes and not self.new_case:
            # The case's earlier tasks carry its tier for the inbox (WorkItem.tier): they follow a re-triage.
            session.execute(_RETIER, {"of_case": case.id, "new_tier": self.case_changes["tier"]})
        if case.first_response_at is None and any(m.channel in CUSTOMER_CHANNELS for m in self.outbox):
            self.set_case("first_response_at", now)  # the first message to the customer (for the figures)
        for message in self.outbox:
            session.add(
                OutboxMessage(
                    case_id=case.id,
                    channel=message.channel,
                    recipient=message.recipient,
                    template=message.template,
                    payload=message.payload,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
        if case.decided_at is None and any(c.decided for c in self.contexts):
            self.set_case("decided_at", now)  # the decision reached the customer: the regulatory clock stops
            self.set_case("regulatory_next_alert_at", None)
            self.unit.record(
                "case.decided",
                case.id,
                regulatory_due_at=case.regulatory_due_at,
                within_limit=case.regulatory_due_at is None or now <= case.regulatory_due_at,
            )
        if self.failure is not None:
            self.set_case("status", CaseStatus.INCIDENT)
        elif self.workflow.completed:
            if case.status != CaseStatus.COMPLETED:
                self.set_case("closed_at", now)
                self.set_case("regulatory_next_alert_at", None)
                self.unit.record("case.completed", case.id, reference=case.reference)
            self.set_case("status", CaseStatus.COMPLETED)
        else:
            self.set_case("status", CaseStatus.OPEN)
        self.case_changes.update(state=SERIALIZER.dump_state(self.workflow), updated_at=now)
        writes.update_case(session, case, self.case_changes)
        self.case_changes = {}
        return changes

    def _tier_after(self):
        """The case's tier once this step is saved: what a handler set (the last one wins), or as it was."""
        for context in reversed(self.contexts):
            if "tier" in context.case_fields:
                return context.case_fields["tier"]
        return self.case.tier

    def _assign(self, item: dict) -> None:
        if item["assign_to"] == "owner" and self.case.owner_id is not None:
            item.update(state=WorkItemState.CLAIMED, assignee_id=self.case.owner_id, claimed_at=self.unit.now)

    def _apply_handler_effects(self) -> None:
        """Case fields and escalations that handlers asked for, written in this step's transaction."""
        session, case = self.unit.session, self.case
        for context in self.contexts:
            for name, value in context.case_fields.items():
                if getattr(case, name) != value:
                    self.set_case(name, value)
                    self.unit.record("case.updated", case.id, field=name, value=value)
            for step, limit in context.escalations:
                item = None
                if context.source_task_id is not None:
                    item = session.scalar(select(WorkItem).where(WorkItem.task_id == context.source_task_id))
                # The diagram decides what the process does; who is told is the ladder's (engine/timers/ladder.py).
                level = max(item.escalation_level, 1) if item is not None else 1
                session.add(
                    Escalation(
                        case_id=case.id,
                        work_item_id=item.id if item else None,
                        step=step,
                        limit_text=limit,
                        level=level,
                        created_at=self.unit.now,
                    )
                )
                self.unit.record(
                    "task.escalated",
                    case.id,
                    step=step,
                    limit=limit,
                    level=level,
                    work_item=item.id if item else None,
                    task=item.name if item else None,
                )

    def _save_incident(self) -> None:
        session, now = self.unit.session, self.unit.now
        if self.failure is None and self.case.status != CaseStatus.INCIDENT:
            return  # nothing failed now and nothing was failing before: no incident to open or resolve
        open_incidents = session.scalars(
            select(Incident).where(Incident.case_id == self.case.id, Incident.resolved_at.is_(None))
        ).all()
        if self.failure is None:
            for incident in open_incidents:
                incident.resolved_at, incident.resolved_by = now, self.unit.actor
                self.unit.record(
                    "incident.resolved", self.case.id, incident=incident.id, task=incident.task_name
                )
            return
        task, message = self.failure
        task_id = str(task.id) if task is not None else ""
        task_name = projection.task_label(task) if task is not None else "(workflow)"
        for incident in open_incidents:
            if incident.task_id == task_id:
                incident.attempts += 1
                incident.message = message
                self.unit.record(
                    "incident.repeated",
                    self.case.id,
                    incident=incident.id,
                    task=task_name,
                    message=message,
                    attempts=incident.attempts,
                )
                return
        incident = Incident(
            case_id=self.case.id, task_id=task_id, task_name=task_name, message=message, created_at=now
        )
        session.add(incident)
        self.unit.record("incident.opened", self.case.id, task=task_name, message=message)
