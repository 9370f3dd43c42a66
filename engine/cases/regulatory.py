"""The regulatory clock (CBIRC Order 2020 No. 3): a decision within 15 calendar days of receipt.

Extendable to 30 days for a complex case (a supervisor's decision: reason recorded, customer told) and by a
further 30 with a senior manager's approval (a request a senior manager decides, engine/cases/extension_requests.py;
customer told again); time spent on external appraisal or testing does not count (the clock
pauses). Warnings go out at configurable days (``REGULATORY_WARNING_DAYS``, 10 and 13 by default) and a breach
is marked at the deadline. The clock stops when the decision reaches the customer (``Case.decided_at``).

The schedule lives on the case row (``regulatory_next_alert_at``, indexed), so the sweep reads only cases whose
next warning has come — never all cases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.engine import CaseEngine
from engine.clock import Clock, as_utc
from engine.errors import Conflict, Forbidden, InvalidState, ValidationFailed
from engine.models import Case, CaseStatus, Escalation, ExtensionRequest, ExtensionStatus, Role, User
from engine.store.db import drain

FIRST_LIMIT_DAYS = 15
# Each extension: from how many days to how many, and whether a senior manager must approve it.
EXTENSIONS = {15: (30, False), 30: (60, True)}
DEFAULT_WARNING_DAYS = (10, 13)
MANAGERS = {Role.SUPERVISOR, Role.ADMIN}


def warning_days(settings: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(sorted(int(d) for d in settings.get("REGULATORY_WARNING_DAYS", DEFAULT_WARNING_DAYS)))


def _paused(case: Case, now: datetime | None = None) -> timedelta:
    total = timedelta(seconds=case.regulatory_paused_seconds or 0)
    if case.regulatory_paused_since is not None and now is not None:
        total += now - case.regulatory_paused_since
    return total


def schedule(case: Case, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The deadline and the next alert for the case as it stands (columns to write)."""
    if case.decided_at is not None or case.status in (CaseStatus.COMPLETED, CaseStatus.CANCELLED):
        return {"regulatory_next_alert_at": None}
    if case.regulatory_paused_since is not None:
        return {"regulatory_due_at": None, "regulatory_next_alert_at": None}
    start = case.received_at + _paused(case)
    due = start + timedelta(days=case.regulatory_days)
    # Warnings count from receipt, shifted by the same extension the deadline got.
    shift = timedelta(days=case.regulatory_days - FIRST_LIMIT_DAYS)
    alerts = [start + shift + timedelta(days=d) for d in warning_days(settings)] + [due]
    upcoming = alerts[case.regulatory_alerts] if case.regulatory_alerts < len(alerts) else None
    return {"regulatory_due_at": due, "regulatory_next_alert_at": upcoming}


