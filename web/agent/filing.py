"""An agent files a complaint for a customer on the phone or at the branch, and owns it from that moment
(first-owner responsibility: the first to receive the complaint is its owner)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from engine.cases import intake
from engine.cases.ownership import ASSISTED_CHANNELS
from engine.errors import ValidationFailed
from engine.models import Role
from web import schema_forms
from web.agent.blueprint import bp
from web.db import case_engine
from web.i18n import current_language
from web.pages import me, page

# Set by the engine, never typed by the agent.
OMIT = frozenset({"complaint.received_at", "complaint.language"})
CHANNEL = "complaint.channel"


@bp.route("/complaints/new", methods=["GET", "POST"])
@page(Role.AGENT, Role.SUPERVISOR)
def new_complaint():
    """The intake form for an agent; a filed complaint is theirs and opens in the case workspace."""
    engine = case_engine()
    _version, schema = intake.intake_schema(engine)
    timezone = current_app.config["TIMEZONE"]
    if request.method == "GET":
        return _form(schema, {CHANNEL: ASSISTED_CHANNELS[0]}, {})
    data, errors = schema_forms.read(schema, request.form, timezone=timezone, omit=OMIT)
    for path, message in schema_forms.check(schema, data).items():
        if path not in OMIT:
            errors.setdefault(path, message)
    if data.get("complaint", {}).get("channel") not in ASSISTED_CHANNELS:
        errors[CHANNEL] = gettext("An agent files complaints taken on the phone or at the branch.")
    if errors:
        return _form(schema, request.form, errors, 422)
    user = me()
    try:
        result = intake.file_complaint(engine, data, actor=user.username, filed_by=user)
    except ValidationFailed as refused:
        return _form(schema, request.form, dict(refused.errors), 422)
    if result.merged:
        flash(
            gettext(
                "The customer's complaint about the same issue is still open: this one joined case %(reference)s.",
                reference=result.case.reference,
            )
        )
    else:
        flash(gettext("Complaint %(reference)s filed. You own it.", reference=result.case.reference))
    return redirect(url_for("agent.case", case_id=result.case.id), 303)


def _form(schema: dict, values, errors: dict[str, str], status: int = 200):
    shown = schema_forms.fields(
        schema,
        values,
        errors,
        language=current_language(),
        timezone=current_app.config["TIMEZONE"],
        omit=OMIT,
    )
    for field in shown:
        if field.name == CHANNEL:  # the channels where the agent meets the customer
            field.options = [(value, label) for value, label in field.options if value in ASSISTED_CHANNELS]
    return render_template("agent/complaint_new.html", fields=shown, errors=errors), status
