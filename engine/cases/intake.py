"""Intake: a complaint from any channel becomes a case, joins an open one, or is refused field by field.

The fields a complaint must carry are the intake form of the deployed diagram (the start event's
``formJsonSchemaFilename``), so a process owner changes them without code. Everything — the customer record,
the case, its first workflow step, the audit events — is written in one transaction: nothing half-created.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from sqlalchemy import bindparam, select

from engine import forms
from engine.cases import identity, regulatory
from engine.cases.engine import CaseEngine, PreparedStart
from engine.cases.history import SqlCustomerHistory, find_open_duplicate
from engine.cases.ownership import FILED_REASON, owner_at_intake
from engine.errors import NotFound
from engine.models import Case, CaseNote, Customer, ProcessVersion, User
from engine.store import writes
from engine.store.ids import reserve_case_id
from handlers.adapters import NO_HISTORY

INTAKE_PROCESS = "complaint"
# Control characters are never part of a complaint; tabs and line breaks are.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class IntakeResult:
    case: Case
    merged: bool


def clean(value: Any) -> Any:
    """Strip control characters and surrounding blanks from every text in the submission; keep the rest."""
    if isinstance(value, str):
        return _CONTROL.sub("", value).strip()
    if isinstance(value, dict):
        return {key: clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean(item) for item in value]
    return value


def intake_schema(
    engine: CaseEngine, process_key: str = INTAKE_PROCESS
) -> tuple[ProcessVersion, dict | None]:
    """The deployed intake process's latest version and its start form; read once per engine (per request)."""
    key = ("intake_schema", process_key)
    if key not in engine.reads:
        engine.reads[key] = _read_intake_schema(engine, process_key)
    return engine.reads[key]


def _read_intake_schema(engine: CaseEngine, process_key: str) -> tuple[ProcessVersion, dict | None]:
    version = engine.session.scalars(ProcessVersion.latest(process_key)).first()
    if version is None:
        raise NotFound(f"no process is deployed under the key {process_key!r}; deploy processes/ first")
    spec, _ = engine.specs(version)
    name = next(
        (
            forms.form_name(t)
            for t in spec.task_specs.values()
            if isinstance(t, StartEvent) and forms.form_name(t)
        ),
        None,
    )
    # The forms from the cache of parsed versions: not a query and a JSON parse of every form per complaint.
    return version, engine.loaded(version.id).forms.get(name) if name else None


def file_complaint(
    engine: CaseEngine,
    submission: Any,
    *,
    actor: str,
    process_key: str = INTAKE_PROCESS,
    public: bool = False,
    filed_by: User | None = None,
) -> IntakeResult:
    """Validate a submission and open (or join) the customer's case for it.

    ``public``: filed by an anonymous visitor (the public site). The customer it names is only a claim
    (``engine/cases/identity.py``): the case gets a provisional customer of its own and joins no other case.
    ``filed_by``: the agent who files it for the customer (they own a new case filed on the phone or at the
    branch).
    """
    prepared = prepare(
        engine, submission, actor=actor, process_key=process_key, public=public, filed_by=filed_by
    )
    return write(engine, prepared, actor=actor)


@dataclass
class Prepared:
    """A valid complaint with its case's first steps run in memory: what ``write`` stores."""

    version: ProcessVersion
    complaint: dict
    person: dict
    duplicate_id: int | None = None  # the open case it joins
    history: dict | None = None  # what the case was started with, checked again under the write lock
    start: PreparedStart | None = None
    public: bool = False  # the customer is a claim: a provisional record, never one on file
    owner: User | None = None  # the agent who filed it for the customer, its first owner


def prepare(
    engine: CaseEngine,
    submission: Any,
    *,
    actor: str,
    process_key: str = INTAKE_PROCESS,
    public: bool = False,
    filed_by: User | None = None,
) -> Prepared:
    """Everything intake can do without writing: validate, look the customer up, and either find the open
    case the complaint joins or take a case id and run the new case's workflow to its first wait.

    Raises ``ValidationFailed`` (nothing is written, no id is taken) for a submission the form refuses.
    """
    data = clean(submission)
    if public and isinstance(data, dict) and isinstance(data.get("customer"), dict):
        data["customer"]["id"] = (
            identity.provisional_id()
        )  # whatever was sent: a public filing names no record
    version, schema = intake_schema(engine, process_key)
    forms.validate(schema, data)
    complaint, person = data["complaint"], data["customer"]
    customer = None if public else engine.session.scalar(_CUSTOMER, {"external_id": str(person["id"])})
    owner = owner_at_intake(filed_by, complaint.get("channel"))
    prepared = Prepared(version, complaint, person, public=public, owner=owner)
    if customer is not None:
        duplicate = find_open_duplicate(
            engine.session, customer, complaint["category"], complaint["description"]
        )
        if duplicate is not None:
            prepared.duplicate_id = duplicate.id
            return prepared
    _run_start(engine, prepared, actor, customer, reserve_case_id(engine.session))
    return prepared


