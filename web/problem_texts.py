"""The deploy validator's problems in the page's language, from their stable code and parameters.

The validator (``engine/deploy/``) writes each problem in English and, for the problems a process owner meets
while editing, adds a ``code`` and ``params`` (``engine.errors.Problem``). This catalog turns those into the
page's language; a problem without a code, or with a code the catalog does not know yet, keeps its English
message. Elements named in the parameters are drawn as "kind "name"" in the page's language.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from engine.errors import Problem
from web.i18n import current_language


def element_kinds() -> dict[str, str]:
    """BPMN element kinds (their XML tag) as a process owner calls them."""
    return {
        "process": _("process"),
        "subProcess": _("sub-process"),
        "transaction": _("transaction"),
        "adHocSubProcess": _("ad-hoc sub-process"),
        "task": _("task"),
        "userTask": _("user task"),
        "manualTask": _("manual task"),
        "scriptTask": _("script task"),
        "serviceTask": _("service task"),
        "sendTask": _("send task"),
        "receiveTask": _("receive task"),
        "businessRuleTask": _("business rule task"),
        "callActivity": _("call activity"),
        "exclusiveGateway": _("exclusive gateway"),
        "parallelGateway": _("parallel gateway"),
        "inclusiveGateway": _("inclusive gateway"),
        "eventBasedGateway": _("event-based gateway"),
        "complexGateway": _("complex gateway"),
        "startEvent": _("start event"),
        "endEvent": _("end event"),
        "intermediateCatchEvent": _("intermediate catch event"),
        "intermediateThrowEvent": _("intermediate throw event"),
        "boundaryEvent": _("boundary event"),
        "sequenceFlow": _("sequence flow"),
        "messageFlow": _("message flow"),
        "participant": _("pool"),
        "message": _("message"),
        "signal": _("signal"),
        "error": _("error"),
        "escalation": _("escalation"),
        "dataStore": _("data store"),
        "dataStoreReference": _("data store reference"),
        "dataObjectReference": _("data object reference"),
        "dataInput": _("data input"),
        "dataOutput": _("data output"),
        "decision": _("decision"),
        "input": _("input column"),
        "output": _("output column"),
    }


def templates() -> dict[str, str]:
    """Each code's message; ``%(what)s`` is the element the problem is on."""
    return {
        "element.data_store": _(
            "%(what)s is a data store, which this engine does not provide; keep case data in process variables."
        ),
        "element.unreachable": _(
            "%(what)s cannot be reached from a start event, so it would never run; connect it or remove it."
        ),
        "flow.no_incoming": _(
            "%(what)s has no incoming sequence flow, so it would never run; connect it or remove it."
        ),
        "flow.no_outgoing": _(
            "%(what)s has no outgoing sequence flow; connect it to the next step or end the path with an end event."
        ),
        "gateway.complex": _(
            "%(what)s cannot run: complex gateways are not supported. Use an inclusive or exclusive gateway instead."
        ),
        "subprocess.ad_hoc": _(
            "%(what)s would start all of its activities at once; use a sub-process with a parallel or inclusive "
            "gateway."
        ),
        "activity.compensation": _(
            "%(what)s is a compensation activity, which the engine never runs. Model the undo work as ordinary tasks."
        ),
        "data.mapping": _(
            "%(what)s maps data with a transformation or assignment, which the engine ignores; copy the data in a"
            " script instead."
        ),
        "event.link": _(
            "%(what)s is a link event, which the engine does not follow; connect the two parts with a sequence "
            "flow instead."
        ),
        "event.compensation": _(
            "%(what)s uses compensation, which the engine never runs; model the undo work as ordinary tasks."
        ),
        "event.ignored_trigger": _(
            "%(what)s has a %(trigger)s trigger, which the engine ignores on this kind of event. Supported here: "
            "%(supported)s."
        ),
        "event.definition_ref": _(
            "%(what)s refers to a shared event definition, which the engine ignores; put the event definition "
            "inside the event."
        ),
        "boundary.no_trigger": _(
            "%(what)s has no trigger; a boundary event needs a timer, message, signal, error, escalation, "
            "conditional or cancel definition."
        ),
        "loop.multi_instance_count": _(
            "%(what)s repeats (multi-instance) but must say how often: give a loop cardinality or a loop input "
            "collection, one of the two."
        ),
        "loop.unbounded": _("%(what)s loops but has neither a loop maximum nor a loop condition."),
        "loop.maximum": _("%(what)s has a loop maximum that is not a whole number."),
        "loop.too_many": _(
            "%(what)s repeats %(count)s times (loop cardinality); one case may start at most %(limit)s instances of "
            "an activity (MULTI_INSTANCE_MAX)."
        ),
        "data.not_an_object": _(
            "%(what)s is connected to %(target)s, which is not a data object of this process."
        ),
        "scope.too_long": _(
            "%(what)s has %(steps)s steps in one level, too many to run; move parts of it into sub-processes or "
            "call activities."
        ),
        "scope.no_start": _("%(what)s has no start event; add one where the work begins."),
        "subprocess.starts": _("%(what)s has %(count)s start events; a sub-process needs exactly one."),
        "subprocess.no_end": _("%(what)s has no end event; a sub-process needs one."),
        "flow.no_condition": _(
            "%(what)s leaves %(gateway)s without a condition and is not its default flow; give it a condition or "
            "make it the default."
        ),
        "flow.condition_ignored": _(
            "%(what)s has a condition, but conditions on flows leaving %(source)s are ignored; branch with an "
            "exclusive gateway."
        ),
        "flow.implicit_split": _(
            "%(what)s has %(count)s outgoing sequence flows, but only one is followed out of a task or event: "
            "split with a parallel gateway, or choose with an exclusive gateway."
        ),
        "lane.unnamed": _(
            "%(what)s is in a lane without a name; name the lane after the department that does this work."
        ),
        "lane.missing": _(
            "%(what)s is not in any lane; put it in the lane of the department that does this work."
        ),
        "form.empty": _(
            "%(what)s has an empty %(property)s property; name the form file (.json) of this draft."
        ),
        "form.missing": _('%(what)s uses the form "%(value)s", which is not a .json file of this draft.'),
        "form.variant_unknown": _(
            '%(what)s varies its form by "%(value)s", which forms cannot vary by; use %(known)s.'
        ),
        "form.no_variants": _(
            '%(what)s varies its form by %(by)s, but the form "%(value)s" has no variants (x-variants); '
            "add them to the form or remove the formVariant property."
        ),
        "assign.unknown": _(
            '%(what)s has %(property)s "%(value)s", which the engine does not know; use %(known)s.'
        ),
        "taskforce.unknown": _(
            '%(what)s has %(property)s "%(value)s", which the engine does not know; use %(known)s.'
        ),
        "taskforce.no_join": _(
            '%(what)s goes to the task-force member of the "%(lane)s" lane, but no task of that lane in this '
            'process joins the task force; mark one with taskForce "join".'
        ),
        "call.no_target": _("%(what)s does not say which process to call; set its called element."),
        "call.not_executable": _(
            '%(what)s calls process "%(process)s", which is not executable; set isExecutable="true" on it.'
        ),
        "call.unknown": _(
            '%(what)s calls process "%(process)s", which is neither in this draft nor deployed.'
        ),
        "decision.no_id": _(
            "%(what)s does not name a decision; set the id of a decision in a DMN file of this draft."
        ),
        "decision.unknown": _(
            '%(what)s uses decision "%(decision)s", which is not in any DMN file of this draft.'
        ),
        "service.no_handler": _("%(what)s does not say what to do; choose one of the handlers: %(known)s."),
        "service.unknown_handler": _(
            '%(what)s calls the operation "%(name)s", which is not one of the handlers this server has: %(known)s.'
        ),
        "service.parameter_incomplete": _('%(what)s has the parameter "%(parameter)s" without %(missing)s.'),
        "script.language": _('%(what)s is written in "%(language)s"; this engine runs Python scripts only.'),
        "script.empty": _("%(what)s has no script; write the Python it should run, or use a plain task."),
        "timer.empty": _(
            '%(what)s has a timer with no time set; give a duration such as "PT4H" (with the quotes), a date or a'
            " cycle."
        ),
        "timer.not_text": _(
            '%(what)s has the timer %(type)s %(value)s; write it as text in quotes, for example "PT4H".'
        ),
        "timer.invalid": _(
            "%(what)s has the timer %(type)s %(value)s, which is not a valid ISO 8601 value (%(reason)s)."
        ),
        "timer.bare_word": _(
            "%(what)s has the timer %(type)s %(value)s, which is neither an ISO 8601 value nor an expression: a word"
            " in capitals is not a variable of this engine (variables are lower case). Write the value in quotes, for"
            ' example "PT4H".'
        ),
        "event.no_condition": _(
            "%(what)s is a conditional event with no condition; write the Python condition that triggers it (for "
            "example amount > 500)."
        ),
        "flow.source_outside": _(
            "%(what)s starts at %(other)s, which is not a step of %(scope)s; a sequence flow connects two steps of "
            "the same process or sub-process (use a message flow between pools)."
        ),
        "flow.target_outside": _(
            "%(what)s leads to %(other)s, which is not a step of %(scope)s; a sequence flow connects two steps of "
            "the same process or sub-process (use a message flow between pools)."
        ),
        "link.no_catch": _(
            "%(what)s throws the link %(link)s, but no catching link event of the same process level has that name."
        ),
        "link.no_throw": _(
            "%(what)s catches the link %(link)s, but no throwing link event of the same process level has that name."
        ),
        "reference.throw_missing": _(
            "%(what)s throws an event of type %(trigger)s but does not say which (%(attribute)s is missing); "
            "define one on the diagram and choose it on the event."
        ),
        "reference.wait_missing": _(
            "%(what)s waits for an event of type %(trigger)s but does not say which (%(attribute)s is missing); "
            "define one on the diagram and choose it on the event."
        ),
        "reference.wrong_kind": _(
            '%(what)s refers to the %(trigger)s "%(name)s" (%(attribute)s), which is %(target)s; define a '
            "bpmn:%(tag)s with that id or choose an existing one."
        ),
        "reference.undefined": _(
            '%(what)s refers to the %(trigger)s "%(name)s" (%(attribute)s), which the file does not define; '
            "define a bpmn:%(tag)s with that id or choose an existing one."
        ),
        "pool.message_flow": _(
            "%(what)s connects two elements of the same pool (%(pool)s); a message flow runs between pools. Inside "
            "one pool, use a sequence flow."
        ),
        "event.not_routed": _(
            "%(what)s throws a %(trigger)s, which this engine does not route to any case: nothing would receive it. "
            "Record what happened with a service task (notify, record) or let the other case be told from outside."
        ),
        "start.never": _(
            "%(what)s starts the process on a %(trigger)s, but cases start only from intake and the API: it would "
            "never start. Use a plain start event."
        ),
        "signal.wait": _(
            "%(what)s waits for a signal, which nothing in this engine sends: the case would wait for ever. Wait for "
            "a message (delivered from outside), a timer or a person's task instead."
        ),
        "dmn.not_dmn": _("is not a DMN file: its root element is %(root)s in %(namespace)s."),
        "dmn.no_decision": _("has no decision; a DMN file must hold one decision table."),
        "dmn.decisions": _(
            "has %(count)s decisions; SpiffWorkflow reads one per DMN file: put each in its own."
        ),
        "dmn.no_table": _("%(what)s: has no decision table; SpiffWorkflow runs decision tables only."),
        "dmn.hit_policy": _(
            "%(what)s: the hit policy %(policy)s is not supported by SpiffWorkflow; use UNIQUE, FIRST, ANY or COLLECT."
        ),
        "dmn.no_input_expression": _(
            "%(what)s: %(column)s has no input expression; say which value it tests (amount, say)."
        ),
        "dmn.input_refused": _(
            "%(what)s: %(column)s has the expression %(source)s that cannot run: %(reason)s"
        ),
        "dmn.output_unnamed": _(
            "%(what)s: %(column)s has no name; the result is stored under the output's name."
        ),
        "dmn.rule_cells": _(
            "%(what)s: rule %(row)s has %(cells_in)s input and %(cells_out)s output cells, but the table has "
            "%(inputs)s inputs and %(outputs)s outputs."
        ),
        "dmn.cell_unreadable": _(
            "%(what)s: rule %(row)s, %(column)s: the cell %(cell)s cannot be read as a value or a test "
            '(such as "gold", > 500 or ? > 5).'
        ),
        "dmn.cell_unparsable": _("%(what)s: rule %(row)s, %(column)s: the cell %(cell)s cannot be read."),
        "dmn.cell_refused": _("%(what)s: rule %(row)s, %(column)s: the cell %(cell)s cannot run: %(reason)s"),
        "dmn.output_refused": _("%(what)s: rule %(row)s: the output value %(source)s cannot run: %(reason)s"),
        "upload.empty": _("is empty: add the .bpmn file(s), their .dmn decisions and .json forms."),
        "upload.too_many": _("has %(count)s files; the limit is %(limit)s."),
        "upload.too_large": _("is %(size)s bytes; the limit is %(limit)s bytes."),
        "file.no_name": _("has a file without a name."),
        "file.twice": _("appears twice in the upload."),
        "file.bad_name": _("is not a plain relative file name."),
        "file.not_bpmn": _("is not a BPMN 2.0 file: its root element is %(root)s."),
        "file.unknown_type": _("is not a .bpmn diagram, .dmn decision table or .json form schema."),
        "json.too_large": _("is %(size)s bytes; a form schema may have at most %(limit)s."),
        "json.invalid": _("is not valid JSON: %(detail)s"),
        "json.not_object": _("must be a JSON object: the JSON Schema of a form."),
        "json.schema_not_text": _('has a "$schema" that is not text.'),
        "json.unknown_draft": _(
            'declares "$schema": "%(declared)s", which is not a JSON Schema draft this server knows.'
        ),
        "json.invalid_schema": _("is not a valid JSON Schema: %(detail)s"),
        "json.variant_invalid": _("has a variant that cannot be used: %(detail)s"),
        "json.too_deep": _("is nested too deeply to be a form schema."),
        "json.external_ref": _(
            'refers to another schema ("$ref": "%(ref)s"); a form schema must be self-contained.'
        ),
        "json.unsafe_pattern": _('has the pattern "%(pattern)s" (at %(where)s), which %(reason)s.'),
        "xml.too_large": _("the file is %(size)s bytes; the limit is %(limit)s bytes"),
        "xml.empty": _("the file is empty"),
        "xml.malformed": _("not well-formed XML: %(detail)s"),
        "xml.unreadable": _("the file could not be read as XML: %(detail)s"),
        "xml.too_many_elements": _(
            "the file has more than %(limit)s elements; split it into smaller diagrams"
        ),
        "xml.bad_encoding": _(
            "not valid UTF-8 at byte %(byte)s (line %(line)s): the file was saved in another encoding, such as "
            "Latin-1 or Windows-1252; save it as UTF-8 and upload it again"
        ),
        "xml.doctype": _(
            "the file contains a DOCTYPE declaration, which uploaded diagrams may not have; remove the "
            "<!DOCTYPE ...> part"
        ),
        "file.not_found": _("no such file or folder"),
        "file.same_name": _("two files in the bundle have this name"),
        "process.too_deep": _("the process is too deeply nested to store; split it into sub-processes"),
        "process.too_long": _(
            "The process is too long to run; move parts of it into sub-processes or call activities."
        ),
        "bundle.not_executable": _(
            'has no executable process: set isExecutable="true" on the process you want to run.'
        ),
        "upload.no_bpmn": _("has no BPMN diagram; upload the .bpmn file(s) with their DMN and forms."),
        "decision.duplicate": _('defines decision "%(decision)s", which %(other)s defines too.'),
        "spiff.unreadable": _("SpiffWorkflow cannot read this file: %(detail)s"),
        "spiff.validation": _("%(what)s: SpiffWorkflow does not accept it%(line)s: %(detail)s"),
        "upload.more": _("%(count)s more problems are not listed; fix these first."),
        "expression.refused": _("%(what)s has %(part)s %(source)s that cannot run: %(reason)s"),
        "instructions.refused": _("%(what)s has instructions that %(reason)s"),
        "xsd.layout": _("layout error, the shape is left out: %(detail)s"),
        "xsd.invalid": _("does not follow the BPMN schema (line %(line)s): %(detail)s"),
        "xsd.element": _("%(what)s does not follow the BPMN schema (line %(line)s): %(detail)s"),
    }


