"""Sign-in with a username and password (argon2 hashes), sign-out, and the language switch.

Every try is an audit event (``user.signed_in`` / ``user.sign_in_failed``, with the client's address); failed
tries are limited per client and username pair and per client (shared by every worker with
``RATE_LIMIT_STORE``), so guessing passwords is slow and nobody can lock a colleague out. The session is
cleared at sign-in, so a session id planted before it is worth nothing after; it is held on the server, so
signing out ends it.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from engine import accounts
from engine.accounts import sessions
from engine.cases.demo import DEMO_PASSWORD, DEMO_USERS
from engine.clock import system_clock
from web import auth, ratelimit
from web.db import clock
from web.db import session as db_session
from web.i18n import LANGUAGES
from web.pages import home_for, local_target, page, public_page
from web.signin.blueprint import bp


@bp.route("/signin", methods=["GET", "POST"])
@public_page
def signin():
    target = local_target(request.values.get("next"), "")
    if request.method == "GET":
        return _form(target)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    client = request.remote_addr or "unknown"
    if not username or not password:
        return _form(target, username, _("Enter your username and password."), 422)
    # Failed tries are limited per (client, username) pair, so guessing one password is slow but nobody can lock
    # a colleague out from another desk; and per client, so one client cannot guess across many usernames.
    limits = (("signin", f"{client}|{username[:150]}"), ("signin_client", client))
    if any(ratelimit.wait(bucket, key, count=False) is not None for bucket, key in limits):
        raise TooManyRequests(_("Too many failed sign-ins. Wait a few minutes and try again."))
    user = accounts.sign_in(db_session(), clock(), username, password, client)
    if user is None:
        for bucket, key in limits:
            ratelimit.wait(bucket, key)
        return _form(target, username, _("The username or password is not right."), 401)
    language = session.get("language")
    session.clear()  # a session id planted before sign-in is worth nothing after it
    session.permanent = True
    session["user_id"] = user.id
    session["sid"] = sessions.open_session(  # wall-clock time, as for the cookie's own expiry
        db_session(), system_clock, user, client, current_app.permanent_session_lifetime
    )
    if language:
        session["language"] = language
    return redirect(target or home_for(user))


@bp.post("/signout")
@page()
def signout():
    user = auth.current_user()
    accounts.record(
        db_session(),
        clock(),
        f"user:{user.id}",
        "user.signed_out",
        {"username": user.username},
    )
    sessions.end_session(db_session(), session.get("sid"))  # a copy of the cookie is refused from now on
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("signin.signin"))


@bp.post("/language")
@public_page
def language():
    """Switch the pages' language: remembered on the user when signed in, else for this browser session."""
    chosen = request.form.get("language", "")
    if chosen in LANGUAGES:
        user = auth.current_user()
        if user is not None and auth.auth_method() == auth.SESSION:
            accounts.set_language(db_session(), user, chosen)
        session["language"] = chosen
    return redirect(local_target(request.form.get("next"), url_for("public.home")))


def _form(target: str, username: str = "", error: str | None = None, status: int = 200):
    demo = [(name, role) for name, role, _departments, _display in DEMO_USERS]
    return (
        render_template(
            "signin/signin.html",
            target=target,
            username=username,
            error=error,
            demo_users=demo if current_app.config.get("DEMO_MODE") else None,
            demo_password=DEMO_PASSWORD,
        ),
        status,
    )