def write(engine: CaseEngine, prepared: Prepared, *, actor: str) -> IntakeResult:
    """Store a prepared complaint in one write transaction: the customer, and the case or the join.

    What ``prepare`` read can have changed while it ran: another complaint of the same customer may have been
    filed, or their open case closed. For a customer already on record, the duplicate check and the history
    are done again under the write lock, and if either answers differently the case's first steps run again.
    """
    with engine.unit(actor) as unit:
        customer, created = _upsert_customer(engine, unit, prepared.person, public=prepared.public)
        complaint = prepared.complaint
        if not created:
            duplicate = find_open_duplicate(
                engine.session, customer, complaint["category"], complaint["description"]
            )
            if duplicate is not None:
                _merge(engine, unit, duplicate, complaint, actor)
                return IntakeResult(duplicate, merged=True)
            start = prepared.start
            case_id = start.values["id"] if start else reserve_case_id(engine.session)
            if start is None or _history(engine, complaint, prepared.person, case_id) != prepared.history:
                _run_start(engine, prepared, actor, customer, case_id)
        case = engine.write_start(prepared.start, customer_id=customer.id)
        if created:
            identity.record_created(unit, customer, case.id)
        if prepared.public:
            identity.record_claim(engine.session, unit, case, customer, prepared.person)
    return IntakeResult(case, merged=False)


def _history(engine: CaseEngine, complaint: dict, person: dict, case_id: int) -> dict:
    window = int(engine.settings.get("REPEAT_WINDOW_DAYS", 30))
    return SqlCustomerHistory(engine.session, engine.clock, window).for_customer(
        str(person["id"]), complaint["category"], complaint["description"], case_id
    )


def _run_start(
    engine: CaseEngine, prepared: Prepared, actor: str, customer: Customer | None, case_id: int
) -> None:
    """Run the new case's first steps (``CaseEngine.prepare_start``) with the customer's history as it is now."""
    person = prepared.person
    complaint = prepared.complaint
    history = prepared.history = (
        _history(engine, complaint, person, case_id) if customer is not None else dict(NO_HISTORY)
    )
    repeat_of = (
        engine.session.scalar(select(Case.id).where(Case.reference == history["repeat_of"]))
        if history["repeat_of"]
        else None
    )
    segment = person.get("segment") or (customer.segment if customer else None) or "standard"
    received = engine.step_time()
    complaint = {**complaint, "received_at": received.isoformat()}
    complaint.setdefault(
        "language", "zh" if re.search(r"[\u4e00-\u9fff]", complaint["description"]) else "en"
    )
    amount = complaint.get("amount")
    prepared.start = engine.prepare_start(
        prepared.version,
        {"complaint": complaint, "customer": {**person, "segment": segment}},
        actor=actor,
        case_id=case_id,
        at=received,
        title=complaint["description"][:80],
        fields={
            "channel": complaint["channel"],
            "business_type": complaint["business_type"],
            "category": complaint["category"],
            "description": complaint["description"],
            "amount": Decimal(str(amount)) if amount is not None else None,
            "received_at": received,
            "repeat_of_id": repeat_of,
            "tracking_code": secrets.token_urlsafe(24),
            **regulatory.start_values(received, engine.settings),
            **({"owner_id": prepared.owner.id} if prepared.owner is not None else {}),
        },
    )
    if prepared.owner is not None:
        prepared.start.unit.record(
            "owner.changed",
            case_id,
            previous_owner=None,
            owner=prepared.owner.id,
            owner_username=prepared.owner.username,
            reason=FILED_REASON,
        )


_CUSTOMER = select(Customer).where(Customer.external_id == bindparam("external_id"))


def _upsert_customer(engine: CaseEngine, unit, person: dict, *, public: bool) -> tuple[Customer, bool]:
    """The customer's record, created or (from a trusted channel) brought up to date, each change audited; and
    whether it was created. A public filing always creates its own provisional record."""
    session = engine.session
    customer = None if public else session.scalar(_CUSTOMER, {"external_id": str(person["id"])})
    if customer is None:
        values = {
            "external_id": str(person["id"]),
            "name": person.get("name", ""),
            "phone": person.get("phone", ""),
            "segment": person.get("segment") or "standard",
            "created_at": unit.now,
        }
        return writes.insert(session, Customer, values), True
    identity.update_record(unit, customer, person, None)
    session.flush()
    return customer, False


def _merge(engine: CaseEngine, unit, case: Case, complaint: dict, actor: str) -> None:
    """A repeat of a complaint that is still open joins it: recorded on the case, and its owner is told."""
    engine.session.add(
        CaseNote(
            case_id=case.id,
            kind="merged_complaint",
            author=actor,
            text=complaint["description"],
            created_at=unit.now,
        )
    )
    unit.record(
        "case.merged",
        case.id,
        channel=complaint["channel"],
        category=complaint["category"],
        description=complaint["description"][:500],
    )
    if case.owner_id is not None:
        engine.queue_message(
            case,
            "inbox",
            f"user:{case.owner_id}",
            "complaint_merged",
            reference=case.reference,
            channel=complaint["channel"],
        )
