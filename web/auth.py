"""Who is asking: an API token (``Authorization: Bearer …``) or the browser's signed session; and role checks.

Channel systems and scripts send a token; the pages sign people in and keep ``session["user_id"]`` and
``session["sid"]``, a session held on the server (``engine/accounts/sessions.py``): signing out deletes it, so a
copy of the cookie is refused afterwards. A request
that sends an ``Authorization`` header is judged by it alone: a bad token is refused even when a session
cookie rides along, so a misconfigured script never acts as whoever last used the browser. A token's scope
narrows what its user's role allows: ``read`` makes no change, ``metrics`` reaches only the monitoring figures.
"""

from __future__ import annotations

import functools

from flask import current_app, g, request
from flask import session as browser_session
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from engine import accounts
from engine.accounts import sessions
from engine.clock import system_clock
from engine.errors import Forbidden
from engine.models import TokenScope, User
from web.db import clock, session

# Recording every use would make every read a write; a minute's precision is enough to spot unused tokens.
TOKEN = "token"
SESSION = "session"


def current_user() -> User | None:
    """The signed-in user of this request, or None; looked up once per request."""
    if "auth_user" not in g:
        g.auth_user, g.auth_method = _authenticate()
    return g.auth_user


def auth_method() -> str | None:
    """How the current user proved who they are: ``"token"``, ``"session"`` or None."""
    current_user()
    return g.auth_method


def require_user() -> User:
    user = current_user()
    if user is None:
        raise Unauthorized(
            "sign in, or send an API token as 'Authorization: Bearer <token>'",
            www_authenticate=WWWAuthenticate("bearer", {"realm": "complaints"}),
        )
    return user


def require_role(*roles: str) -> User:
    """The current user if their role is one of ``roles``; 401 when nobody is signed in, 403 otherwise."""
    user = require_user()
    if roles and not user.has_role(*roles):
        raise Forbidden(f"this needs the role {' or '.join(roles)}; you are {user.role}")
    return user


def roles_required(*roles: str):
    """Decorate a view: only signed-in users with one of ``roles`` (any role when none are named) reach it."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            require_role(*roles)
            return view(*args, **kwargs)

        return wrapper

    return decorate


login_required = roles_required()


def _authenticate() -> tuple[User | None, str | None]:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, None
        return _token_user(token.strip()), TOKEN
    user_id = browser_session.get("user_id")
    if user_id is None:
        return None, None
    idle = current_app.permanent_session_lifetime
    # Wall-clock time, as for the cookie's own expiry: the app's clock may be a test's or a demo's.
    user = sessions.user_for_session(session(), system_clock, user_id, browser_session.get("sid"), idle)
    return (user, SESSION) if user is not None else (None, None)


def _token_user(token: str) -> User | None:
    found = accounts.token_for(session(), token, clock())
    if found is None:
        current_app.logger.info("refused an unknown, revoked or disabled API token")
        return None
    _check_scope(found.scope)
    return found.user


# What each token scope may reach, within its user's role (``TokenScope``): a read-only token makes no change,
# and a monitoring token reaches the metrics alone, so whoever holds it cannot read a case.
_READING = frozenset({"GET", "HEAD", "OPTIONS"})


def _check_scope(scope: str) -> None:
    if scope == TokenScope.METRICS and request.blueprint != "ops":
        raise Forbidden("this token may only read the monitoring metrics (/metrics)")
    if scope == TokenScope.READ and request.method not in _READING:
        raise Forbidden("this token is read-only")
    if scope not in set(TokenScope):
        raise Forbidden("this token's scope is not known")
