"""The case's path on its diagram: the page (bpmn-js draws it, web/frontend/path/), the path as JSON and the
deployed diagrams it draws. Read-only, for auditors and supervisors, like the trace.

What the engine knows of the path is in ``engine.reports.path``; here it becomes JSON for the page, with the
audit events' payloads masked as the trace masks them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Response, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _

from engine.clock import as_utc
from engine.errors import NotFound
from engine.models import Customer
from engine.reports import diagrams
from engine.reports.path import CasePath, ElementPath, case_path
from web.auditor.blueprint import bp
from web.auditor.routes import READERS
from web.db import now, session
from web.masking import Masker
from web.pages import page
from web.routing import ID

# Process keys as the deploy checks allow them (XML ids), for the diagram's address.
PROCESS = "string(maxlength=255)"


@bp.get(f"/cases/<{ID}:case_id>/diagram")
@page(*READERS)
def path_page(case_id: int):
    """The diagram of the version the case ran on, its path drawn over it."""
    found = case_path(session(), case_id)
    if found is None:
        raise NotFound(_("There is no case %(id)s.", id=case_id))
    return render_template("auditor/path.html", path=found, timezone=current_app.config["TIMEZONE"])


@bp.get(f"/cases/<{ID}:case_id>/path")
@page(*READERS)
def path_json(case_id: int):
    """The case's path as JSON: per process, the elements with their counts, rows and audit events, the flows."""
    found = case_path(session(), case_id)
    if found is None:
        raise NotFound(_("There is no case %(id)s.", id=case_id))
    return jsonify(to_json(found, now()))


@bp.get(f"/diagrams/<{PROCESS}:process>/<int:version>")
@page(*READERS)
def diagram(process: str, version: int):
    """A deployed process version's BPMN file, as deployed (the page's viewer draws it)."""
    shown = diagrams.diagram(session(), diagrams.version(session(), process, version))
    return Response(shown.xml, mimetype="application/xml", headers={"Cache-Control": "no-store"})


def to_json(found: CasePath, at: datetime) -> dict[str, Any]:
    case = found.case
    customer = session().get(Customer, case.customer_id) if case.customer_id else None
    masker = Masker(customer)
    return {
        "case": {
            "id": case.id,
            "reference": case.reference,
            "status": case.status,
            "tier": case.tier,
            "process": found.root,
        },
        "processes": {
            key: {
                "key": key,
                "version": path.diagram.version.version,
                "label": path.diagram.version.label,
                "diagram": url_for("auditor.diagram", process=key, version=path.diagram.version.version),
                "flows": path.flows,
                "calls": path.diagram.called,
                "elements": {
                    element.id: _element(element, path.diagram, found.people, masker, at)
                    for element in path.elements.values()
                },
            }
            for key, path in found.processes.items()
        },
    }


def _element(element: ElementPath, shown, people, masker: Masker, at: datetime) -> dict[str, Any]:
    return {
        "name": element.name,
        "kind": element.kind,
        "completed": element.completed,
        "open": element.open,
        "cancelled": element.cancelled if not element.completed else 0,
        "incident": element.incident,
        # A timer event that completed fired (it may have fired in the very step that started it: no row).
        "fired": element.fired or (element.id in shown.timers and element.completed > 0),
        "attached_to": shown.attached.get(element.id),
        "items": [
            {
                "id": item.id,
                "lane": item.lane,
                "state": item.state,
                "assignee": people.get(item.assignee_id),
                "completed_by": people.get(item.completed_by_id),
                "created_at": _time(item.created_at),
                "due_at": _time(item.due_at),
                "completed_at": _time(item.completed_at),
                "late_by_seconds": _late(item, at),
            }
            for item in element.items
        ],
        "timers": [
            {"name": t.name, "status": t.status, "due_at": _time(t.due_at), "fired_at": _time(t.fired_at)}
            for t in element.timers
        ],
        "escalations": [
            {
                "at": _time(e.created_at),
                "source": e.source,
                "level": e.level,
                "step": e.step,
                "limit": e.limit_text,
                "recipient": e.recipient,
            }
            for e in element.escalations
        ],
        "incidents": [
            {
                "at": _time(i.created_at),
                "message": i.message,
                "attempts": i.attempts,
                "resolved_at": _time(i.resolved_at),
            }
            for i in element.incidents
        ],
        "events": [
            {
                "seq": e.seq,
                "at": _time(e.occurred_at),
                "actor": e.actor,
                "kind": e.kind,
                "summary": masker.summary(e.payload),
                "details": masker.payload(e.payload),
            }
            for e in element.events
        ],
    }


def _time(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _late(item, at: datetime) -> int | None:
    if item.due_at is None:
        return None
    end = item.completed_at or (at if item.is_open else None)
    if end is None:
        return None
    late = as_utc(end) - as_utc(item.due_at)
    return int(late.total_seconds()) if late > timedelta(0) else None
