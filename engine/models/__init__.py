"""Typed SQLAlchemy models; import them from here."""

from engine.models.audit import AuditCheckpoint, AuditEvent
from engine.models.base import Base
from engine.models.case import (
    OPEN_STATES,
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
from engine.models.duties import ExtensionRequest, ExtensionStatus, TaskForceMember
from engine.models.evidence import Attachment
from engine.models.figures import TaskAnswer
from engine.models.idempotency import IdempotencyRecord
from engine.models.knowledge import KnowledgeVersion
from engine.models.people import (
    DEFAULT_DEPARTMENTS,
    ApiToken,
    Customer,
    Department,
    IdentityClaim,
    Role,
    TokenScope,
    User,
    UserSession,
)
from engine.models.process import Deployment, DeploymentFile, ProcessVersion
from engine.models.sequence import IdSequence
from engine.models.visits import ElementVisit, TaskTimeSummary, VisitKind, VisitSummary

__all__ = [
    "DEFAULT_DEPARTMENTS",
    "OPEN_STATES",
    "ApiToken",
    "Attachment",
    "AuditCheckpoint",
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
    "ElementVisit",
    "Escalation",
    "ExtensionRequest",
    "ExtensionStatus",
    "IdSequence",
    "IdempotencyRecord",
    "IdentityClaim",
    "Incident",
    "KnowledgeVersion",
    "OutboxMessage",
    "ProcessVersion",
    "Role",
    "TaskAnswer",
    "TaskForceMember",
    "TaskTimeSummary",
    "Timer",
    "TimerStatus",
    "TokenScope",
    "User",
    "UserSession",
    "VisitKind",
    "VisitSummary",
    "WorkItem",
    "WorkItemState",
]
