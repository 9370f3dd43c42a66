"""Sign-in sessions held on the server.

The browser's cookie (signed by Flask) carries the user's id and a random session id; this table holds the
SHA-256 of that id. A request is signed in only while its row exists and has been used within the idle limit,
so signing out (the row is deleted) ends the session everywhere: a copy of the cookie taken before, replayed
after, is refused. Disabling a user or resetting their password ends all of their sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engine.clock import Clock, as_utc
from engine.models import User, UserSession
from engine.store.db import begin_write

# Recording every request would make every page view a write; a minute's precision is enough for the idle limit.
TOUCH_INTERVAL = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, clock: Clock, user: User, client: str, idle: timedelta) -> str:
    """A new session for ``user``; returns the id for the cookie (only its hash is stored). Sessions idle for
    longer than ``idle`` are swept away on the way, so the table holds only live ones."""
    token = secrets.token_urlsafe(32)
    now = as_utc(clock())
    begin_write(session)
    session.execute(delete(UserSession).where(UserSession.seen_at < now - idle))
    session.add(
        UserSession(id=_digest(token), user_id=user.id, created_at=now, seen_at=now, client=client[:64])
    )
    session.commit()
    return token


def user_for_session(
    session: Session, clock: Clock, user_id: object, token: object, idle: timedelta
) -> User | None:
    """The active user whose live session this is, or None (signed out, idle too long, or never ours)."""
    if not isinstance(token, str) or not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    row = session.get(UserSession, _digest(token))
    if row is None or row.user_id != user_id:
        return None
    now = as_utc(clock())
    if now - row.seen_at >= idle:
        end_session(session, token)
        return None
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    if now - row.seen_at >= TOUCH_INTERVAL:
        begin_write(session)
        session.execute(update(UserSession).where(UserSession.id == row.id).values(seen_at=now))
        session.commit()
    return user


def end_session(session: Session, token: object) -> None:
    """Delete the session (signing out); nothing happens for one that is already gone."""
    if not isinstance(token, str):
        return
    begin_write(session)
    session.execute(delete(UserSession).where(UserSession.id == _digest(token)))
    session.commit()


def end_all(session: Session, user_id: int) -> None:
    """Delete every session of the user, inside the caller's write transaction (disabling, a new password)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def live_sessions(session: Session, user_id: int) -> list[UserSession]:
    return list(session.scalars(select(UserSession).where(UserSession.user_id == user_id)))
