"""API tokens (issue: shown once; revoke) and departments (list, create)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import accounts
from engine.errors import Conflict, ValidationFailed
from engine.models import Role, TokenScope, User
from web.admin import queries
from web.admin.blueprint import bp
from web.db import clock, session
from web.pages import me, page


def _tokens_page(
    errors: dict[str, str] | None = None, issued: str | None = None, form=None, status: int = 200
):
    db = session()
    response = current_app.make_response(
        (
            render_template(
                "admin/tokens.html",
                tokens=accounts.list_tokens(db),
                users=[u for u in queries.users(db) if u.active],
                errors=errors or {},
                issued=issued,
                form=form or {},
            ),
            status,
        )
    )
    if issued:
        response.headers["Cache-Control"] = "no-store"  # the one page that shows the secret is never kept
    return response


@bp.get("/tokens")
@page(Role.ADMIN)
def tokens():
    return _tokens_page()


@bp.post("/tokens")
@page(Role.ADMIN)
def issue_token():
    raw = request.form.get("user", "")
    user = session().get(User, int(raw)) if raw.isdigit() and len(raw) < 19 else None
    if user is None or not user.active:
        return _tokens_page(
            {"user": _("Choose an active user from the list.")}, form=request.form, status=422
        )
    scope = request.form.get("scope", TokenScope.FULL)
    if scope not in set(TokenScope):
        return _tokens_page({"scope": _("Choose one of the options.")}, form=request.form, status=422)
    token = accounts.create_token(session(), clock(), user.username, actor=me().username, scope=scope)
    # Shown on this answer only (not after a redirect): only its hash is stored.
    return _tokens_page(issued=token)


@bp.post("/tokens/<int(max=9223372036854775807):token_id>/revoke")
@page(Role.ADMIN)
def revoke_token(token_id: int):
    try:
        token = accounts.revoke_token(session(), clock(), token_id, actor=me().username)
    except Conflict:
        flash(_("That token was already revoked."), "info")
    else:
        flash(_("Token %(prefix)s… is revoked; it stopped working at once.", prefix=token.prefix), "success")
    return redirect(url_for("admin.tokens"))


@bp.route("/departments", methods=["GET", "POST"])
@page(Role.ADMIN)
def departments():
    db = session()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            department = accounts.create_department(
                db,
                clock(),
                code=request.form.get("code", ""),
                name=request.form.get("name", ""),
                actor=me().username,
            )
        except Conflict:
            errors["code"] = _("A department with this code exists already.")
        except ValidationFailed as refused:
            messages = {
                "code": _("Use 2 to 64 lower-case letters, digits or _, starting with a letter."),
                "name": _("Enter a name of at most 200 characters."),
            }
            errors.update({name: messages.get(name, _("Check this field.")) for name in refused.errors})
        else:
            flash(_("Department %(code)s was created.", code=department.code), "success")
            return redirect(url_for("admin.departments"))
    return (
        render_template(
            "admin/departments.html",
            departments=queries.departments(db),
            sizes=queries.department_sizes(db),
            errors=errors,
            form=request.form,
        ),
        422 if errors else 200,
    )
