"""What the pages' blueprints share: who may open a page, safe redirects, the clock.

Every page view is decorated with ``@page(...)`` (or ``@public_page``): it names the roles that may open it,
sends a visitor who is not signed in to the sign-in page, and answers 403 to a signed-in user of another role.
``tests/functional/test_route_roles.py`` holds every route to a table of who may reach it.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import current_app, redirect, request, url_for
from flask_babel import gettext, lazy_gettext

from engine.errors import Forbidden
from engine.messaging import staff_notices
from engine.models import User
from web import auth
from web.db import session


def page(*roles: str):
    """Decorate a page view: only signed-in users with one of ``roles`` (any role when none are named)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = auth.current_user()
            if user is None:
                return redirect(url_for("signin.signin", next=request.full_path.rstrip("?")))
            if roles and not user.has_role(*roles):
                raise Forbidden(gettext("this page is not open to your role"))
            return view(*args, **kwargs)

        wrapper.page_roles = roles or "any"
        return wrapper

    return decorate


def public_page(view):
    """Mark a view as open to everyone (customers have no account)."""
    view.page_roles = "public"
    return view


def me() -> User:
    """The signed-in user of a ``@page`` view."""
    user = auth.current_user()
    assert user is not None, "me() is for views decorated with @page"
    return user


def local_target(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site (a ``next`` parameter, say), else ``default``: no open redirects."""
    if not target:
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return default
    return target


def home_for(user: User) -> str:
    """Where a user lands after signing in: the page their role works from."""
    endpoints = {
        "agent": "agent.inbox",
        "supervisor": "supervisor.escalations",
        "department_head": "supervisor.escalations",
        "senior_manager": "supervisor.escalations",
        "auditor": "auditor.search",
        "admin": "admin.users",
        "process_owner": "owner.home",
        "manager": "reports.home",
    }
    endpoint = endpoints.get(user.role, "public.home")
    return url_for(endpoint) if endpoint in current_app.view_functions else url_for("public.home")


# (endpoint, label, roles): the navigation bar; an entry appears once its page exists and the role may open it.
NAVIGATION = [
    ("agent.inbox", lazy_gettext("Inbox"), ("agent", "supervisor")),
    ("agent.notices", lazy_gettext("Notifications"), ("agent", "supervisor")),
    ("supervisor.escalations", lazy_gettext("Escalations"), ("supervisor",)),
    ("auditor.search", lazy_gettext("Cases"), ("auditor", "supervisor")),
    ("owner.home", lazy_gettext("Studio"), ("process_owner", "admin")),
    ("reports.home", lazy_gettext("Figures"), ("supervisor", "auditor", "manager")),
    ("admin.processes", lazy_gettext("Processes"), ("process_owner", "admin")),
    ("admin.users", lazy_gettext("Users"), ("admin",)),
    ("admin.tokens", lazy_gettext("API tokens"), ("admin",)),
]


def _unread_notices(user) -> int:
    return staff_notices.unread_count(session(), user)


# A number shown beside an entry (None or 0: nothing shown).
BADGES = {"agent.notices": _unread_notices}


def navigation() -> list[tuple[str, str, bool, str]]:
    """(label, address, is this the current page's section, badge) for the signed-in user's navigation bar.

    A page that is not itself an entry belongs to the first entry of its blueprint (a task page to the inbox).
    """
    user = auth.current_user()
    if user is None:
        return []
    endpoint_now = request.endpoint or ""
    listed = [endpoint for endpoint, _, _ in NAVIGATION]
    if endpoint_now in listed:
        section = endpoint_now
    else:
        blueprint = endpoint_now.split(".")[0]
        section = next((e for e in listed if e.split(".")[0] == blueprint), None)
    items = []
    for endpoint, label, roles in NAVIGATION:
        if not user.has_role(*roles) or endpoint not in current_app.view_functions:
            continue
        count = BADGES[endpoint](user) if endpoint in BADGES else 0
        badge = (
            ""
            if not count
            else f"{staff_notices.UNREAD_CAP}+"
            if count > staff_notices.UNREAD_CAP
            else str(count)
        )
        items.append((str(label), url_for(endpoint), endpoint == section, badge))
    return items


def init_app(app) -> None:
    app.jinja_env.globals.update(navigation=navigation, current_user=auth.current_user)
