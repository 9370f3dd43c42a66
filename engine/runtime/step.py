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

from engine.calendar.settings import zone
from engine.models import (
    Case,
    CaseStatus,
    OutboxMessage,
    TaskForceMember,
    User,
    WorkItem,
    WorkItemState,
)
from engine.models.case import priority_number
from engine.runtime import projection, storable, summaries, visits
from engine.runtime.budget import Budget, StepTimeout
from engine.runtime.step_effects import StepEffects
from engine.runtime.unit import Unit
from engine.store import writes
from engine.store.serialization import SERIALIZER
from handlers import HandlerContext, HandlerRegistry
from handlers import OutboxMessage as QueuedMessage

_ITEMS = WorkItem.__table__
_RETIER = update(_ITEMS).where(_ITEMS.c.case_id == bindparam("of_case")).values(tier=bindparam("new_tier"))
# A changed priority reorders the case's open tasks in the inbox (closed ones keep what they were worked at).
_REPRIORITISE = (
    update(_ITEMS)
    .where(_ITEMS.c.case_id == bindparam("of_case"), _ITEMS.c.state.in_(WorkItemState.open_states()))
    .values(priority=bindparam("new_priority"))
)


# Messages on these channels reach the customer (staff notices go to "inbox"); an acknowledgement of receipt
# is not a response (the figures' first response).
CUSTOMER_CHANNELS = ("sms", "app_push")
ACKNOWLEDGEMENTS = ("complaint_received",)


def ladder_start(due_at: datetime | None, settings: Mapping[str, Any]) -> datetime | None:
    """When the escalation ladder (engine/timers/ladder.py) first looks at a new task with this deadline:
    ``ESCALATION_NEAR_MINUTES`` before it (0, the default: at the deadline)."""
    if due_at is None:
        return None
    return due_at - timedelta(minutes=float(settings.get("ESCALATION_NEAR_MINUTES", 0)))


