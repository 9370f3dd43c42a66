"""The process owner's studio over the API: versions, drafts, checks, compare, try, run one case, deploy,
and moving waiting cases to a new version. Process owners and administrators only.

The studio's pages use these endpoints from the browser (session plus ``X-Requested-With``); scripts can use
them with a token. Draft files travel as text in JSON (BPMN, DMN and JSON Schema are all UTF-8 text).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import current_app, jsonify

from engine.deploy.files import MAX_BUNDLE_BYTES
from engine.errors import ValidationFailed
from engine.models import Role
from engine.studio import catalog, drafts, moving
from engine.studio.checks import check
from engine.studio.compare import compare
from engine.studio.run_one import run_one
from engine.studio.trying import MAX_CASES, try_draft
from handlers import registry
from web.api import shapes
from web.api import studio_shapes as show
from web.api.blueprint import bp
from web.api.inputs import Query, json_object
from web.auth import current_user, roles_required
from web.db import case_engine, session
from web.routing import ID

OWNERS = (Role.PROCESS_OWNER, Role.ADMIN)
SAVE_MAX_BYTES = MAX_BUNDLE_BYTES + 1024 * 1024  # a whole bundle as JSON text, with room for escaping


def _clock():
    return current_app.config["CLOCK"]


@bp.get("/studio/versions")
@roles_required(*OWNERS)
def studio_versions():
    """Every deployed version with who deployed it, when, its hash and the cases on it."""
    return jsonify({"items": [show.version_row(row) for row in catalog.versions(session())]})


@bp.get("/studio/handlers")
@roles_required(*OWNERS)
def studio_handlers():
    """The service-task handlers a diagram may name, with their parameters."""
    return jsonify({"items": catalog.handlers(registry)})


@bp.get(f"/studio/versions/<{ID}:version_id>/compare/<{ID}:other_id>")
@roles_required(*OWNERS)
def compare_versions(version_id: int, other_id: int):
    """What changes from one deployed version's bundle to another's."""
    db = session()
    result = compare(catalog.files_of_version(db, version_id), catalog.files_of_version(db, other_id))
    return jsonify(result.to_dict())


@bp.get("/drafts")
@roles_required(*OWNERS)
def list_drafts():
    return jsonify({"items": [show.draft(d) for d in drafts.list_open(session())]})


@bp.post("/drafts")
@roles_required(*OWNERS)
def create_draft():
    """Start a draft from a deployed version."""
    body = json_object(allowed={"version_id", "title"}, required={"version_id"})
    version_id = _integer(body, "version_id")
    title = body.get("title") or ""
    if not isinstance(title, str) or len(title) > 255:
        raise ValidationFailed("the title is text", {"title": "at most 255 characters"})
    draft = drafts.create(
        session(), _clock(), version_id=version_id, actor=current_user().username, title=title
    )
    return jsonify(show.draft(drafts.get(session(), draft.id))), 201


@bp.get(f"/drafts/<{ID}:draft_id>")
@roles_required(*OWNERS)
def get_draft(draft_id: int):
    return jsonify(show.draft(drafts.get(session(), draft_id)))


@bp.get(f"/drafts/<{ID}:draft_id>/files/<path:name>")
@roles_required(*OWNERS)
def draft_file(draft_id: int, name: str):
    """One file of a draft, as text."""
    draft = drafts.get(session(), draft_id, with_content=True)
    return jsonify(show.file_text(draft, name))


@bp.put(f"/drafts/<{ID}:draft_id>")
@roles_required(*OWNERS)
def save_draft(draft_id: int):
    """Save changed files (if ``revision`` is still current) and check the draft as deploy would."""
    body = json_object(
        allowed={"revision", "files", "deleted", "renamed"}, required={"revision"}, limit=SAVE_MAX_BYTES
    )
    revision = _integer(body, "revision")
    files = body.get("files") or {}
    deleted = body.get("deleted") or []
    renamed = body.get("renamed") or {}
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise ValidationFailed("files maps file names to their text", {"files": "must map names to text"})
    if not isinstance(deleted, list) or not all(isinstance(n, str) for n in deleted):
        raise ValidationFailed("deleted lists file names", {"deleted": "must be a list of names"})
    if not isinstance(renamed, dict) or not all(isinstance(v, str) for v in renamed.values()):
        raise ValidationFailed(
            "renamed maps present names to new ones", {"renamed": "must map names to names"}
        )
    db = session()
    encoded = {name: text.encode("utf-8") for name, text in files.items()}
    draft = drafts.save(
        db,
        _clock(),
        draft_id,
        revision=revision,
        files=encoded,
        deleted=deleted,
        renamed=renamed,
        actor=current_user().username,
    )
    return jsonify({"draft": show.draft(draft), **_checks(draft_id)})


@bp.get(f"/drafts/<{ID}:draft_id>/revisions")
@roles_required(*OWNERS)
def draft_revisions(draft_id: int):
    """Every save of the draft, newest first: who, when, what it did, its files."""
    return jsonify({"items": [show.revision(r) for r in drafts.revisions(session(), draft_id)]})


@bp.post(f"/drafts/<{ID}:draft_id>/revisions/<int(max=2147483647):number>/restore")
@roles_required(*OWNERS)
def restore_revision(draft_id: int, number: int):
    """Make the draft's files what they were at revision ``number`` (a new save on ``revision``), and check."""
    body = json_object(allowed={"revision"}, required={"revision"})
    draft = drafts.restore(
        session(),
        _clock(),
        draft_id,
        revision=_integer(body, "revision"),
        restore=number,
        actor=current_user().username,
    )
    return jsonify({"draft": show.draft(draft), **_checks(draft_id)})


