"""What the administrator's pages read. No Flask here: a session and plain values."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Department, Deployment, ProcessVersion, User

VERSIONS_SHOWN = 500


def users(session: Session) -> list[User]:
    """Everyone with an account, active first, then by username."""
    return list(session.scalars(select(User).order_by(User.active.desc(), User.username)))


def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def department_sizes(session: Session) -> dict[int, int]:
    """How many active users each department has (by department id)."""
    sizes: dict[int, int] = {}
    for user in session.scalars(select(User).where(User.active.is_(True))):
        for department in user.departments:
            sizes[department.id] = sizes.get(department.id, 0) + 1
    return sizes


def versions(session: Session) -> Sequence[tuple[ProcessVersion, Deployment]]:
    """Every deployed version with its deployment, by process key and newest version first."""
    return session.execute(
        select(ProcessVersion, Deployment)
        .join(Deployment, Deployment.id == ProcessVersion.deployment_id)
        .order_by(ProcessVersion.process_key, ProcessVersion.version.desc())
        .limit(VERSIONS_SHOWN)
    ).all()
