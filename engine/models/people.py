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
    # Managers above the supervisors: they do all a supervisor does, and what only they may do (the second
    # approval level of a settlement; the second extension of the regulatory clock).
    DEPARTMENT_HEAD = "department_head"
    SENIOR_MANAGER = "senior_manager"
    MANAGER = "manager"  # sees the figures (/reports/), never customer data


# The roles each role holds besides its own: a department head and a senior manager act as supervisors too.
HOLDS = {
    Role.DEPARTMENT_HEAD: frozenset({Role.SUPERVISOR}),
    Role.SENIOR_MANAGER: frozenset({Role.SUPERVISOR, Role.DEPARTMENT_HEAD}),
}


def roles_held(role: str) -> frozenset[str]:
    """A role and every role it holds (``HOLDS``)."""
    return frozenset({role}) | HOLDS.get(role, frozenset())


def with_holders(*roles: str) -> tuple[str, ...]:
    """``roles`` and every role that holds one of them: for queries by role (``User.role.in_(...)``)."""
    return tuple(sorted({r for r in Role if roles_held(r) & set(roles)}))


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

    def has_role(self, *roles: str) -> bool:
        """Whether the user's role is one of ``roles`` or holds one (a department head holds supervisor)."""
        return bool(roles_held(self.role) & set(roles))

    def can_work_lane(self, lane: str | None) -> bool:
        """Agents work their departments' lanes; supervisors (and the managers above them) also work the
        supervisor lane."""
        if lane is None:
            return False
        return lane in self.lanes or (self.has_role(Role.SUPERVISOR) and lane == "supervisor")

    @staticmethod
    def by_username(username: str):
        return select(User).where(User.username == username)


class TokenScope(enum.StrEnum):
    """What a token may do, within its user's role: everything, read only, or only the monitoring metrics."""

    FULL = "full"
    READ = "read"
    METRICS = "metrics"


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
    scope: Mapped[str] = mapped_column(
        String(16), default=TokenScope.FULL, server_default=TokenScope.FULL.value
    )
    user: Mapped[User] = relationship(lazy="joined")


class UserSession(Base):
    """A signed-in browser session, held on the server: the cookie carries a random id whose SHA-256 is ``id``.

    Signing out deletes the row, so a copy of the cookie taken before is worth nothing after.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    seen_at: Mapped[datetime] = mapped_column(index=True)
    client: Mapped[str] = mapped_column(String(64), default="")


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[intpk]
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)  # auditors find customers by it
    segment: Mapped[str] = mapped_column(String(32), default="standard")
    created_at: Mapped[datetime]


class IdentityClaim(Base):
    """Who a complaint filed on the public site says the customer is: the name and mobile number typed.

    Anyone can type any number, so a public filing never touches a customer record: it gets a provisional
    customer of its own (``web-…``) and this claim, which the case's owner or a supervisor confirms (the case
    moves to the customer on record, or the provisional customer stands) or rejects, after calling back.
    """

    __tablename__ = "identity_claims"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"))  # the provisional customer
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16), default="claimed")  # claimed | confirmed | rejected
    created_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(150))
    decided_at: Mapped[datetime | None]
    # On confirmation: the customer on record the case now belongs to (None: the provisional one stands).
    confirmed_customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id"))