@bp.delete(f"/drafts/<{ID}:draft_id>")
@roles_required(*OWNERS)
def discard_draft(draft_id: int):
    drafts.discard(session(), _clock(), draft_id, actor=current_user().username)
    return jsonify({"discarded": draft_id})


@bp.get(f"/drafts/<{ID}:draft_id>/checks")
@roles_required(*OWNERS)
def check_draft(draft_id: int):
    """The deploy validator's problems with the draft as saved (none: it would deploy)."""
    return jsonify(_checks(draft_id))


def _checks(draft_id: int) -> dict:
    db = session()
    result = check(db, drafts.files_of(drafts.get(db, draft_id, with_content=True)), handlers=registry)
    return show.checks(result)


@bp.get(f"/drafts/<{ID}:draft_id>/compare")
@roles_required(*OWNERS)
def compare_draft(draft_id: int):
    """What the draft changes from its base version, or from the version given as ``version``."""
    query = Query({"version"})
    version_id = query.integer("version")
    query.done()
    db = session()
    draft = drafts.get(db, draft_id, with_content=True)
    base = catalog.files_of_version(db, version_id or draft.base_version_id)
    return jsonify(compare(base, drafts.files_of(draft)).to_dict())


@bp.post(f"/drafts/<{ID}:draft_id>/try")
@roles_required(*OWNERS)
def try_a_draft(draft_id: int):
    """Replay recorded cases of the current versions through the draft; a verdict per case."""
    body = json_object(allowed={"since", "limit"})
    since = _date(body, "since")
    limit = body.get("limit", 1000)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_CASES:
        raise ValidationFailed("limit is a number of cases", {"limit": f"from 1 to {MAX_CASES}"})
    db = session()
    files = drafts.files_of(drafts.get(db, draft_id, with_content=True))
    report = try_draft(db, _clock(), files, settings=current_app.config, since=since, limit=limit)
    return jsonify(show.try_report(report))


@bp.post(f"/drafts/<{ID}:draft_id>/run")
@roles_required(*OWNERS)
def run_a_case(draft_id: int):
    """Step the draft with typed data: the intake data, then tasks completed, messages, waits in order."""
    body = json_object(allowed={"process", "data", "steps"}, required={"process", "data"})
    if not isinstance(body["process"], str) or not isinstance(body["data"], dict):
        raise ValidationFailed("process names a process; data is an object", {"data": "must be an object"})
    steps = body.get("steps") or []
    if not isinstance(steps, list):
        raise ValidationFailed("steps is a list", {"steps": "must be a list"})
    db = session()
    files = drafts.files_of(drafts.get(db, draft_id, with_content=True))
    state = run_one(
        db,
        _clock(),
        files,
        process=body["process"],
        data=body["data"],
        steps=steps,
        settings=current_app.config,
    )
    return jsonify(show.run_state(state))


@bp.post(f"/drafts/<{ID}:draft_id>/deploy")
@roles_required(*OWNERS)
def deploy_draft(draft_id: int):
    """Deploy the draft as saved at ``revision``, with the reason (recorded in the audit log)."""
    body = json_object(allowed={"revision", "reason"}, required={"revision", "reason"})
    reason = body["reason"] if isinstance(body["reason"], str) else ""
    result = drafts.deploy(
        session(),
        _clock(),
        draft_id,
        revision=_integer(body, "revision"),
        reason=reason,
        actor=current_user().username,
        handlers=registry,
    )
    answer = {
        "deployed": [shapes.version(v) for v in result.deployed],
        "unchanged": [shapes.version(v) for v in result.unchanged],
        "warnings": [{"file": w.file, "element": w.element, "message": w.message} for w in result.warnings],
    }
    return jsonify(answer), 201 if result.deployed else 200


@bp.post("/migrations")
@roles_required(*OWNERS)
def migrate_cases():
    """Move waiting cases from one version to another: a dry run unless ``dry_run`` is false."""
    body = json_object(
        allowed={"from_version", "to_version", "cases", "at", "dry_run"},
        required={"from_version", "to_version"},
    )
    from_id, to_id = _integer(body, "from_version"), _integer(body, "to_version")
    chosen = body.get("cases", "all")
    if chosen != "all" and not (
        isinstance(chosen, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in chosen)
    ):
        raise ValidationFailed('cases is "all" or a list of case ids', {"cases": 'must be "all" or ids'})
    at = body.get("at")
    if at is not None and (not isinstance(at, str) or not 0 < len(at) <= 255):
        raise ValidationFailed("at names an element", {"at": "must be an element id"})
    dry_run = body.get("dry_run", True)
    if not isinstance(dry_run, bool):
        raise ValidationFailed("dry_run is true or false", {"dry_run": "must be a boolean"})
    engine = case_engine()
    moving.versions(engine.session, from_id, to_id)
    ids = moving.select_cases(engine.session, from_id, case_ids=None if chosen == "all" else chosen, at=at)
    if dry_run:
        report = moving.dry_run(engine, from_id, to_id, ids)
    else:
        report = moving.move(engine, from_id, to_id, ids, actor=current_user().username)
    return jsonify(report.to_dict())


def _integer(body: dict, name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 2**63 - 1:
        raise ValidationFailed(
            f"{name} is a positive whole number", {name: "must be a positive whole number"}
        )
    return value


def _date(body: dict, name: str) -> datetime | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{name} is a date", {name: "must be a date: 2026-11-01"}) from None
