"""Typed SQLAlchemy models; import them from here."""

from engine.models.audit import AuditEvent
from engine.models.base import Base
from engine.models.case import (
    Case,
    CaseNote,
    CaseStatus,
    Escalation,
    Incident,
    OutboxMessage,
    Timer,
    TimerStatus,
    WorkItem,
    WorkItemState,
)
from engine.models.draft import Draft, DraftBlob, DraftFile, DraftRevision
from engine.models.idempotency import IdempotencyRecord
from engine.models.people import DEFAULT_DEPARTMENTS, ApiToken, Customer, Department, Role, User
from engine.models.process import Deployment, DeploymentFile, ProcessVersion
from engine.models.sequence import IdSequence

__all__ = [
    "DEFAULT_DEPARTMENTS",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Case",
    "CaseNote",
    "CaseStatus",
    "Customer",
    "Department",
    "Deployment",
    "DeploymentFile",
    "Draft",
    "DraftBlob",
    "DraftFile",
    "DraftRevision",
    "Escalation",
    "IdSequence",
    "IdempotencyRecord",
    "Incident",
    "OutboxMessage",
    "ProcessVersion",
    "Role",
    "Timer",
    "TimerStatus",
    "User",
    "WorkItem",
    "WorkItemState",
]
