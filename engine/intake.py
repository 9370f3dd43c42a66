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
from sqlalchemy import select

from engine import forms, regulatory
from engine.errors import NotFound
from engine.history import SqlCustomerHistory, find_open_duplicate
from engine.models import Case, CaseNote, Customer, ProcessVersion
from engine.runtime import CaseEngine

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
    engine: CaseEngine, submission: Any, *, actor: str, process_key: str = INTAKE_PROCESS
) -> IntakeResult:
    """Validate a submission and open (or join) the customer's case for it."""
    data = clean(submission)
    version, schema = intake_schema(engine, process_key)
    forms.validate(schema, data)
    complaint, person = data["complaint"], data["customer"]
    with engine.unit(actor) as unit:
        customer = _upsert_customer(engine, person, unit.now)
        duplicate = find_open_duplicate(
            engine.session, customer, complaint["category"], complaint["description"]
        )
        if duplicate is not None:
            _merge(engine, unit, duplicate, complaint, actor)
            return IntakeResult(duplicate, merged=True)
        history = SqlCustomerHistory(
            engine.session, engine.clock, int(engine.settings.get("REPEAT_WINDOW_DAYS", 30))
        )
        repeat = history.for_customer(
            customer.external_id, complaint["category"], complaint["description"], None
        )
        repeat_of = (
            engine.session.scalar(select(Case.id).where(Case.reference == repeat["repeat_of"]))
            if repeat["repeat_of"]
            else None
        )
        received = unit.now
        complaint = {**complaint, "received_at": received.isoformat()}
        complaint.setdefault(
            "language", "zh" if re.search(r"[\u4e00-\u9fff]", complaint["description"]) else "en"
        )
        amount = complaint.get("amount")
        case = engine.start_case(
            version,
            {"complaint": complaint, "customer": {**person, "segment": customer.segment}},
            actor=actor,
            title=complaint["description"][:80],
            customer_id=customer.id,
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
            },
        )
    return IntakeResult(case, merged=False)


def _upsert_customer(engine: CaseEngine, person: dict, now) -> Customer:
    session = engine.session
    customer = session.scalar(select(Customer).where(Customer.external_id == str(person["id"])))
    if customer is None:
        customer = Customer(external_id=str(person["id"]), created_at=now)
        session.add(customer)
    customer.name = person.get("name", customer.name or "")
    customer.phone = person.get("phone", customer.phone or "")
    customer.segment = person.get("segment") or customer.segment or "standard"
    session.flush()
    return customer


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
