"""Filing a complaint on the public site: the form, and the confirmation with the tracking code.

The confirmation is shown only to the browser that filed: the new case's id rides in the session for a short
while, never in the address, so nobody else can open it. A complaint that joined the customer's open case says
so without naming that case: whoever typed the mobile number has not shown that the case is theirs.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from engine.cases import intake
from engine.errors import ValidationFailed
from engine.models import Case
from web import ratelimit
from web.db import case_engine, now
from web.db import session as db_session
from web.i18n import current_language
from web.pages import public_page
from web.public import complaint_form, public_queries
from web.public.blueprint import bp

ACTOR = "channel:web"
# How long the browser that filed may come back to the confirmation.
CONFIRMATION_FOR = timedelta(hours=1)


@bp.route("/complaints/new", methods=["GET", "POST"])
@public_page
def new_complaint():
    """The complaint form; a valid complaint is filed and the browser sent to its confirmation."""
    engine = case_engine()
    _version, schema = intake.intake_schema(engine)
    timezone, language = current_app.config["TIMEZONE"], current_language()
    if request.method == "GET":
        return _form(schema, {}, {})
    data, errors = complaint_form.read(schema, request.form, language=language, timezone=timezone, now=now())
    if errors:
        return _form(schema, request.form, errors, 422)
    client = request.remote_addr or "unknown"
    wait = ratelimit.wait("intake_page", client)
    if wait is not None:
        raise TooManyRequests(
            _("Too many complaints were sent from your connection. Please try again later or call us."),
            retry_after=max(1, math.ceil(wait)),
        )
    try:
        result = intake.file_complaint(engine, data, actor=ACTOR, public=True)
    except ValidationFailed as refused:  # the engine has the last word; our checks normally catch it all
        return _form(schema, request.form, _engine_errors(refused.errors), 422)
    session["filed"] = {"case": result.case.id, "merged": result.merged, "at": now().isoformat()}
    return redirect(url_for("public.complaint_filed"), 303)


@bp.get("/complaints/filed")
@public_page
def complaint_filed():
    """What the customer needs after filing: reference, tracking code and link, what happens next and when."""
    filed = session.get("filed") or {}
    at = filed.get("at")
    if not at or now() - datetime.fromisoformat(at) > CONFIRMATION_FOR:
        return redirect(url_for("public.home"))
    if filed.get("merged"):
        return render_template("public/complaint_merged.html")
    case = db_session().get(Case, filed.get("case"))
    if case is None:
        return redirect(url_for("public.home"))
    promise = public_queries.first_promise(db_session(), case)
    return render_template("public/complaint_filed.html", case=case, promise=promise)


def _form(schema: dict, values, errors: dict[str, str], status: int = 200):
    shown = complaint_form.fields(
        schema,
        values,
        errors,
        language=current_language(),
        timezone=current_app.config["TIMEZONE"],
    )
    return render_template("public/complaint_new.html", fields=shown, errors=errors), status


def _engine_errors(errors: dict[str, str]) -> dict[str, str]:
    out = {path: _("Please check this field.") for path in errors if path not in complaint_form.OMIT}
    return out or {"form": _("Your complaint could not be accepted. Please check what you entered.")}
