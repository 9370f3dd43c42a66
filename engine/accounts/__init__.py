"""Users, departments and API tokens."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import audit
from engine.accounts.sessions import end_all as end_sessions
from engine.clock import Clock, as_utc
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.models import DEFAULT_DEPARTMENTS, ApiToken, Department, Role, TokenScope, User
from engine.store.db import begin_write

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,150}$")
TOKEN_PREFIX = "cpl_"
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except VerificationError:
        return False


def ensure_departments(session: Session) -> None:
    """Create the standard departments (the diagrams' lanes) if they are missing."""
    existing = set(session.scalars(select(Department.code)))
    for code, name in DEFAULT_DEPARTMENTS.items():
        if code not in existing:
            session.add(Department(code=code, name=name))
    session.flush()


def create_user(
    session: Session,
    clock: Clock,
    *,
    username: str,
    role: str,
    departments: list[str],
    password: str | None = None,
    display_name: str = "",
    actor: str = "system",
) -> User:
    begin_write(session)
    errors = {}
    if not USERNAME.match(username or ""):
        errors["username"] = "use 2-150 letters, digits or . _ @ -"
    if role not in set(Role):
        errors["role"] = f"must be one of: {', '.join(Role)}"
    if password is not None and len(password) < 8:
        errors["password"] = "must be at least 8 characters"
    known = {d.code: d for d in session.scalars(select(Department))}
    unknown = [d for d in departments if d not in known]
    if unknown:
        errors["department"] = f"unknown {', '.join(unknown)}; known: {', '.join(sorted(known))}"
    if errors:
        raise ValidationFailed("the user cannot be created", errors)
    if session.scalar(User.by_username(username)) is not None:
        raise Conflict(f"a user named {username!r} already exists")
    now = as_utc(clock())
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=hash_password(password) if password else None,
        created_at=now,
        departments=[known[d] for d in departments],
    )
    session.add(user)
    session.flush()
    audit.append(
        session,
        [
            audit.PendingEvent(
                now,
                actor,
                "user.created",
                None,
                {"username": username, "role": role, "departments": departments},
            )
        ],
    )
    session.commit()
    return user


