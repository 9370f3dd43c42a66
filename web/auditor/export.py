"""A case's complete record for a regulator's request, as JSON or PDF (engine/reports/export*.py).

The record is the bank's data in full, the customer's numbers included (a regulator gets them), so only
auditors export, they say why, and each export is an audit event on the case (``case.exported``, with the
format and the reason), written before the file is handed over.
"""

from __future__ import annotations

import unicodedata

from flask import Response, render_template, request
from flask_babel import gettext as _

from engine import accounts
from engine.errors import NotFound
from engine.models import Case, Role
from engine.reports.export import case_record, to_json
from engine.reports.export_pdf import record_pdf
from web.auditor.blueprint import bp
from web.db import clock, now, session
from web.pages import me, page
from web.routing import ID

EXPORTERS = (Role.AUDITOR,)
FORMATS = ("json", "pdf")
REASON_MAX = 500


@bp.route(f"/cases/<{ID}:case_id>/export", methods=["GET", "POST"])
@page(*EXPORTERS)
def export_case(case_id: int):
    """The export form (GET); the record as a download (POST, with a format and a reason)."""
    case = session().get(Case, case_id)
    if case is None:
        raise NotFound(_("There is no case %(id)s.", id=case_id))
    if request.method == "GET":
        return render_template("auditor/export.html", case=case, form={"format": "pdf"}, errors={})
    form = {"format": request.form.get("format", ""), "reason": (request.form.get("reason") or "").strip()}
    errors = {}
    if form["format"] not in FORMATS:
        errors["format"] = _("Choose one of the options.")
    if not form["reason"]:
        errors["reason"] = _("Say why the record is exported (the request it answers).")
    elif len(form["reason"]) > REASON_MAX:
        errors["reason"] = _("Use at most %(n)s characters.", n=REASON_MAX)
    elif any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in form["reason"]):
        errors["reason"] = _("The reason has characters that cannot be shown.")
    if errors:
        return render_template("auditor/export.html", case=case, form=form, errors=errors), 422
    user = me()
    record = case_record(session(), case_id, now=now(), exported_by=user.username)
    session().rollback()  # end the read before the audit event's write
    accounts.record(
        session(),
        clock(),
        user.username,
        "case.exported",
        {"format": form["format"], "reason": form["reason"], "reference": case.reference},
        case_id=case_id,
    )
    name = f"case-{case.reference or case_id}"
    if form["format"] == "json":
        body, mimetype = to_json(record), "application/json"
    else:
        body, mimetype = record_pdf(record), "application/pdf"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{form["format"]}"',
            "Cache-Control": "no-store",
        },
    )
