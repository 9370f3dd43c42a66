"""The regulatory clock's further extension (30 → 60 days) as a request a senior manager decides.

A supervisor asks, with a reason (``request``); the senior managers get a staff notice. One active senior
manager other than the requester approves (the deadline moves, the customer is told by SMS and app push) or
rejects with a note (``approve``, ``reject``); the requester is told either way. Each step is an audit event
(``regulatory.extension_requested``, ``…_approved``, ``…_rejected``, and ``regulatory.extended`` for the move
itself). A request still pending when the deadline passes can only be rejected: an extension is granted before
the deadline, not after it; the senior managers are told when that happens (engine/cases/regulatory.py).
A case has at most one pending request.
"""

from __future__ import annotations

from sqlalchemy import select

from engine.cases import regulatory
from engine.cases.engine import CaseEngine
from engine.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from engine.models import Case, CaseStatus, ExtensionRequest, ExtensionStatus, Role, User

# The step a request asks for: from 30 to 60 days.
FROM_DAYS, TO_DAYS = 30, 60
# Who decides it: a senior manager, not another supervisor.
DECIDERS = (Role.SENIOR_MANAGER,)


def pending_for(engine: CaseEngine, case_id: int) -> ExtensionRequest | None:
    return engine.session.scalar(
        select(ExtensionRequest).where(
            ExtensionRequest.case_id == case_id, ExtensionRequest.status == ExtensionStatus.PENDING
        )
    )


def may_decide(user: User, row: ExtensionRequest) -> bool:
    """An active senior manager who did not ask for it."""
    return user.active and user.has_role(*DECIDERS) and user.id != row.requested_by_id


def overdue_at(case: Case, now) -> bool:
    """Whether the case's decision deadline has passed: a request pending then can only be rejected."""
    return case.regulatory_due_at is not None and now > case.regulatory_due_at


def request(engine: CaseEngine, case_id: int, *, actor: User, reason: str) -> ExtensionRequest:
    """Ask the senior managers to extend the case's decision deadline from 30 to 60 days."""
    reason = regulatory.required_reason(reason, "ask for a further extension")
    if not actor.has_role(*regulatory.MANAGERS):
        raise Forbidden("only a supervisor may ask for a further extension")
    with engine.unit(actor.username) as unit:
        case = regulatory.locked_case(engine, case_id)
        if case.regulatory_days != FROM_DAYS:
            raise Conflict(
                f"case {case.reference} is at {case.regulatory_days} days: only a 30-day deadline can be "
                "extended further"
            )
        if pending_for(engine, case.id) is not None:
            raise Conflict(f"case {case.reference} already has a further extension waiting for a decision")
        row = ExtensionRequest(
            case_id=case.id,
            requested_by_id=actor.id,
            reason=reason,
            requested_at=unit.now,
            status=ExtensionStatus.PENDING,
        )
        engine.session.add(row)
        engine.session.flush()
        unit.record(
            "regulatory.extension_requested",
            case.id,
            request=row.id,
            days=TO_DAYS,
            reason=reason,
            due_at=case.regulatory_due_at,
        )
        engine.queue_message(
            case,
            "inbox",
            "role:senior_manager",
            "extension_requested",
            reference=case.reference,
            request=row.id,
            by=actor.username,
            reason=reason,
        )
    return row


def _decidable(engine: CaseEngine, request_id: int, actor: User) -> tuple[ExtensionRequest, Case]:
    row = engine.session.scalar(
        select(ExtensionRequest).where(ExtensionRequest.id == request_id).with_for_update()
    )
    if row is None:
        raise NotFound(f"extension request {request_id} does not exist")
    if not actor.has_role(*DECIDERS) or not actor.active:
        raise Forbidden("only a senior manager decides a further extension")
    if actor.id == row.requested_by_id:
        raise Forbidden("you asked for this extension: another senior manager decides it")
    if row.status != ExtensionStatus.PENDING:
        raise Conflict(f"extension request {row.id} was already {row.status}")
    case = engine.session.scalar(select(Case).where(Case.id == row.case_id).with_for_update())
    return row, case


def _close(row: ExtensionRequest, status: str, actor: User, now, note: str | None) -> None:
    row.status, row.decided_by_id, row.decided_at, row.decision_note = status, actor.id, now, note or None


def approve(engine: CaseEngine, request_id: int, *, actor: User, note: str = "") -> ExtensionRequest:
    """Grant the further extension: the deadline moves to 60 days from receipt and the customer is told."""
    note = (note or "").strip()
    with engine.unit(actor.username) as unit:
        row, case = _decidable(engine, request_id, actor)
        if case.decided_at is not None or case.status in (CaseStatus.COMPLETED, CaseStatus.CANCELLED):
            raise InvalidState(f"case {case.reference} is decided; its regulatory clock has stopped")
        if overdue_at(case, unit.now):
            raise InvalidState(
                f"the deadline of case {case.reference} passed while this request waited: it can only be rejected"
            )
        if case.regulatory_days != FROM_DAYS:
            raise Conflict(f"case {case.reference} is no longer at {FROM_DAYS} days")
        _close(row, ExtensionStatus.APPROVED, actor, unit.now, note)
        unit.record("regulatory.extension_approved", case.id, request=row.id, note=note or None)
        requester = engine.session.get(User, row.requested_by_id)
        regulatory.apply_extension(
            engine,
            unit,
            case,
            TO_DAYS,
            row.reason,
            approved_by=actor.username,
            requested_by=requester.username if requester else None,
            request=row.id,
        )
        _tell_requester(engine, case, row, actor)
    return row


def reject(engine: CaseEngine, request_id: int, *, actor: User, note: str) -> ExtensionRequest:
    """Refuse the further extension, saying why; the deadline stays at 30 days."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("say why the extension is refused", {"note": "is required"})
    with engine.unit(actor.username) as unit:
        row, case = _decidable(engine, request_id, actor)
        _close(row, ExtensionStatus.REJECTED, actor, unit.now, note)
        unit.record(
            "regulatory.extension_rejected",
            case.id,
            request=row.id,
            note=note,
            after_deadline=overdue_at(case, unit.now),
        )
        _tell_requester(engine, case, row, actor)
    return row


def _tell_requester(engine: CaseEngine, case: Case, row: ExtensionRequest, actor: User) -> None:
    engine.queue_message(
        case,
        "inbox",
        f"user:{row.requested_by_id}",
        "extension_decided",
        reference=case.reference,
        request=row.id,
        status=row.status,
        by=actor.username,
        note=row.decision_note or "",
    )
