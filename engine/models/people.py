"""Users, roles, departments, API tokens and customers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, String, Table, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base, BigId, intpk


class Role(enum.StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    PROCESS_OWNER = "process_owner"
    AUDITOR = "auditor"
    ADMIN = "admin"
    MANAGER = "manager"  # sees the figures (/reports/), never customer data


# The departments are the lanes of the diagrams.
DEFAULT_DEPARTMENTS = {
    "frontline": "Frontline customer service",
    "risk": "Risk",
    "operations": "Operations",
    "product": "Product",
    "compliance": "Compliance",
    "supervisor": "Supervisors",
}

user_departments = Table(
    "user_departments",
    Base.metadata,
    Column("user_id", BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", BigId, ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    # The pages' language ("zh_CN", "en"); None follows the browser, then the bank's default.
    language: Mapped[str | None] = mapped_column(String(16))
    # The newest staff notice (an outbox "inbox" message) the user has seen: newer ones count as unread.
    notices_seen_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    departments: Mapped[list[Department]] = relationship(secondary=user_departments, lazy="selectin")

    @property
    def shown_name(self) -> str:
        """How pages name the person: their display name, or their username when they have none."""
        return self.display_name or self.username

    @property
    def lanes(self) -> set[str]:
        return {d.code for d in self.departments}

    def can_work_lane(self, lane: str | None) -> bool:
        """Agents work their departments' lanes; supervisors also work the supervisor lane."""
        if lane is None:
            return False
        return lane in self.lanes or (self.role == Role.SUPERVISOR and lane == "supervisor")

    @staticmethod
    def by_username(username: str):
        return select(User).where(User.username == username)


class ApiToken(Base):
    """A bearer token for channel systems and scripts; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user: Mapped[User] = relationship(lazy="joined")


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[intpk]
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)  # auditors find customers by it
    segment: Mapped[str] = mapped_column(String(32), default="standard")
    created_at: Mapped[datetime]
