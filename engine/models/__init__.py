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
from engine.models.draft import Draft, DraftFile
from engine.models.figures import TaskAnswer
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
    "DraftFile",
    "Escalation",
    "IdSequence",
    "IdempotencyRecord",
    "Incident",
    "OutboxMessage",
    "ProcessVersion",
    "Role",
    "TaskAnswer",
    "Timer",
    "TimerStatus",
    "User",
    "WorkItem",
    "WorkItemState",
]
