"""Deploy-time checks of what a diagram's elements refer to: handlers, forms, called processes, decisions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from lxml import etree

from engine.deploy.checks import NS, Diagram, elements, extension
from engine.forms import FORM_PROPERTY, VARIANT_KEYS, VARIANT_PROPERTY

FORM_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename")
# Who a user task goes to straight away (engine/runtime/step.py), and what joins an urgent case's task force
# (engine/cases/task_force.py).
ASSIGN_PROPERTY, ASSIGN_VALUES = "assignTo", ("owner", "task_force")
TASK_FORCE_PROPERTY, TASK_FORCE_VALUES = "taskForce", ("join",)


@dataclass(frozen=True)
class BundleRefs:
    """What the elements of a diagram may refer to."""

    handler_names: frozenset[str]
    forms: frozenset[str]
    decisions: frozenset[str]
    processes: frozenset[str]  # executable processes a call activity may call (bundle and library)
    not_executable: frozenset[str] = frozenset()
    varied_forms: frozenset[str] = frozenset()  # forms of the upload that have variants (x-variants)


def check_references(diagram: Diagram, refs: BundleRefs) -> None:
    """Append a problem for every reference of the executable processes that leads nowhere."""
    for proc in diagram.processes():
        _check_references(diagram, proc, refs)


def _check_references(diagram: Diagram, proc: etree._Element, refs: BundleRefs) -> None:
    for task in elements(proc, "serviceTask"):
        _check_service_task(diagram, task, refs.handler_names)
    _check_assignment(diagram, proc)
    for task in elements(proc, "userTask"):
        properties = task.xpath(
            "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS
        )
        for prop in properties:
            if prop.get("name") in FORM_PROPERTIES and prop.get("value") not in refs.forms:
                name, value = prop.get("name"), prop.get("value") or ""
                code = "form.missing" if value else "form.empty"
                diagram.report(task, _missing_form(name, value, refs.forms), code, property=name, value=value)
        _check_variant(diagram, task, {p.get("name"): p.get("value") or "" for p in properties}, refs)
    for call in elements(proc, "callActivity"):
        target = (call.get("calledElement") or "").strip()
        if not target:
            diagram.report(
                call, "does not say which process to call; set its called element.", "call.no_target"
            )
        elif target in refs.not_executable:
            diagram.report(
                call,
                f'calls process "{target}", which is not executable; set isExecutable="true" on it.',
                "call.not_executable",
                process=target,
            )
        elif target not in refs.processes:
            diagram.report(
                call,
                f'calls process "{target}", which is neither in this upload nor deployed.',
                "call.unknown",
                process=target,
            )
    for task in elements(proc, "businessRuleTask"):
        decision = extension(task, "calledDecisionId")
        decision_id = (decision.text or "").strip() if decision is not None else ""
        if not decision_id:
            diagram.report(
                task,
                "does not name a decision; set spiffworkflow:calledDecisionId to the id of a "
                "decision in a DMN file of this upload.",
                "decision.no_id",
            )
        elif decision_id not in refs.decisions:
            diagram.report(
                task,
                f'uses decision "{decision_id}", which is not in any DMN file of this upload.',
                "decision.unknown",
                decision=decision_id,
            )


def _check_assignment(diagram: Diagram, proc: etree._Element) -> None:
    """``assignTo`` and ``taskForce`` take the values the engine knows; a task given to the lane's task-force
    member needs a task of the same lane in the process that joins the task force (without one it would only
    ever wait in the queue)."""
    lanes = {
        ref.text.strip(): lane.get("name") or ""
        for lane in proc.iter(f"{{{NS['bpmn']}}}lane")
        for ref in lane.findall("bpmn:flowNodeRef", NS)
        if ref.text
    }
    found = []
    for task in elements(proc, "userTask"):
        properties = {
            p.get("name"): p.get("value") or ""
            for p in task.xpath(
                "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS
            )
        }
        found.append((task, properties, lanes.get(task.get("id") or "", "")))
        for name, values, code in (
            (ASSIGN_PROPERTY, ASSIGN_VALUES, "assign.unknown"),
            (TASK_FORCE_PROPERTY, TASK_FORCE_VALUES, "taskforce.unknown"),
        ):
            if name in properties and properties[name] not in values:
                known = ", ".join(values)
                diagram.report(
                    task,
                    f'has {name} "{properties[name]}", which the engine does not know; use {known}.',
                    code,
                    property=name,
                    value=properties[name],
                    known=known,
                )
    joining = {lane for _t, properties, lane in found if properties.get(TASK_FORCE_PROPERTY) == "join"}
    for task, properties, lane in found:
        if properties.get(ASSIGN_PROPERTY) == "task_force" and lane not in joining:
            diagram.report(
                task,
                f'goes to the task-force member of the "{lane}" lane, but no task of that lane in this process '
                f'joins the task force; mark one with {TASK_FORCE_PROPERTY} "join".',
                "taskforce.no_join",
                lane=lane,
            )


def _check_variant(diagram: Diagram, task: etree._Element, properties: dict, refs: BundleRefs) -> None:
    """A ``formVariant`` property names a case attribute the engine varies forms by, on a task whose form
    has variants (engine/forms.py)."""
    if VARIANT_PROPERTY not in properties:
        return
    by, form = properties[VARIANT_PROPERTY], properties.get(FORM_PROPERTY, "")
    if by not in VARIANT_KEYS:
        known = ", ".join(sorted(VARIANT_KEYS))
        diagram.report(
            task,
            f'varies its form by "{by}", which forms cannot vary by; use {known}.',
            "form.variant_unknown",
            value=by,
            known=known,
        )
    elif form in refs.forms and form not in refs.varied_forms:
        diagram.report(
            task,
            f'varies its form by {by}, but the form "{form}" has no variants (x-variants); '
            f"add them to the form or remove the {VARIANT_PROPERTY} property.",
            "form.no_variants",
            value=form,
            by=by,
        )


def _check_service_task(diagram: Diagram, task: etree._Element, handlers: frozenset[str]) -> None:
    known = ", ".join(sorted(handlers)) or "(none registered)"
    operator = extension(task, "serviceTaskOperator")
    if operator is None:
        diagram.report(
            task,
            f"does not say what to do; add a spiffworkflow:serviceTaskOperator naming one of "
            f"the handlers: {known}.",
            "service.no_handler",
            known=known,
        )
        return
    name = operator.get("id")
    if name not in handlers:
        diagram.report(
            task,
            f'calls the operation "{name or ""}", which is not one of the handlers this server has: {known}.',
            "service.unknown_handler",
            name=name or "",
            known=known,
        )
    for param in operator.iterfind("spiffworkflow:parameters/spiffworkflow:parameter", NS):
        missing = [a for a in ("id", "type", "value") if param.get(a) is None]
        if missing:
            label = f'parameter "{param.get("id")}"' if param.get("id") else "a parameter"
            diagram.report(
                task,
                f"has {label} without {' and '.join(missing)}.",
                "service.parameter_incomplete",
                parameter=param.get("id") or "",
                missing=", ".join(missing),
            )


def _missing_form(prop: str, value: str, forms: frozenset[str]) -> str:
    what = "form" if prop == FORM_PROPERTIES[0] else "form layout"
    if not value:
        return f"has an empty {prop} property; name the {what} file (.json) of this upload."
    same_name = sorted(f for f in forms if PurePosixPath(f).name == PurePosixPath(value).name)
    hint = f" (the upload has {', '.join(same_name)}; the property must name it exactly)" if same_name else ""
    return f'uses the {what} "{value}", which is not a .json file of this upload{hint}.'