def expression_parts() -> dict[str, str]:
    """What holds an expression or script the sandbox refuses (the ``part`` parameter)."""
    return {
        "condition": _("condition"),
        "preScript": _("pre-script"),
        "postScript": _("post-script"),
        "event condition": _("event condition"),
        "loop cardinality": _("loop cardinality"),
        "completion condition": _("completion condition"),
        "loop condition": _("loop condition"),
        "messagePayload": _("message payload"),
        "payloadExpression": _("payload expression"),
        "expression": _("expression"),
        "correlation expression": _("correlation expression"),
        "script": _("script"),
        "timer duration": _("timer duration"),
        "timer date": _("timer date"),
        "timer cycle": _("timer cycle"),
    }


def timer_types() -> dict[str, str]:
    return {"duration": _("duration"), "date": _("date"), "cycle": _("cycle")}


def triggers() -> dict[str, str]:
    """What an event throws or waits for (the ``trigger`` parameter)."""
    return {
        "message": _("message"),
        "signal": _("signal"),
        "error": _("error"),
        "escalation": _("escalation"),
    }


def describe(ref: dict[str, Any] | None, kinds: dict[str, str]) -> str:
    """An element named by a problem, in the page's language: its kind and name (or id)."""
    if not ref:
        return ""
    kind = kinds.get(ref.get("kind") or "", ref.get("kind") or "")
    label = (
        _("%(kind)s “%(name)s”", kind=kind, name=ref["name"])
        if ref.get("name")
        else f"{kind} {ref.get('id')}"
    )
    return label.strip()


