"""The administrator's user pages: list, create, edit role/departments/active, reset a password."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import accounts
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.models import Role, User
from engine.timers import ladder
from web.admin import forms, queries
from web.admin.blueprint import bp
from web.db import clock, session
from web.pages import me, page


def _user(user_id: int) -> User:
    user = session().get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such user."))
    return user


@bp.get("/users")
@page(Role.ADMIN)
def users():
    db = session()
    return render_template("admin/users.html", users=queries.users(db), unreached=ladder.unreached_heads(db))


@bp.route("/users/new", methods=["GET", "POST"])
@page(Role.ADMIN)
def new_user():
    db = session()
    known = queries.departments(db)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        username = forms.username(form, errors)
        name = forms.display_name(form, errors)
        role = forms.role(form, errors)
        chosen = forms.departments(form, {d.code for d in known}, errors)
        password = forms.password(form, errors)
        if not errors:
            try:
                user = accounts.create_user(
                    db,
                    clock(),
                    username=username,
                    role=role,
                    departments=chosen,
                    password=password,
                    display_name=name,
                    actor=me().username,
                )
            except Conflict:
                errors["username"] = _("That username is taken.")
            except ValidationFailed as refused:
                errors.update(forms.translate(refused.errors))
            else:
                flash(
                    _("%(name)s can now sign in as %(username)s.", name=user.display_name, username=username),
                    "success",
                )
                return redirect(url_for("admin.users"))
    return (
        render_template(
            "admin/user_form.html", user=None, departments=known, errors=errors, form=request.form
        ),
        422 if errors else 200,
    )


@bp.route("/users/<int(max=9223372036854775807):user_id>", methods=["GET", "POST"])
@page(Role.ADMIN)
def edit_user(user_id: int):
    db = session()
    user = _user(user_id)
    known = queries.departments(db)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        name = forms.display_name(form, errors)
        role = forms.role(form, errors)
        chosen = forms.departments(form, {d.code for d in known}, errors)
        if not errors:
            try:
                accounts.update_user(
                    db,
                    clock(),
                    user.id,
                    actor=me().username,
                    role=role,
                    departments=chosen,
                    display_name=name,
                    active=form.get("active") == "on",
                )
            except ValidationFailed as refused:
                errors.update(forms.translate(refused.errors))
            else:
                flash(_("Saved the changes to %(username)s.", username=user.username), "success")
                return redirect(url_for("admin.users"))
    return (
        render_template(
            "admin/user_form.html", user=user, departments=known, errors=errors, form=request.form
        ),
        422 if errors else 200,
    )


@bp.post("/users/<int(max=9223372036854775807):user_id>/password")
@page(Role.ADMIN)
def reset_password(user_id: int):
    user = _user(user_id)
    errors: dict[str, str] = {}
    password = forms.password(request.form, errors, "new_password")
    if errors:
        known = queries.departments(session())
        return (
            render_template("admin/user_form.html", user=user, departments=known, errors=errors, form={}),
            422,
        )
    accounts.reset_password(session(), clock(), user.id, password, actor=me().username)
    flash(
        _(
            "The password of %(username)s was reset. Tell them in person, not by email.",
            username=user.username,
        ),
        "success",
    )
    return redirect(url_for("admin.edit_user", user_id=user.id))


from web.admin import processes, tokens  # noqa: E402,F401  (their routes register on bp)
