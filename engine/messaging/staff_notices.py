"""Staff notices: the outbox's ``inbox`` messages, as the people they are addressed to see them in the app.

The engine addresses staff symbolically (handlers/adapters.py): ``user:ID``, ``lane:LANE`` (everyone working
that lane), ``role:supervisor``, ``role:senior_manager`` and ``head:LANE`` (the department head, the ladder's
third rung). There is no separate head role: a supervisor whose departments include the lane heads it. The
dispatcher also hands each message to the ``Notifier`` adapter (a bank's own messenger, say); this module is
what the app shows.

Each user keeps one mark, the id of the newest notice they have seen: anything addressed to them above it is
unread. Listing is a keyset query over the outbox's (recipient, id) index, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.models import Case, OutboxMessage, Role, User
from engine.store import writes
from engine.store.db import begin_write

CHANNEL = "inbox"
PAGE = 30
UNREAD_CAP = 99  # the badge says "99+" beyond this; counting further would cost a scan for nothing


def addresses(user: User) -> list[str]:
    """Every recipient address that reaches ``user``."""
    found = [f"user:{user.id}", *(f"lane:{lane}" for lane in sorted(user.lanes))]
    if user.has_role(Role.SUPERVISOR):
        found += ["role:supervisor", *(f"head:{lane}" for lane in sorted(user.lanes))]
    if user.has_role(Role.SENIOR_MANAGER):
        found.append("role:senior_manager")  # the further extensions of the regulatory clock they decide
    return found


@dataclass(frozen=True)
class Notice:
    message: OutboxMessage
    reference: str | None  # the case's, when the notice is about one
    unread: bool


@dataclass(frozen=True)
class NoticePage:
    notices: list[Notice]
    next_before: int | None  # the id to pass as ``before`` for the older ones, or None on the last page


def _mine(user: User):
    return select(OutboxMessage).where(
        OutboxMessage.recipient.in_(addresses(user)), OutboxMessage.channel == CHANNEL
    )


def notices(session: Session, user: User, before: int | None = None, limit: int = PAGE) -> NoticePage:
    """``user``'s notices, newest first, older than the notice ``before`` when it is given."""
    query = _mine(user).order_by(OutboxMessage.id.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(OutboxMessage.id < before)
    rows = session.scalars(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    case_ids = {m.case_id for m in rows if m.case_id is not None}
    references = (
        dict(session.execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids))).all())
        if case_ids
        else {}
    )
    return NoticePage(
        [Notice(m, references.get(m.case_id), m.id > user.notices_seen_id) for m in rows],
        rows[-1].id if more else None,
    )


def unread_count(session: Session, user: User) -> int:
    """How many notices ``user`` has not seen, up to ``UNREAD_CAP + 1``."""
    newer = _mine(user).where(OutboxMessage.id > user.notices_seen_id).limit(UNREAD_CAP + 1)
    return session.scalar(select(func.count()).select_from(newer.subquery()))


def mark_seen(session: Session, user: User, up_to: int) -> None:
    """Record that ``user`` has seen every notice up to the id ``up_to`` (the mark never moves back)."""
    if up_to <= user.notices_seen_id:
        return
    begin_write(session)
    session.execute(
        update(User)
        .where(User.id == user.id, User.notices_seen_id < up_to)
        .values(notices_seen_id=up_to)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    writes.mark_committed(user, {"notices_seen_id": up_to})