def text(problem: Problem, language: str | None = None) -> str:
    """``problem`` said in ``language`` (the page's by default)."""
    language = language or current_language()
    template = templates().get(problem.code) if problem.code else None
    if language == "en" or template is None:
        return problem.message
    kinds = element_kinds()
    values = {}
    for name, value in problem.params.items():
        if isinstance(value, dict) or (value is None and name in ("on", "what")):
            value = describe(value, kinds)
        values[name] = value
    for name, value in values.items():
        if isinstance(value, int) and not isinstance(value, bool):
            values[name] = f"{value:,}"  # sizes and limits as the English message groups them
    if problem.code == "dmn.not_dmn" and not values.get("namespace"):
        values["namespace"] = _("no namespace")
    if problem.code == "expression.refused":
        part = values.get("part") or ""
        values["part"] = (
            _("parameter “%(name)s”", name=values["name"])
            if part == "parameter"
            else expression_parts().get(part, part)
        )
    if "type" in values:
        values["type"] = timer_types().get(values["type"], values["type"])
    # event.ignored_trigger lists the supported triggers in BPMN's words, so its own trigger stays in them too.
    if "trigger" in values and problem.code != "event.ignored_trigger":
        values["trigger"] = triggers().get(values["trigger"], values["trigger"])
    if problem.code == "spiff.validation":
        line = problem.params.get("line")
        values["line"] = _(" (line %(line)s)", line=line) if line else ""
        values["what"] = values.get("what") or _("This file")
    if "link" in values:
        values["link"] = f"“{values['link']}”" if values["link"] else _("(without a name)")
    message = template % values
    if values.get("on"):
        message = _("On %(element)s: %(message)s", element=values["on"], message=message)
    return message
