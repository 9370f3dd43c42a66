"""Try a draft on recorded cases, and run one case through it with data the owner types."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from flask import current_app, render_template, request
from flask_babel import gettext as _

from engine.errors import InvalidState, ValidationFailed
from engine.studio import drafts
from engine.studio.run_one import run_one
from engine.studio.trying import DEFAULT_DAYS, try_draft
from web.db import session
from web.owner.blueprint import bp
from web.owner.routes import OWNERS, clock, draft_or_404
from web.pages import page

SAMPLE_INTAKE = {
    "complaint": {
        "channel": "phone",
        "business_type": "bank_card",
        "category": "fee_dispute",
        "description": "I was charged the annual fee twice.",
        "amount": 200,
    },
    "customer": {"id": "TRY-1", "name": "Zhang San", "phone": "13800000000", "segment": "standard"},
}


@bp.route("/drafts/<int(max=9223372036854775807):draft_id>/try", methods=["GET", "POST"])
@page(*OWNERS)
def try_page(draft_id: int):
    draft = draft_or_404(draft_id, with_content=True)
    today = clock()().date()
    since_text = request.form.get("since") or (today - timedelta(days=DEFAULT_DAYS)).isoformat()
    limit_text = request.form.get("limit") or "1000"
    errors, report, problems = {}, None, []
    if request.method == "POST":
        since, limit = _since(since_text, errors), _limit(limit_text, errors)
        if not errors:
            files = drafts.files_of(draft)
            try:
                report = try_draft(
                    session(), clock(), files, settings=current_app.config, since=since, limit=limit
                )
            except InvalidState as refused:
                problems = refused.details.get("problems", [])
    shown = [o for o in report.outcomes if o.result != "same" or o.detail] if report else []
    return render_template(
        "owner/try.html",
        draft=draft,
        since=since_text,
        limit=limit_text,
        errors=errors,
        report=report,
        shown=shown,
        problems=problems,
    ), (422 if errors or problems else 200)


def _since(text: str, errors: dict) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        errors["since"] = _("Enter a date like 2026-11-01.")
        return None


def _limit(text: str, errors: dict) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 5000:
        errors["limit"] = _("Enter a number of cases from 1 to 5000.")
        return 1
    return int(text)


@bp.route("/drafts/<int(max=9223372036854775807):draft_id>/run", methods=["GET", "POST"])
@page(*OWNERS)
def run_page(draft_id: int):
    """Stateless: the intake data and the steps so far travel with the form; each post replays them all."""
    draft = draft_or_404(draft_id, with_content=True)
    form = request.form
    process = form.get("process") or draft.process_key
    intake_text = form.get("intake") or json.dumps(SAMPLE_INTAKE, ensure_ascii=False, indent=2)
    steps_text = form.get("steps") or "[]"
    errors, state, problems = {}, None, []
    if request.method == "POST":
        intake, steps = _json(intake_text, "intake", dict, errors), _json(steps_text, "steps", list, errors)
        if not errors:
            steps = steps + _new_step(form, errors)
            steps_text = json.dumps(steps, ensure_ascii=False)
        if not errors:
            try:
                state = run_one(
                    session(),
                    clock(),
                    drafts.files_of(draft),
                    process=process,
                    data=_with_receipt(intake),
                    steps=steps,
                    settings=current_app.config,
                )
            except InvalidState as refused:
                problems = refused.details.get("problems", []) or [
                    {"file": "", "element": None, "message": refused.message}
                ]
            except ValidationFailed as refused:
                errors.update(refused.errors or {"steps": refused.message})
    return render_template(
        "owner/run.html",
        draft=draft,
        process=process,
        intake=intake_text,
        steps=steps_text,
        state=state,
        errors=errors,
        problems=problems,
        samples={
            t["id"]: json.dumps(_sample(t.get("form")), ensure_ascii=False)
            for t in (state or {}).get("ready", [])
        },
    ), (422 if errors else 200)


def _json(text: str, name: str, kind: type, errors: dict):
    try:
        value = json.loads(text)
    except ValueError as exc:
        errors[name] = _("Not valid JSON: %(message)s", message=str(exc))
        return kind()
    if not isinstance(value, kind):
        errors[name] = _("This must be a JSON object.") if kind is dict else _("This must be a JSON list.")
        return kind()
    return value


def _new_step(form, errors: dict) -> list[dict]:
    """The step the owner just asked for: complete a task with data, deliver a message, or wait."""
    action = form.get("action", "")
    if action.startswith("task:"):
        data = _json(form.get("task_data") or "{}", "task_data", dict, errors)
        return [] if errors else [{"task": action.removeprefix("task:"), "data": data}]
    if action.startswith("message:"):
        return [{"message": action.removeprefix("message:")}]
    if action == "wait":
        minutes = form.get("minutes", "")
        if not minutes.isdigit() or not 0 < int(minutes) <= 60 * 24 * 120:
            errors["minutes"] = _("Enter a number of minutes.")
            return []
        return [{"wait_minutes": int(minutes)}]
    return []


def _with_receipt(intake: dict) -> dict:
    complaint = intake.get("complaint")
    if isinstance(complaint, dict):
        complaint = {"received_at": clock()().isoformat(), "language": "en", **complaint}
        return {**intake, "complaint": complaint}
    return intake


def _sample(schema: dict | None) -> dict:
    """Data a form accepts, to start typing from: each property's default, first choice or an empty value."""
    sample = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        if "default" in prop:
            sample[name] = prop["default"]
        elif prop.get("enum"):
            sample[name] = prop["enum"][0]
        elif prop.get("type") == "boolean":
            sample[name] = True
        elif prop.get("type") in ("number", "integer"):
            sample[name] = 0
        elif prop.get("type") == "array":
            sample[name] = (prop.get("items") or {}).get("enum", [])[:1]
        else:
            sample[name] = ""
    return sample
