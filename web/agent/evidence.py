"""Evidence on the case workspace: an agent or supervisor attaches a file, and downloads what is attached.

The case must be one the person may see (else 404, as for the workspace). A refused file is named with its
reason on the workspace, status 422; nothing is stored.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext

from engine.cases import access
from engine.errors import InvalidState, NotFound, ValidationFailed
from engine.evidence import attachments
from engine.models import Attachment, Case
from web import evidence
from web.agent.blueprint import bp
from web.agent.routes import WORKERS
from web.agent.routes import case as workspace_page
from web.db import session
from web.pages import me, page
from web.routing import ID

CASE = f"/cases/<{ID}:case_id>"


def _visible(case_id: int) -> Case:
    found = access.visible_case(session(), me(), case_id)
    if found is None:
        raise NotFound(gettext("There is no such case, or it is not open to you."))
    return found


@bp.post(CASE + "/evidence")
@page(*WORKERS)
def attach_evidence(case_id: int):
    case = _visible(case_id)
    try:
        attached = evidence.attach_upload(case, actor=me().username, source=attachments.STAFF)
    except ValidationFailed as refused:
        flash(evidence.refusal(refused), "error")
        return workspace_page(case_id), 422
    except InvalidState:
        flash(gettext("The case is closed; evidence can no longer be added."), "error")
        return workspace_page(case_id), 409
    flash(gettext("%(name)s was attached to the case.", name=attached.filename), "success")
    return redirect(url_for("agent.case", case_id=case.id, _anchor="evidence"), 303)


@bp.get(CASE + f"/evidence/<{ID}:attachment_id>")
@page(*WORKERS)
def evidence_file(case_id: int, attachment_id: int):
    case = _visible(case_id)
    attachment = session().get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound(gettext("There is no such file on this case."))
    return evidence.download(attachment)
