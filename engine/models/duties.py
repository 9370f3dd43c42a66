"""Duties taken and asked for on a case: who joined an urgent case's task force for their lane, and the
requests for the regulatory clock's further extension that a senior manager decides."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base, BigId, intpk


class TaskForceMember(Base):
    """One lane's member of an urgent case's task force: the first person of that lane to join it. The lane's
    later task-force work (``assignTo`` = ``task_force``) comes to them already claimed."""

    __tablename__ = "task_force_members"
    __table_args__ = (UniqueConstraint("case_id", "lane", name="uq_task_force_members_case_lane"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"))
    lane: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    joined_at: Mapped[datetime]


class ExtensionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ExtensionRequest(Base):
    """A supervisor's request to extend a case's regulatory deadline from 30 to 60 days, which a senior manager
    other than the requester approves or rejects."""

    __tablename__ = "extension_requests"
    __table_args__ = (Index("ix_extension_requests_status", "status", "requested_at"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=ExtensionStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
