"""An auditor (or a supervisor reading a trace) downloads a file attached to the case, as a download only."""

from __future__ import annotations

from flask_babel import gettext as _

from engine.errors import NotFound
from engine.models import Attachment
from web import evidence
from web.auditor.blueprint import bp
from web.auditor.routes import READERS
from web.db import session
from web.pages import page
from web.routing import ID


@bp.get(f"/cases/<{ID}:case_id>/evidence/<{ID}:attachment_id>")
@page(*READERS)
def evidence_file(case_id: int, attachment_id: int):
    attachment = session().get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case_id:
        raise NotFound(_("There is no such file on this case."))
    return evidence.download(attachment)