def start_values(received_at: datetime, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Columns for a new case received at ``received_at``."""
    first = min(warning_days(settings), default=FIRST_LIMIT_DAYS)
    return {
        "regulatory_days": FIRST_LIMIT_DAYS,
        "regulatory_due_at": received_at + timedelta(days=FIRST_LIMIT_DAYS),
        "regulatory_next_alert_at": received_at + timedelta(days=first),
    }


def _apply(case: Case, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(case, name, value)


def locked_case(engine: CaseEngine, case_id: int) -> Case:
    case = engine.session.scalar(select(Case).where(Case.id == case_id).with_for_update())
    if case is None:
        from engine.errors import NotFound

        raise NotFound(f"case {case_id} does not exist")
    if case.decided_at is not None or case.status in (CaseStatus.COMPLETED, CaseStatus.CANCELLED):
        raise InvalidState(f"case {case.reference} is decided; its regulatory clock has stopped")
    return case


def _tell_customer(engine: CaseEngine, case: Case, template: str, **payload: Any) -> None:
    for channel in ("sms", "app_push"):
        engine.queue_message(
            case, channel, f"customer:{case.customer_id}", template, reference=case.reference, **payload
        )


def required_reason(reason: str | None, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(f"a reason is required to {what}", {"reason": "is required"})
    return reason


def extend(engine: CaseEngine, case_id: int, *, actor: User, reason: str) -> Case:
    """Extend the decision deadline from 15 to 30 days (a supervisor's decision). The further extension, 30 →
    60 days, is a request a senior manager decides (``extension_requests.request``)."""
    reason = required_reason(reason, "extend the regulatory deadline")
    if not actor.has_role(*MANAGERS):
        raise Forbidden("only a supervisor may extend the regulatory deadline")
    with engine.unit(actor.username) as unit:
        case = locked_case(engine, case_id)
        if case.regulatory_days not in EXTENSIONS:
            raise Conflict(f"case {case.reference} has had every extension the regulation allows")
        days, needs_approval = EXTENSIONS[case.regulatory_days]
        if needs_approval:
            raise Conflict(
                f"a further extension of case {case.reference} needs a senior manager's approval: request it"
            )
        apply_extension(engine, unit, case, days, reason)
    return case


def apply_extension(
    engine: CaseEngine, unit, case: Case, days: int, reason: str, approved_by: str | None = None, **more: Any
) -> None:
    """Move the locked ``case``'s deadline to ``days`` from receipt, as an audit event, and tell the customer."""
    case.regulatory_days = days
    _apply(case, schedule(case, engine.settings))
    unit.record(
        "regulatory.extended",
        case.id,
        days=days,
        reason=reason,
        approved_by=approved_by,
        due_at=case.regulatory_due_at,
        **more,
    )
    _tell_customer(
        engine,
        case,
        "regulatory_extension",
        days=days,
        due_at=case.regulatory_due_at.isoformat() if case.regulatory_due_at else None,
        reason=reason,
    )


def pause(engine: CaseEngine, case_id: int, *, actor: str, reason: str) -> Case:
    """External appraisal or testing has begun: the regulatory clock stops counting."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "a reason is required to pause the regulatory clock", {"reason": "is required"}
        )
    with engine.unit(actor) as unit:
        case = locked_case(engine, case_id)
        if case.regulatory_paused_since is not None:
            raise Conflict(f"the regulatory clock of case {case.reference} is already paused")
        case.regulatory_paused_since = unit.now
        _apply(case, schedule(case, engine.settings))
        unit.record("regulatory.paused", case.id, reason=reason)
    return case


def resume(engine: CaseEngine, case_id: int, *, actor: str) -> Case:
    """External appraisal is over: the clock counts again, the paused time added to the deadline."""
    with engine.unit(actor) as unit:
        case = locked_case(engine, case_id)
        if case.regulatory_paused_since is None:
            raise Conflict(f"the regulatory clock of case {case.reference} is not paused")
        paused = unit.now - case.regulatory_paused_since
        case.regulatory_paused_seconds = (case.regulatory_paused_seconds or 0) + int(paused.total_seconds())
        case.regulatory_paused_since = None
        _apply(case, schedule(case, engine.settings))
        unit.record(
            "regulatory.resumed",
            case.id,
            paused_seconds=int(paused.total_seconds()),
            due_at=case.regulatory_due_at,
        )
    return case


def sweep(
    sessions: Callable[[], Session], clock: Clock, settings: Mapping[str, Any], limit: int = 1000
) -> int:
    """Send the regulatory warnings and breach markers that have come due; one transaction per case."""

    def due(now):
        # The next alert is cleared when the case is decided or closed, so it alone selects (indexed).
        return select(Case).where(Case.regulatory_next_alert_at < now).order_by(Case.regulatory_next_alert_at)

    def alert(session, row, _now):
        engine = CaseEngine(session, clock, settings=dict(settings))
        with engine.unit("system:regulatory") as unit:
            _alert(engine, unit, row.Case)

    return drain(sessions, lambda: as_utc(clock()), due, alert, limit=limit)


def _alert(engine: CaseEngine, unit, case: Case) -> None:
    if case.decided_at is not None or case.status not in (CaseStatus.OPEN, CaseStatus.INCIDENT):
        case.regulatory_next_alert_at = None  # decided or closed by a path that did not clear it
        return
    breach = case.regulatory_next_alert_at >= case.regulatory_due_at
    case.regulatory_alerts += 1
    recipients = ["role:supervisor"] + ([f"user:{case.owner_id}"] if case.owner_id else [])
    if breach:
        case.regulatory_breached_at = unit.now
        unit.record("regulatory.breached", case.id, due_at=case.regulatory_due_at, days=case.regulatory_days)
        engine.session.add(
            Escalation(
                case_id=case.id,
                source="regulatory",
                recipient="role:supervisor",
                step="regulatory_deadline",
                limit_text=f"{case.regulatory_days} days",
                level=3,
                created_at=unit.now,
            )
        )
    else:
        days_left = (case.regulatory_due_at - unit.now).days
        unit.record("regulatory.warning", case.id, due_at=case.regulatory_due_at, days_left=days_left)
    for recipient in recipients:
        engine.queue_message(
            case,
            "inbox",
            recipient,
            "regulatory_breach" if breach else "regulatory_warning",
            reference=case.reference,
            due_at=case.regulatory_due_at.isoformat(),
        )
    pending = engine.session.scalar(
        select(ExtensionRequest.id).where(
            ExtensionRequest.case_id == case.id, ExtensionRequest.status == ExtensionStatus.PENDING
        )
    )
    if breach and pending is not None:
        # The further extension was asked for and nobody decided it in time: it can now only be rejected.
        engine.queue_message(
            case,
            "inbox",
            "role:senior_manager",
            "extension_request_overdue",
            reference=case.reference,
            request=pending,
            due_at=case.regulatory_due_at.isoformat(),
        )
    _apply(case, schedule(case, engine.settings))
