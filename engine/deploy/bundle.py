"""Turn an uploaded bundle of diagrams into SpiffWorkflow specs, or say everything that is wrong with it.

``load_bundle`` is the one gate between a process owner's files and the engine. It reads the files
(``validation_files``: names, sizes, XML parsed by ``xmlsafe``, form schemas), loads every BPMN and DMN into a
``SpiffBpmnParser``, runs our own checks (``validation_checks``: shape; ``validation_references``: handlers,
forms, calls, decisions; ``validation_expressions``: scripts, conditions, timers; ``validation_dmn``), and
builds the specs. Nothing from SpiffWorkflow escapes as an exception: every failure becomes a ``Problem``
naming the file and element, and all of them are raised together as one ``DeploymentRejected``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.deploy.checks import BPMN_NS, TOO_LONG, Diagram, check_diagram, local
from engine.deploy.conformance import check_conformance
from engine.deploy.dmn import check_dmn
from engine.deploy.events import check_events
from engine.deploy.expressions import check_expressions, quote_iso_timers
from engine.deploy.files import UPLOAD, read_files
from engine.deploy.references import BundleRefs, check_references
from engine.deploy.schema import check_schema
from engine.deploy.xmlsafe import parse_xml
from engine.errors import DeploymentRejected, Problem
from engine.forms import VARIANTS

MAX_PROBLEMS = 200

_TOO_LONG = f"The process {TOO_LONG}"
_SHORT_NAMESPACES = {
    "{" + BPMN_NS + "}": "bpmn:",
    "{http://spiffworkflow.org/bpmn/schema/1.0/core}": "spiff:",
}


@dataclass
class Bundle:
    parser: SpiffBpmnParser  # with every BPMN and DMN of the bundle loaded
    process_ids: list[str]  # executable processes whose specs built fine (deploy candidates)
    specs: dict[str, tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]]  # pid -> (spec, subprocess specs)
    forms: dict[str, dict]  # JSON Schema files of the bundle by file name
    sources: dict[str, bytes]  # every file of the bundle by name, as uploaded
    warnings: list[Problem] = field(default_factory=list)  # worth telling, not worth refusing (layout)


def load_bundle(
    files: list[tuple[str, bytes]], *, handler_names: set[str], library: dict[str, bytes] | None = None
) -> Bundle:
    """Validate ``files`` as one deployment and return its specs, or raise ``DeploymentRejected``.

    ``library`` holds the BPMN sources of processes already deployed, by file name; they are loaded only to
    resolve call activities whose process is not in ``files``.
    """
    problems: list[Problem] = []  # from our own checks
    spiff: list[Problem] = []  # from SpiffWorkflow, which often says the same thing less clearly
    sources, bpmn, dmn, forms = read_files(files, problems)
    warnings: list[Problem] = []
    # Schema validation is ours (engine.deploy.schema): every error at once, layout errors as warnings.
    parser = SpiffBpmnParser(validator=None)
    decisions = _decisions(dmn, problems)
    for name, root in dmn.items():
        problems.extend(check_dmn(name, root))
        _spiff(spiff, name, _add_dmn, parser, root, name)
    loaded = set()
    for name, root in bpmn.items():
        refusals, layout = check_schema(name, root)
        problems.extend(refusals)
        warnings.extend(layout)
        if not refusals and _spiff(spiff, name, parser.add_bpmn_xml, root, name):
            loaded.add(name)

    executable, not_executable = _processes(bpmn)
    library_ids = _load_library(parser, library or {}, bpmn, set(executable) | set(not_executable))
    refs = BundleRefs(
        handler_names=frozenset(handler_names),
        forms=frozenset(forms),
        decisions=frozenset(decisions),
        processes=frozenset(executable) | library_ids,
        not_executable=frozenset(not_executable),
        varied_forms=frozenset(name for name, schema in forms.items() if VARIANTS in schema),
    )
    checked: set[str] = set()  # files whose own checks passed: only their specs are worth building
    for name, root in bpmn.items():
        diagram = Diagram(name, root)
        quote_iso_timers(diagram)  # before the checks and the specs: both then read the quoted literal
        check_conformance(diagram)  # first: its precise reasons keep "cannot be reached" off the same element
        check_diagram(diagram)
        check_references(diagram, refs)
        check_expressions(diagram)
        check_events(diagram)
        problems.extend(diagram.problems)
        if not diagram.problems:
            checked.add(name)
    if bpmn and not executable:
        message = 'has no executable process: set isExecutable="true" on the process you want to run.'
        problems.extend(Problem(name, message, code="bundle.not_executable") for name in bpmn)
    elif not any(PurePosixPath(name).suffix.lower() == ".bpmn" for name in sources) and sources:
        problems.append(
            Problem(
                UPLOAD,
                "has no BPMN diagram; upload the .bpmn file(s) with their DMN and forms.",
                code="upload.no_bpmn",
            )
        )

    specs = {}
    for pid, name in executable.items():
        if name in loaded and name in checked and (built := _build(parser, pid, name, spiff)):
            specs[pid] = built
    problems.extend(_not_covered(spiff, problems))
    if problems:
        raise DeploymentRejected(_capped(problems))
    return Bundle(
        parser=parser, process_ids=list(specs), specs=specs, forms=forms, sources=sources, warnings=warnings
    )


# --- loading into SpiffWorkflow -----------------------------------------------------------------------------


def _decisions(dmn: dict[str, etree._Element], problems: list[Problem]) -> dict[str, str]:
    """The file of each decision id; SpiffWorkflow would silently let a later file replace an earlier one."""
    decisions: dict[str, str] = {}
    for name, root in dmn.items():
        decision_id = _decision_id(root)
        if decision_id in decisions:
            message = f'defines decision "{decision_id}", which {decisions[decision_id]} defines too.'
            params = {"decision": decision_id, "other": decisions[decision_id]}
            problems.append(Problem(name, message, decision_id, code="decision.duplicate", params=params))
        elif decision_id:
            decisions[decision_id] = name
    return decisions


def _decision_id(root: etree._Element) -> str | None:
    decision = next((c for c in root if local(c) == "decision"), None)
    return decision.get("id") if decision is not None else None


def _add_dmn(parser: SpiffBpmnParser, root: etree._Element, name: str) -> None:
    parser.add_dmn_xml(root, filename=name)
    # SpiffWorkflow parses a decision table only when a task first uses it; parse now so errors show here.
    parser.dmn_parsers[_decision_id(root)].parse()


def _processes(bpmn: dict[str, etree._Element]) -> tuple[dict[str, str], dict[str, str]]:
    """Top-level process ids of the bundle by file: (executable, not executable), by SpiffWorkflow's rule."""
    executable: dict[str, str] = {}
    not_executable: dict[str, str] = {}
    for name, root in bpmn.items():
        for proc in root.iterfind(f"{{{BPMN_NS}}}process"):
            target = executable if proc.get("isExecutable", "true") == "true" else not_executable
            target.setdefault(proc.get("id"), name)
    return executable, not_executable


