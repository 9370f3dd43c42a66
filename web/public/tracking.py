"""The customer's tracking page, reached with the tracking code alone, and what they can do there: add
information, reply to a knowledge-base answer, answer the follow-up survey.

What the page shows is the customer's view of the case (``engine/cases/tracking.py``: status, milestones, the
owner's first name, the next step and its promised time — nothing internal), plus the customer's own words.
Unknown, malformed and expired codes get one and the same "not found" page; every look-up counts against the client's
tracking limit, hits and misses alike.
"""

from __future__ import annotations

import math

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from engine.cases import customer_updates, tracking
from engine.errors import InvalidState, NotFound, ValidationFailed
from engine.models import Case
from web import ratelimit, schema_forms
from web.db import case_engine, case_for_tracking_code
from web.db import session as db_session
from web.i18n import current_language
from web.pages import public_page
from web.public import track_view
from web.public.blueprint import bp


@bp.route("/track", methods=["GET", "POST"])
@public_page
def track_lookup():
    """Enter a tracking code; it leads to the complaint's page."""
    if request.method == "GET":
        return render_template("public/track_lookup.html")
    code = "".join(request.form.get("code", "").split())
    if not code:
        error = _("Enter the tracking code you received when you filed your complaint.")
        return render_template("public/track_lookup.html", error=error), 422
    return redirect(url_for("public.track", code=code), 303)


@bp.get("/track/<code>")
@public_page
def track(code: str):
    """Where the complaint stands, who handles it, what comes next and by when."""
    case = _find(code)
    return _page(case, code)


@bp.post("/track/<code>/information")
@public_page
def add_information(code: str):
    """Add information to an open complaint, for its owner."""
    case = _find(code)
    text = request.form.get("text", "")
    problem = None
    if not text.strip():
        problem = _("Write the information you want to add.")
    elif len(text.strip()) > customer_updates.INFORMATION_MAX:
        problem = _("Use at most %(n)s characters.", n=customer_updates.INFORMATION_MAX)
    if problem:
        return _page(case, code, information={"text": text, "error": problem}, status=422)
    try:
        customer_updates.add_information(case_engine(), case.id, text)
    except InvalidState:
        closed = _("This complaint is closed, so information can no longer be added. Please file a new one.")
        return _page(case, code, information={"text": text, "error": closed}, status=409)
    except ValidationFailed:
        problem = _("Write the information you want to add.")
        return _page(case, code, information={"text": text, "error": problem}, status=422)
    flash(_("Thank you. Your information was added to your complaint."), "success")
    return redirect(url_for("public.track", code=code, _anchor="information"), 303)


@bp.post("/track/<code>/reply")
@public_page
def reply(code: str):
    """The customer's answer to the knowledge-base reply: it helped, or they want a person."""
    case = _find(code)
    answer = request.form.get("answer", "")
    if answer not in tracking.REPLIES:
        raise ValidationFailed(_("Choose one of the answers."), {"answer": _("Choose one of the answers.")})
    try:
        case_engine().deliver_message(case.id, tracking.REPLIES[answer], {}, actor=customer_updates.CUSTOMER)
    except InvalidState:
        flash(_("We already have your reply to this answer."), "info")
        return redirect(url_for("public.track", code=code), 303)
    if answer == "accepted":
        flash(_("Thank you. We are glad the answer helped."), "success")
    else:
        flash(_("Thank you. A member of our team will reply to you within 24 hours."), "success")
    return redirect(url_for("public.track", code=code), 303)


@bp.post("/track/<code>/survey")
@public_page
def survey(code: str):
    """The customer's answers to the follow-up survey, recorded for the owner's follow-up visit."""
    case = _find(code)
    engine = case_engine()
    schema = customer_updates.survey_schema(engine, case)
    if schema is None or customer_updates.survey_task(db_session(), case.id) is None:
        flash(_("This complaint has no survey to answer now."), "info")
        return redirect(url_for("public.track", code=code), 303)
    timezone = current_app.config["TIMEZONE"]
    answers, errors = schema_forms.read(schema, request.form, timezone=timezone)
    for path, message in schema_forms.check(schema, answers).items():
        errors.setdefault(path, message)
    if errors:
        return _page(case, code, survey={"values": request.form, "errors": errors}, status=422)
    try:
        customer_updates.answer_survey(engine, case.id, answers)
    except InvalidState:
        flash(_("We already have your answers to this survey. Thank you."), "info")
        return redirect(url_for("public.track", code=code), 303)
    except ValidationFailed as refused:
        errors = {path: _("Please check this field.") for path in refused.errors}
        return _page(case, code, survey={"values": request.form, "errors": errors}, status=422)
    flash(
        _("Thank you for your answers. They have been passed to the person handling your complaint."),
        "success",
    )
    return redirect(url_for("public.track", code=code), 303)


def _find(code: str) -> Case:
    """The case of a tracking code, counted against the client's look-ups; one "not found" for every miss."""
    wait = ratelimit.wait("track", request.remote_addr or "unknown")
    if wait is not None:
        raise TooManyRequests(
            _("Too many look-ups from your connection. Please wait a minute and try again."),
            retry_after=max(1, math.ceil(wait)),
        )
    try:
        return case_for_tracking_code(code)
    except NotFound:
        raise _Missing("no complaint has this tracking code") from None


class _Missing(NotFound):
    """A tracking code that opens nothing: answered with the look-up page, status 404."""


@bp.app_errorhandler(_Missing)
def _missing(_error):
    return render_template("public/track_lookup.html", missing=True), 404


def _page(case: Case, code: str, *, information=None, survey=None, status: int = 200):
    view = track_view.build(
        case,
        engine=case_engine(),
        language=current_language(),
        timezone=current_app.config["TIMEZONE"],
        survey=survey,
    )
    return (
        render_template(
            "public/track.html", view=view, code=code, information=information or {"text": "", "error": None}
        ),
        status,
    )
