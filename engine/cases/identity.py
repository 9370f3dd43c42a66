"""Customer records and who a public filing claims to be.

A complaint filed on the public site comes from an anonymous visitor: the name and mobile number they type
prove nothing, and a victim's number must not let a stranger rename the victim's record or add words to the
victim's open case. So a public filing never reads or changes a customer record:

- it gets a provisional customer of its own, with a random id (``web-…``; ids are never derived from phone
  numbers), so it joins no other case and finds no one's history;
- what was typed is recorded as an ``IdentityClaim`` on the case, with an audit event;
- the case's owner, or a supervisor, confirms the claim after calling the number back (the case moves to the
  customer on record with that number, if there is one, or the provisional customer stands) or rejects it.

Every change to a customer record, by any channel, is an audit event (``customer.created``,
``customer.updated``, ``customer.identity_*``). Phone numbers in the events are masked: the log is kept for
years and read by auditors, who judge the handling, not the number.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.engine import CaseEngine
from engine.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from engine.models import Case, Customer, IdentityClaim, Role, User
from engine.runtime.unit import Unit

PROVISIONAL_PREFIX = "web-"
CLAIMED, CONFIRMED, REJECTED = "claimed", "confirmed", "rejected"
_RECORD_FIELDS = ("name", "phone", "segment")


def provisional_id() -> str:
    """A customer id for a public filing: random, so it says nothing about the person and matches no one."""
    return PROVISIONAL_PREFIX + secrets.token_hex(8)


def is_provisional(customer: Customer | None) -> bool:
    return customer is not None and customer.external_id.startswith(PROVISIONAL_PREFIX)


_CHINA = re.compile(r"^(?:0086|86)(1\d{10})$")  # a Chinese mobile number written with the country code


def normalised_phone(phone: str) -> str:
    """A typed mobile number as the bank records it: its digits, without China's country code."""
    digits = re.sub(r"\D", "", phone or "")
    found = _CHINA.match(digits)
    return found.group(1) if found else digits


def masked(phone: str) -> str:
    """Enough of a number to tell two apart in the log (first three, last four digits), not enough to use it."""
    if len(phone) >= 9:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def _shown(name: str, value: str) -> str:
    return masked(value) if name == "phone" else value


def record_created(unit: Unit, customer: Customer, case_id: int | None) -> None:
    unit.record(
        "customer.created",
        case_id,
        customer=customer.id,
        external_id=customer.external_id,
        **{name: _shown(name, getattr(customer, name) or "") for name in _RECORD_FIELDS},
    )


def update_record(unit: Unit, customer: Customer, person: dict, case_id: int | None) -> None:
    """Bring a customer on record up to date from a trusted channel's submission; each change is audited."""
    wanted = {
        "name": person.get("name", customer.name or ""),
        "phone": person.get("phone", customer.phone or ""),
        "segment": person.get("segment") or customer.segment or "standard",
    }
    changes = {}
    for name, value in wanted.items():
        before = getattr(customer, name)
        if value != before:
            changes[name] = {"from": _shown(name, before or ""), "to": _shown(name, value)}
            setattr(customer, name, value)
    if changes:
        unit.record(
            "customer.updated", case_id, customer=customer.id, external_id=customer.external_id, **changes
        )


def record_claim(session: Session, unit: Unit, case: Case, customer: Customer, person: dict) -> IdentityClaim:
    """Record what a public filing typed as a claim on its case, for the owner to confirm or reject."""
    claim = IdentityClaim(
        case_id=case.id,
        customer_id=customer.id,
        name=str(person.get("name", ""))[:200],
        phone=normalised_phone(str(person.get("phone", "")))[:32],
        status=CLAIMED,
        created_at=unit.now,
    )
    session.add(claim)
    session.flush()
    unit.record(
        "customer.identity_claimed",
        case.id,
        claim=claim.id,
        customer=customer.id,
        phone=masked(claim.phone),
        on_record=len(on_record(session, claim)),
    )
    return claim


def on_record(session: Session, claim: IdentityClaim) -> list[Customer]:
    """The customers on record (not provisional) with the claimed number: whom the claim may turn out to be."""
    if not claim.phone:
        return []
    return list(
        session.scalars(
            select(Customer)
            .where(Customer.phone == claim.phone, Customer.external_id.not_like(PROVISIONAL_PREFIX + "%"))
            .order_by(Customer.id)
        )
    )


def claim_of(session: Session, case_id: int) -> IdentityClaim | None:
    return session.scalars(
        select(IdentityClaim)
        .where(IdentityClaim.case_id == case_id)
        .order_by(IdentityClaim.id.desc())
        .limit(1)
    ).first()


def may_decide(user: User, case: Case) -> bool:
    """The case's owner, or a supervisor, decides a claim (an auditor never changes anything)."""
    return user.role == Role.SUPERVISOR or (user.role == Role.AGENT and case.owner_id == user.id)


@dataclass
class Decision:
    claim: IdentityClaim
    customer: Customer  # whom the case belongs to now


def decide(
    session: Session,
    unit: Unit,
    case: Case,
    user: User,
    *,
    confirm: bool,
    customer_id: int | None = None,
    reason: str = "",
) -> Decision:
    """Confirm or reject the case's open claim, inside the caller's unit. Confirming with ``customer_id`` (one
    of ``on_record``) moves the case to that customer; without it, the provisional customer stands."""
    claim = claim_of(session, case.id)
    if claim is None:
        raise NotFound(f"case {case.reference} has no claimed identity to decide")
    if not may_decide(user, case):
        raise Forbidden("only the case's owner or a supervisor confirms or rejects who the customer is")
    if claim.status != CLAIMED:
        raise InvalidState(f"the claimed identity of case {case.reference} was already {claim.status}")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ValidationFailed("the reason is too long", {"reason": "use at most 500 characters"})
    provisional = session.get(Customer, claim.customer_id)
    customer = provisional
    if confirm and customer_id is not None:
        customer = next((c for c in on_record(session, claim) if c.id == customer_id), None)
        if customer is None:
            raise ValidationFailed(
                "that customer cannot be chosen",
                {"customer_id": "must be a customer on record with this number"},
            )
    claim.status = CONFIRMED if confirm else REJECTED
    claim.decided_by, claim.decided_at = user.username, unit.now
    claim.confirmed_customer_id = customer.id if confirm and customer is not provisional else None
    kind = "customer.identity_confirmed" if confirm else "customer.identity_rejected"
    unit.record(kind, case.id, claim=claim.id, customer=customer.id, by=user.username, reason=reason)
    if customer is not provisional:
        unit.record(
            "case.customer_changed", case.id, previous=case.customer_id, customer=customer.id, claim=claim.id
        )
        case.customer_id = customer.id
    session.flush()
    return Decision(claim, customer)


def decide_claim(
    engine: CaseEngine,
    case_id: int,
    user: User,
    *,
    confirm: bool,
    customer_id: int | None = None,
    reason: str = "",
) -> Decision:
    """Confirm or reject a case's claimed identity, in one transaction with its audit events."""
    with engine.unit(user.username) as unit:
        case = engine.session.get(Case, case_id, populate_existing=True, with_for_update=True)
        if case is None:
            raise NotFound(f"case {case_id} does not exist")
        return decide(
            engine.session, unit, case, user, confirm=confirm, customer_id=customer_id, reason=reason
        )