def _load_library(
    parser: SpiffBpmnParser, library: dict[str, bytes], bpmn: dict[str, etree._Element], taken: set[str]
) -> frozenset[str]:
    """Load the deployed files defining processes the bundle calls but lacks; return those process ids."""
    needed = {ref for root in bpmn.values() for ref in _called(root)} - taken
    if not needed:
        return frozenset()
    candidates: dict[str, tuple[etree._Element, set[str]]] = {}
    for name, data in library.items():
        try:
            root = parse_xml(data, filename=name)
        except DeploymentRejected:
            continue  # then the call stays unresolved and is reported as such
        candidates[name] = (root, set(_processes({name: root})[0]))
    added: set[str] = set()
    while wanted := needed - added - taken:
        name = next((n for n, (_, ids) in candidates.items() if ids & wanted), None)
        if name is None:
            break
        root, ids = candidates.pop(name)
        if ids & (taken | added):
            continue  # the bundle replaces part of this file; loading it would clash
        try:
            parser.add_bpmn_xml(root, filename=name)
        except Exception:  # an older deployment SpiffWorkflow now refuses: the call stays unresolved
            continue
        added |= ids
        needed |= set(_called(root))
    return frozenset(added)


def _called(root: etree._Element) -> list[str]:
    return [c.get("calledElement") for c in root.iter(f"{{{BPMN_NS}}}callActivity") if c.get("calledElement")]


