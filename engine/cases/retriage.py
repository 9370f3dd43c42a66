"""Re-triage: the case owner or a supervisor corrects a case's tier, category and priority, with a reason.

The correction is an audit event (``case.retriaged``, before and after). When the tier changes while the
case is still on its tier's path, the case moves to the new tier's path: the workflow goes back to the
gateway that chose the path (``TIER_GATEWAY`` in complaint.bpmn) with the corrected data, so the open work
of the old path is cancelled and the new path starts, its customer-facing tasks going to the same owner. A
corrected category also goes back to the segment's gateway (``SEGMENT_GATEWAY``) when that gave the customer no
duty, so an elderly customer's dispute that turns out to be an account dispute gets the fraud protection
explanation. Once
the path is done (result and follow-up), the correction changes the labels and the data the rest reads.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from engine.cases import intake
from engine.cases.engine import CaseEngine
from engine.errors import Forbidden, InvalidState, ValidationFailed
from engine.models import Case, CaseStatus, Role, User

TIERS = ("urgent", "general", "advisory")
PRIORITIES = ("P1", "P2", "P3", "P4")
# The gateway of the intake process that runs the tier's path.
TIER_GATEWAY = "which_tier"
# The gateway of the intake process that chooses the customer segment's duty (the fraud protection explanation,
# the tailored plan), beside the tier's path.
SEGMENT_GATEWAY = "which_segment"
_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def may_retriage(user: User, case: Case) -> bool:
    """The case owner and supervisors (and the managers above them) correct a triage."""
    return case.owner_id == user.id or user.has_role(Role.SUPERVISOR)


def categories(engine: CaseEngine) -> list[str]:
    """The complaint categories the deployed intake form knows."""
    _version, schema = intake.intake_schema(engine)
    complaint = ((schema or {}).get("properties") or {}).get("complaint") or {}
    return list(((complaint.get("properties") or {}).get("category") or {}).get("enum") or [])


def check(engine: CaseEngine, tier: str, category: str, priority: str, reason: str) -> dict[str, str]:
    """What is wrong with a correction, by field (empty when nothing is)."""
    errors = {}
    if tier not in TIERS:
        errors["tier"] = f"must be one of {', '.join(TIERS)}"
    if category not in categories(engine):
        errors["category"] = "is not a category of the intake form"
    if priority not in PRIORITIES:
        errors["priority"] = f"must be one of {', '.join(PRIORITIES)}"
    if not (reason or "").strip():
        errors["reason"] = "is required"
    return errors


def retriage(
    engine: CaseEngine, case_id: int, *, actor: User, tier: str, category: str, priority: str, reason: str
) -> Case:
    """Correct the triage of an open case and, when the tier changes, move it to the new tier's path."""
    errors = check(engine, tier, category, priority, reason)
    if errors:
        raise ValidationFailed("the triage correction is not valid", errors)
    with engine.unit(actor.username) as unit:
        case = engine.read_case(case_id)
        if not may_retriage(actor, case):
            raise Forbidden("only the case owner or a supervisor may re-triage a case")
        if case.status != CaseStatus.OPEN:
            raise InvalidState(f"case {case.reference} is {case.status}: only an open case is re-triaged")
        before = {"tier": case.tier, "category": case.category, "priority": case.priority}
        after = {"tier": tier, "category": category, "priority": priority}
        if before == after:
            raise ValidationFailed(
                "the triage is already so", {"tier": "change the tier, category or priority"}
            )
        workflow = engine.load_workflow(case)
        step = engine.step_for(unit, case, workflow)
        moved = tier != case.tier and _move(workflow, after)
        if not moved:
            for task in workflow.get_tasks(state=_OPEN):
                _correct(task.data, after)
        duty_again = category != case.category and _redo_segment(workflow, after)
        for name, value in after.items():
            step.set_case(name, value)
        unit.record(
            "case.retriaged",
            case.id,
            before=before,
            after=after,
            reason=reason.strip(),
            moved=moved,
            segment_again=duty_again,
        )
        step.advance()
        step.save()
    return case


def _correct(data: dict[str, Any], after: dict[str, str]) -> None:
    """The corrected triage in a task's data: what the diagrams read (``tier``, ``priority``, the category)."""
    if "tier" in data or "priority" in data:
        data["tier"], data["priority"] = after["tier"], after["priority"]
    if isinstance(data.get("complaint"), dict):
        data["complaint"] = {**data["complaint"], "category": after["category"]}


def _move(workflow, after: dict[str, str]) -> bool:
    """Send the workflow back to the tier gateway with the corrected data, if a tier's path is still running."""
    gateways = [
        t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id == TIER_GATEWAY
    ]
    if not gateways:
        return False
    gateway = gateways[-1]
    if not any(t.has_state(_OPEN) for t in _paths(gateway)):
        return False  # the tier's path is done: the result and follow-up run on
    # The gateway takes its data from the step before it when it runs again: correct it there.
    _correct(gateway.parent.data, after)
    removed = workflow.reset_from_task_id(gateway.id)
    # SpiffWorkflow drops the old path's tasks from the tree but not from the event manager, where its waiting
    # timers (and message catches) would go on being seen: forget them there too.
    for task in removed:
        workflow.event_manager.remove_task(task)
    return True


def _redo_segment(workflow, after: dict[str, str]) -> bool:
    """Choose the segment's duty again with the corrected category, if the first choice gave none: an elderly
    customer's fee dispute corrected to an abnormal transaction gets the fraud protection explanation. A duty
    already given, open or done, stays as it is."""
    gateways = [
        t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id == SEGMENT_GATEWAY
    ]
    if not gateways:
        return False
    gateway = gateways[-1]
    given = TaskState.COMPLETED | _OPEN
    if any(t.task_spec.manual and t.has_state(given) for t in gateway):
        return False
    _correct(gateway.parent.data, after)
    for task in workflow.reset_from_task_id(gateway.id):
        workflow.event_manager.remove_task(task)
    return True


def _paths(gateway) -> list:
    """The tier paths the gateway started. A path with boundary events (a deadline timer on the call activity)
    sits under a split that completes at once: look through it to the activity, leaving its boundary events."""
    paths = []
    for child in gateway.children:
        if isinstance(child.task_spec, BoundaryEventSplit):
            paths += [t for t in child.children if not isinstance(t.task_spec, BoundaryEvent)]
        else:
            paths.append(child)
    return paths