def create_token(
    session: Session, clock: Clock, username: str, actor: str = "system", scope: str = TokenScope.FULL
) -> str:
    """Issue a bearer token for ``username``; only its hash is stored, so this is the one chance to see it.

    ``scope``: ``full`` (whatever the user's role allows), ``read`` (no changes) or ``metrics`` (only the
    monitoring figures: a monitoring system's token cannot read cases).
    """
    if scope not in set(TokenScope):
        raise ValidationFailed(
            "the token cannot be issued", {"scope": f"must be one of: {', '.join(TokenScope)}"}
        )
    begin_write(session)
    user = session.scalar(User.by_username(username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = as_utc(clock())
    session.add(
        ApiToken(
            user_id=user.id, token_hash=token_digest(token), prefix=token[:12], created_at=now, scope=scope
        )
    )
    audit.append(
        session,
        [
            audit.PendingEvent(
                now,
                actor,
                "token.created",
                None,
                {"username": username, "prefix": token[:12], "scope": scope},
            )
        ],
    )
    session.commit()
    return token


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(session: Session, token: str, clock: Clock) -> User | None:
    """The active user a bearer token belongs to (None for an unknown, revoked or disabled one)."""
    found = token_for(session, token, clock)
    return found.user if found is not None else None


def token_for(session: Session, token: str, clock: Clock) -> ApiToken | None:
    """The live token row (its user active), or None for an unknown, revoked or disabled one.

    Records when the token was used, at most once a minute, so that reads do not each become a write.
    """
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    now = as_utc(clock())
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_TOUCH_INTERVAL:
        begin_write(session)
        session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        session.commit()
    return row


# A hash of a password nobody has: checked when the username is unknown, so that a wrong username takes as long
# to refuse as a wrong password and timing does not tell which usernames exist.
_NOBODY = _hasher.hash(secrets.token_urlsafe(16))


def sign_in(session: Session, clock: Clock, username: str, password: str, client: str) -> User | None:
    """The active user with this username and password, or None; either way an audit event records the try."""
    user = session.scalar(User.by_username(username)) if USERNAME.match(username or "") else None
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_NOBODY, password or "-")
        ok = False
    else:
        ok = user.active and check_password(user, password or "")
    event = "user.signed_in" if ok else "user.sign_in_failed"
    record(
        session,
        clock,
        f"user:{user.id}" if ok else "anonymous",
        event,
        {"username": username[:150], "client": client},
    )
    return user if ok else None


def record(
    session: Session, clock: Clock, actor: str, kind: str, payload: dict, case_id: int | None = None
) -> None:
    """One audit event in a transaction of its own (sign-ins, sign-outs, administrators' changes)."""
    begin_write(session)
    audit.append(session, [audit.PendingEvent(as_utc(clock()), actor, kind, case_id, payload)])
    session.commit()


def set_language(session: Session, user: User, language: str) -> None:
    begin_write(session)
    user.language = language
    session.commit()


# ------------------------------------------------------------------ administration
# Each change is one transaction with its audit event; ``actor`` is the administrator's username.

DEPARTMENT_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
DISPLAY_NAME_MAX = 200


def _departments(session: Session, codes: list[str], errors: dict[str, str]) -> list[Department]:
    known = {d.code: d for d in session.scalars(select(Department))}
    unknown = [c for c in codes if c not in known]
    if unknown:
        errors["departments"] = f"unknown {', '.join(unknown)}; known: {', '.join(sorted(known))}"
    return [known[c] for c in dict.fromkeys(codes) if c in known]


def _other_active_admins(session: Session, user: User) -> int:
    return len(
        session.scalars(
            select(User.id).where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        ).all()
    )


def update_user(
    session: Session,
    clock: Clock,
    user_id: int,
    *,
    actor: str,
    role: str | None = None,
    departments: list[str] | None = None,
    display_name: str | None = None,
    active: bool | None = None,
) -> User:
    """Change a user's role, departments, display name or active flag (what is None stays as it is).

    Nobody can take away the last active administrator, and administrators cannot demote or disable themselves
    (another administrator must): either would lock the bank out of its own administration.
    """
    begin_write(session)
    user = session.get(User, user_id, populate_existing=True, with_for_update=True)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    errors: dict[str, str] = {}
    if role is not None and role not in set(Role):
        errors["role"] = f"must be one of: {', '.join(Role)}"
    if display_name is not None:
        display_name = display_name.strip()
        if len(display_name) > DISPLAY_NAME_MAX:
            errors["display_name"] = f"must be at most {DISPLAY_NAME_MAX} characters"
    chosen = _departments(session, departments, errors) if departments is not None else None
    leaves_admin = (
        user.role == Role.ADMIN
        and user.active
        and ((role is not None and role != Role.ADMIN) or active is False)
    )
    if leaves_admin and actor == user.username:
        errors["role" if active is not False else "active"] = (
            "you cannot demote or disable yourself; ask another administrator"
        )
    elif leaves_admin and _other_active_admins(session, user) == 0:
        errors["role" if active is not False else "active"] = "this is the last active administrator"
    if errors:
        session.rollback()
        raise ValidationFailed("the user cannot be changed", errors)
    changes: dict[str, dict] = {}

    def change(name: str, before, after) -> None:
        if after is not None and before != after:
            changes[name] = {"from": before, "to": after}

    change("role", user.role, role)
    change(
        "display_name",
        user.display_name,
        (display_name or user.username) if display_name is not None else None,
    )
    change("active", user.active, active)
    if chosen is not None:
        change("departments", sorted(user.lanes), sorted(d.code for d in chosen))
    if not changes:
        session.rollback()
        return user
    for name in ("role", "display_name", "active"):
        if name in changes:
            setattr(user, name, changes[name]["to"])
    if "departments" in changes:
        user.departments = chosen
    if changes.get("active", {}).get("to") is False:
        end_sessions(session, user.id)  # a disabled user is signed out everywhere at once
    audit.append(
        session,
        [
            audit.PendingEvent(
                as_utc(clock()), actor, "user.updated", None, {"username": user.username, **changes}
            )
        ],
    )
    session.commit()
    return user


def reset_password(session: Session, clock: Clock, user_id: int, password: str, *, actor: str) -> User:
    """Set a new password (the administrator tells the user); recorded without the password itself."""
    if len(password or "") < 8:
        raise ValidationFailed("the password is too short", {"password": "must be at least 8 characters"})
    begin_write(session)
    user = session.get(User, user_id, populate_existing=True, with_for_update=True)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    user.password_hash = hash_password(password)
    end_sessions(session, user.id)  # whoever knew the old password is signed out
    audit.append(
        session,
        [
            audit.PendingEvent(
                as_utc(clock()), actor, "user.password_reset", None, {"username": user.username}
            )
        ],
    )
    session.commit()
    return user


def list_tokens(session: Session) -> list[ApiToken]:
    """Every API token, newest first (revoked ones too: an administrator may need to see what was cut off)."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session: Session, clock: Clock, token_id: int, *, actor: str) -> ApiToken:
    """Stop a token working at once; it stays listed, marked revoked."""
    begin_write(session)
    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.id == token_id)
        .with_for_update(of=ApiToken)  # not the joined user row (PostgreSQL refuses the outer join's side)
        .execution_options(populate_existing=True)
    )
    if token is None:
        raise NotFound(f"API token {token_id} does not exist")
    if token.revoked_at is not None:
        raise Conflict(f"the API token {token.prefix}… is already revoked")
    token.revoked_at = as_utc(clock())
    audit.append(
        session,
        [
            audit.PendingEvent(
                token.revoked_at,
                actor,
                "token.revoked",
                None,
                {"username": token.user.username, "prefix": token.prefix},
            )
        ],
    )
    session.commit()
    return token


def create_department(session: Session, clock: Clock, *, code: str, name: str, actor: str) -> Department:
    """A new department; its code is the lane name diagrams use (lower case, digits and underscores)."""
    begin_write(session)
    code, name = (code or "").strip(), (name or "").strip()
    errors = {}
    if not DEPARTMENT_CODE.match(code):
        errors["code"] = "use 2-64 lower-case letters, digits or _, starting with a letter"
    if not name:
        errors["name"] = "is required"
    elif len(name) > 200:
        errors["name"] = "must be at most 200 characters"
    if errors:
        session.rollback()
        raise ValidationFailed("the department cannot be created", errors)
    if session.scalar(select(Department).where(Department.code == code)) is not None:
        session.rollback()
        raise Conflict(f"a department with the code {code!r} already exists")
    department = Department(code=code, name=name)
    session.add(department)
    session.flush()
    audit.append(
        session,
        [
            audit.PendingEvent(
                as_utc(clock()), actor, "department.created", None, {"code": code, "name": name}
            )
        ],
    )
    session.commit()
    return department