def _build(parser: SpiffBpmnParser, pid: str, name: str, problems: list[Problem]):
    result: list = []

    def build() -> None:
        result.append((parser.get_spec(pid), parser.get_subprocess_specs(pid)))

    _spiff(problems, name, build, process=pid)
    return result[0] if result else None


# SpiffWorkflow messages without an element that our checks always report better when they apply.
_COVERED = re.compile(r"^(Data Store with name|The process '.*' was not found)")


def _not_covered(spiff: list[Problem], ours: list[Problem]) -> list[Problem]:
    """SpiffWorkflow's problems, less those about an element or a file our checks already reported."""
    elements = {(p.file, p.element) for p in ours if p.element}
    files = {p.file for p in ours}
    return [
        p
        for p in spiff
        if (p.file, p.element) not in elements and not (p.file in files and _COVERED.match(p.message))
    ]


def _spiff(problems: list[Problem], name: str, call, *args, process: str | None = None) -> bool:
    """Run a SpiffWorkflow call, turning whatever it raises into a problem; return whether it succeeded."""
    try:
        call(*args)
    except ValidationException as error:
        problem = _from_validation(error, name)
        if problem.message == _TOO_LONG:  # name the process, not the step where Python gave up
            problem = Problem(problem.file, _TOO_LONG, process, code="process.too_long")
        problems.append(problem)
        return False
    except RecursionError:
        problems.append(Problem(name, _TOO_LONG, process, code="process.too_long"))
        return False
    except Exception as error:  # SpiffWorkflow raises KeyError, IndexError, AttributeError... on odd input
        detail = _clean(repr(error))
        message = f"SpiffWorkflow cannot read this file: {detail}"
        problems.append(Problem(name, message, code="spiff.unreadable", params={"detail": detail}))
        return False
    return True


def _from_validation(error: ValidationException, default_file: str) -> Problem:
    message = _clean(str(error.args[0]) if error.args else str(error))
    file = error.file_name or default_file
    if "RecursionError" in message or isinstance(error.__context__, RecursionError):
        return Problem(file, _TOO_LONG, code="process.too_long")
    detail, element = message, None
    if error.id:
        tag = (error.tag or "element").rsplit("}", 1)[-1].split(":")[-1]
        kind = re.sub(r"(?<!^)([A-Z])", r" \1", tag).lower()
        what = f'{kind} "{error.name}"' if error.name else f"{kind} {error.id}"
        message = f"{what}: {message}"
        element = {"kind": tag, "name": " ".join((error.name or "").split()), "id": error.id}
    if error.line_number:
        message += f" (line {error.line_number})"
    # The detail is SpiffWorkflow's English; the code lets a page wrap it, and name the element, in its language.
    params = {"what": element, "detail": detail, "line": error.line_number or None}
    return Problem(file, message, error.id or None, code="spiff.validation", params=params)


def _clean(message: str) -> str:
    """SpiffWorkflow's and lxml's messages, without XML namespaces and object addresses."""
    for namespace, prefix in _SHORT_NAMESPACES.items():
        message = message.replace(namespace, prefix)
    message = re.sub(r"<Element (\S+) at 0x[0-9a-f]+>", r"\1", message).strip().rstrip(".") + "."
    return message if len(message) <= 300 else message[:297] + "..."


def _capped(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    if len(unique) <= MAX_PROBLEMS:
        return unique
    more = len(unique) - MAX_PROBLEMS
    message = f"{more} more problems are not listed; fix these first."
    return [*unique[:MAX_PROBLEMS], Problem(UPLOAD, message, code="upload.more", params={"count": more})]
