"""What a step writes besides the workflow and its projection: the case fields and escalations that handlers
asked for, and the case's incidents (opened, repeated, resolved). A mixin of ``Step`` (engine/runtime/step.py),
which gives it ``unit``, ``case``, ``workflow``, ``contexts``, ``failure``, ``retrying`` and ``set_case``.
"""

from __future__ import annotations

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.models import CaseStatus, Escalation, Incident, WorkItem
from engine.runtime import projection


class StepEffects:
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

    def _save_incident(self) -> bool:
        """Open, repeat or resolve the case's incidents; return whether any is left open.

        An incident names the task in ERROR it is about: it is resolved only when that task is no longer in
        ERROR (a retry fixed it, or its branch was cancelled). One that names no failed task (the workflow
        failed outside a task, or a step could not be stored) is resolved only by a retry that succeeds.
        A step that fixed nothing (a timer in another branch, a task completed beside it) resolves nothing.
        """
        session, now = self.unit.session, self.unit.now
        in_error = {str(t.id) for t in self.workflow.get_tasks(state=TaskState.ERROR)}
        if self.failure is None and not in_error and self.case.status != CaseStatus.INCIDENT:
            return False  # nothing failed now and nothing was failing before: no incident to open or resolve
        open_incidents = session.scalars(
            select(Incident).where(Incident.case_id == self.case.id, Incident.resolved_at.is_(None))
        ).all()
        current = self._record_failure(open_incidents) if self.failure is not None else None
        left = False
        for incident in open_incidents:
            fixed = incident.task_id not in in_error if incident.task_id else self.retrying
            if incident is current or not fixed:
                left = True
                continue
            incident.resolved_at, incident.resolved_by = now, self.unit.actor
            self.unit.record("incident.resolved", self.case.id, incident=incident.id, task=incident.task_name)
        return left or current is not None or bool(in_error)

    def _record_failure(self, open_incidents) -> Incident:
        """The incident of this step's failure: an open one about the same task gets one more attempt."""
        task, message = self.failure
        failed = task is not None and task.has_state(TaskState.ERROR)
        task_id = str(task.id) if failed else ""
        task_name = projection.task_label(task) if task is not None else "(workflow)"
        for incident in open_incidents:
            if incident.task_id == task_id and (task_id or incident.task_name == task_name):
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
                return incident
        incident = Incident(
            case_id=self.case.id,
            task_id=task_id,
            task_name=task_name,
            message=message,
            created_at=self.unit.now,
        )
        self.unit.session.add(incident)
        self.unit.record("incident.opened", self.case.id, task=task_name, message=message)
        return incident
