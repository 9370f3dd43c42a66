"""Routes of the auditor pages: find a case, read its whole trace, see whether the audit chain is intact.

Every page here only reads; the blueprint has no POST route. Supervisors search and read traces too (they answer
for the cases), and administrators may check the chain; nobody changes anything from these pages.
"""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import NotFound
from engine.evidence import attachments
from engine.models import Role
from web import labels
from web.auditor import forms, queries
from web.auditor.blueprint import bp
from web.auditor.chain import MAX_AGE, ChainMonitor
from web.auditor.trace import case_trace
from web.db import now, session
from web.labels import TIERS
from web.masking import mask
from web.pages import page
from web.routing import ID
from web.schema_forms import choice_label, localized

READERS = (Role.AUDITOR, Role.SUPERVISOR)
CHAIN_READERS = (Role.AUDITOR, Role.ADMIN)


@bp.context_processor
def helpers():
    return {
        "mask": mask,
        "choice_label": choice_label,
        "localized": localized,
        "label": labels.label,
        "duration": labels.duration,
        "labels": labels,
        "TIERS": TIERS,
        "STATUSES": labels.CASE_STATUSES,
    }


@bp.get("/")
@page(*READERS)
def search():
    """Find cases by reference, customer, received dates, tier and status; newest first, a page at a time."""
    wanted = forms.read(request.args, current_app.config["TIMEZONE"])
    if wanted.errors:
        return render_template("auditor/search.html", search=wanted, page=None), 422
    found = queries.search(session(), wanted.criteria, wanted.keyset)
    return render_template("auditor/search.html", search=wanted, page=found)


@bp.get(f"/cases/<{ID}:case_id>")
@page(*READERS)
def case(case_id: int):
    """The case's full trace: its steps, its timeline, its regulatory clock and its audit events."""
    trace = case_trace(session(), case_id, now())
    if trace is None:
        raise NotFound(_("There is no case %(id)s.", id=case_id))
    evidence = attachments.for_case(session(), case_id)
    return render_template("auditor/case.html", trace=trace, now=now(), evidence=evidence)


@bp.get("/chain")
@page(*CHAIN_READERS)
def chain():
    """Whether the audit log is intact: every event's hash recomputed from the first (remembered a minute)."""
    monitor = current_app.extensions.setdefault("auditor.chain", ChainMonitor())
    status, remembered = monitor.status(session(), now(), current_app.config)
    return render_template(
        "auditor/chain.html",
        status=status,
        remembered=remembered,
        max_age=int(MAX_AGE.total_seconds()),
        back=url_for("auditor.search"),
    )
