"""Demo data for ``make run``: one user per role, with sign-ins shown in the README (demo mode only)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import accounts
from engine.clock import Clock
from engine.models import User

DEMO_PASSWORD = "demo-password"
DEMO_USERS = [
    # username, role, departments, display name
    ("agent.li", "agent", ["frontline"], "Li Na"),
    ("agent.wang", "agent", ["frontline"], "Wang Wei"),
    ("risk.zhao", "agent", ["risk"], "Zhao Lei"),
    ("ops.chen", "agent", ["operations"], "Chen Jing"),
    ("product.sun", "agent", ["product"], "Sun Yan"),
    ("compliance.zhou", "agent", ["compliance"], "Zhou Min"),
    ("supervisor.liu", "supervisor", ["frontline", "supervisor"], "Liu Yang"),
    ("owner.huang", "process_owner", [], "Huang Fang"),
    ("auditor.xu", "auditor", [], "Xu Jie"),
    ("admin", "admin", [], "Administrator"),
]


def seed(session: Session, clock: Clock) -> list[tuple[str, str]]:
    """Create the demo users that do not exist yet; return (username, password) of those created."""
    accounts.ensure_departments(session)
    session.commit()
    existing = set(session.scalars(select(User.username)))
    created = []
    for username, role, departments, name in DEMO_USERS:
        if username in existing:
            continue
        accounts.create_user(
            session,
            clock,
            username=username,
            role=role,
            departments=departments,
            password=DEMO_PASSWORD,
            display_name=name,
            actor="seed-demo",
        )
        created.append((username, DEMO_PASSWORD))
    return created
