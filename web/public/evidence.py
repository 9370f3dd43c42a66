"""The customer attaches evidence (a transfer receipt, a screenshot, a statement) from the tracking page.

Reached with the tracking code alone, counted against the client's tracking look-ups like every use of a code.
The file is checked and cleaned by the engine (``engine/evidence/``); a refused file is named with its reason on
the tracking page (status 422), and nothing is stored. The customer sees the names of the files they sent,
never staff's files, and downloads nothing back.
"""

from __future__ import annotations

import math
from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests

from engine.cases.customer_updates import CUSTOMER
from engine.errors import InvalidState, NotFound, ValidationFailed
from engine.evidence import attachments
from engine.models import Attachment, Case
from web import evidence, ratelimit
from web.db import case_engine, case_for_tracking_code
from web.db import session as db_session
from web.i18n import current_language
from web.pages import public_page
from web.public import track_view
from web.public.blueprint import bp


@bp.post("/track/<code>/evidence")
@public_page
def add_evidence(code: str):
    """Attach one file to an open complaint, for its owner."""
    case = _case(code)
    try:
        attached = evidence.attach_upload(case, actor=CUSTOMER, source=attachments.CUSTOMER)
    except ValidationFailed as refused:
        return _page(case, code, evidence.refusal(refused), 422)
    except InvalidState:
        closed = _("This complaint is closed, so files can no longer be added. Please file a new one.")
        return _page(case, code, closed, 409)
    flash(_("Thank you. %(name)s was added to your complaint.", name=attached.filename), "success")
    return redirect(url_for("public.track", code=code, _anchor="evidence"), 303)


@bp.app_template_global()
def customer_evidence(reference: str) -> list[tuple[str, datetime]]:
    """(name, when) of the files the customer sent for the complaint with this reference, oldest first."""
    rows = db_session().execute(
        select(Attachment.filename, Attachment.uploaded_at)
        .join(Case, Case.id == Attachment.case_id)
        .where(Case.reference == reference, Attachment.source == attachments.CUSTOMER)
        .order_by(Attachment.id)
    )
    return [tuple(row) for row in rows]


def _case(code: str) -> Case:
    wait = ratelimit.wait("track", request.remote_addr or "unknown")
    if wait is not None:
        raise TooManyRequests(
            _("Too many look-ups from your connection. Please wait a minute and try again."),
            retry_after=max(1, math.ceil(wait)),
        )
    try:
        return case_for_tracking_code(code)
    except NotFound:
        raise NotFound(_("No complaint has this tracking code.")) from None


def _page(case: Case, code: str, problem: str, status: int):
    view = track_view.build(
        case, engine=case_engine(), language=current_language(), timezone=current_app.config["TIMEZONE"]
    )
    information = {"text": "", "error": None}
    page = render_template(
        "public/track.html", view=view, code=code, information=information, evidence_error=problem
    )
    return page, status