class Step(StepEffects):
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
        # What the tokens had reached, for the rows of the elements and flows this step adds (the heatmap's).
        self.reached = {} if self.new_case else visits.reached(workflow)
        # Where the case is counted in the heatmap's summaries (its day, version and triage) before the step.
        self.zone = zone(settings.get("TIMEZONE") or "Asia/Shanghai")
        self.counted_as = None if self.new_case else summaries.Dims.of(case, self.zone)
        self.failure: tuple[Any, str] | None = None
        self.retrying = False  # an operator's retry: the only step that resolves incidents naming no task
        self.budget: Budget | None = None
        workflow.script_engine = storable.StepScriptEngine(handlers, self._handler_context, self._budget)

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
        budget = self._budget()
        try:
            if refresh_timers:
                self.workflow.refresh_timers()
            self.workflow.do_engine_steps(did_complete_task=budget.check)
        except StepTimeout as exc:  # between two tasks: the ones not run yet stay ready for a retry
            waiting = sorted(
                {projection.task_label(t) for t in self.workflow.get_tasks(state=TaskState.READY)}
            )
            self._fail(StepTimeout(f"{exc}; next: {', '.join(waiting) or 'nothing'}"))
        except Exception as exc:
            self._fail(exc)

    def _budget(self) -> Budget:
        """The step's time budget, started by its first piece of SpiffWorkflow work."""
        if self.budget is None:
            self.budget = Budget.from_settings(self.settings)
        return self.budget

    def retry_failed(self) -> None:
        """Run the failed tasks again; incidents that named no task are resolved if this step succeeds."""
        self.retrying = True
        for task in self.workflow.get_tasks(state=TaskState.ERROR):
            task.reset_branch(None)
        self.advance(refresh_timers=True)  # with the timers that fell due (or were held) while it failed

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
        self._drop_thrown_events()
        state = self._dump_state()  # first: a value that cannot be stored becomes this step's incident
        changes = projection.sync(session, case, self.workflow, self.before, now, completed_task_id)
        new_visits = visits.record(session, case.id, self.workflow, self.reached, now)
        tier, priority = self._case_field_after("tier"), priority_number(self._case_field_after("priority"))
        for item in changes.new_items:
            item["tier"], item["priority"] = tier, priority
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
        self._apply_handler_effects()
        if "tier" in self.case_changes and not self.new_case:
            # The case's earlier tasks carry its tier for the inbox (WorkItem.tier): they follow a re-triage.
            session.execute(_RETIER, {"of_case": case.id, "new_tier": self.case_changes["tier"]})
        if "priority" in self.case_changes and not self.new_case:
            # Triage or a re-triage changed the priority: the case's open tasks move in the inbox.
            new_priority = priority_number(self.case_changes["priority"])
            session.execute(_REPRIORITISE, {"of_case": case.id, "new_priority": new_priority})
        if case.first_response_at is None and any(
            m.channel in CUSTOMER_CHANNELS and m.template not in ACKNOWLEDGEMENTS for m in self.outbox
        ):
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
        if self._save_incident():
            self.set_case("status", CaseStatus.INCIDENT)
        elif self.workflow.completed:
            if case.status != CaseStatus.COMPLETED:
                self.set_case("closed_at", now)
                self.set_case("regulatory_next_alert_at", None)
                self.unit.record("case.completed", case.id, reference=case.reference)
            self.set_case("status", CaseStatus.COMPLETED)
        else:
            self.set_case("status", CaseStatus.OPEN)
        self.case_changes.update(state=state, updated_at=now)
        writes.update_case(session, case, self.case_changes)
        self.case_changes = {}
        # Last, so the rows of the summaries are held for as short a time as the transaction allows.
        ended = [*changes.cancelled_ids, *([completed_task_id] if completed_task_id else [])]
        summaries.after_step(session, case, self.counted_as, new_visits, ended, self.zone)
        return changes

    def _drop_thrown_events(self) -> None:
        """Empty the messages and signals the workflow threw: nothing routes them (deploy refuses diagrams
        that throw them, engine/deploy/events.py), and kept in the state they would pile up for ever. A case
        of an older version that still throws them says so in its audit trail."""
        events, self.workflow.bpmn_events = self.workflow.bpmn_events, []
        if events:
            names = [
                f"{type(e.event_definition).__name__.removesuffix('EventDefinition').lower()} "
                f"{getattr(e.event_definition, 'name', None) or '(unnamed)'}"
                for e in events
            ]
            self.unit.record("events.dropped", self.case.id, events=names[:50], count=len(names))

    def _dump_state(self) -> str:
        """The workflow's state as JSON. Scripts are checked as they run (``storable.StepScriptEngine``); a
        value that still cannot be stored (from a decision table, say) is dropped here, and the step fails
        with an incident naming it rather than losing the whole step."""
        try:
            return SERIALIZER.dump_state(self.workflow)
        except (TypeError, ValueError, RecursionError):
            pass
        found = storable.drop_unstorable(self.workflow.data)
        for task in self.workflow.get_tasks():
            found += storable.drop_unstorable(task.data)
        message = f"a value that cannot be stored was dropped: {storable.describe(found) or 'unknown'}"
        if self.failure is None:
            self.failure = (None, f"{message} ({storable.HINT})"[:4000])
        return SERIALIZER.dump_state(self.workflow)

    def _case_field_after(self, name: str):
        """A column of the case (tier, priority) once this step is saved: what a handler set (the last one
        wins), what the step set (a re-triage), or as it was."""
        for context in reversed(self.contexts):
            if name in context.case_fields:
                return context.case_fields[name]
        return self.case_changes.get(name, getattr(self.case, name))

    def _assign(self, item: dict) -> None:
        if item["assign_to"] == "owner":
            assignee = self.case.owner_id
        elif item["assign_to"] == "task_force":
            assignee = self._task_force_member(item["lane"])
        else:
            return
        if assignee is not None:
            item.update(state=WorkItemState.CLAIMED, assignee_id=assignee, claimed_at=self.unit.now)

    def _task_force_member(self, lane: str | None) -> int | None:
        """Who joined the case's task force for ``lane`` (engine/cases/task_force.py), if they still work;
        without one the task waits in the lane's queue."""
        if self.new_case or lane is None:
            return None
        return self.unit.session.scalar(
            select(TaskForceMember.user_id)
            .join(User, User.id == TaskForceMember.user_id)
            .where(
                TaskForceMember.case_id == self.case.id, TaskForceMember.lane == lane, User.active.is_(True)
            )
        )
