"""The studio's part of the OpenAPI document: its paths and component schemas (merged by ``openapi.py``)."""

from __future__ import annotations

from web.api.schemas import BOOL, ID, MAYBE_TEXT, MAYBE_TIME, TEXT, TIME, nullable, obj, ref

TAG = "studio"
INT = {"type": "integer"}
PROBLEM = obj(
    {
        "file": TEXT,
        "element": MAYBE_TEXT,
        "message": {**TEXT, "description": "in English"},
        "code": {**TEXT, "description": "stable, e.g. flow.no_condition; empty when the problem has none"},
        "params": {"type": "object", "description": "what the message says, for a translation by code"},
        "text": {**TEXT, "description": "the message in the request's language"},
    }
)
ELEMENT_REF = obj({"id": TEXT, "name": TEXT})


def _version_properties() -> dict:
    from web.api.schemas import VERSION

    return dict(VERSION["properties"])


SCHEMAS = {
    "StudioVersion": obj(
        {
            "id": ID,
            **_version_properties(),
            "cases": {**INT, "description": "cases started on this version"},
            "open_cases": {**INT, "description": "of which still running (open or in incident)"},
        }
    ),
    "StudioVersionList": obj({"items": {"type": "array", "items": ref("StudioVersion")}}),
    "Handler": obj(
        {
            "name": TEXT,
            "description": TEXT,
            "parameters": {"type": "array", "items": obj({"name": TEXT, "required": BOOL})},
        }
    ),
    "HandlerList": obj({"items": {"type": "array", "items": ref("Handler")}}),
    "Draft": obj(
        {
            "id": ID,
            "process": TEXT,
            "base_version_id": ID,
            "main_file": TEXT,
            "title": TEXT,
            "revision": {**INT, "description": "send it back with the next save (optimistic concurrency)"},
            "created_by": TEXT,
            "created_at": TIME,
            "saved_by": TEXT,
            "saved_at": TIME,
            "deployed_at": MAYBE_TIME,
            "files": {"type": "array", "items": obj({"name": TEXT, "sha256": TEXT})},
        }
    ),
    "DraftList": obj({"items": {"type": "array", "items": ref("Draft")}}),
    "DraftFile": obj({"name": TEXT, "sha256": TEXT, "content": TEXT}),
    "Checks": obj({"ok": BOOL, "problems": {"type": "array", "items": PROBLEM}}),
    "Saved": obj({"draft": ref("Draft"), "ok": BOOL, "problems": {"type": "array", "items": PROBLEM}}),
    "Discarded": obj({"discarded": ID}),
    "Comparison": obj(
        {
            "files": {
                "type": "array",
                "items": obj(
                    {
                        "name": TEXT,
                        "kind": {"enum": ["bpmn", "dmn", "form"]},
                        "status": {"enum": ["added", "removed", "changed", "same"]},
                    }
                ),
            },
            "elements": {
                "type": "array",
                "items": obj(
                    {
                        "file": TEXT,
                        "id": TEXT,
                        "type": TEXT,
                        "name": TEXT,
                        "change": {"enum": ["added", "removed", "changed", "moved"]},
                        "properties": {
                            "type": "array",
                            "items": obj({"name": TEXT, "before": MAYBE_TEXT, "after": MAYBE_TEXT}),
                        },
                    }
                ),
            },
        }
    ),
    "TryRequest": obj(
        {
            "since": {
                "type": "string",
                "format": "date",
                "description": "cases received from this day (31 days)",
            },
            "limit": {"type": "integer", "minimum": 1, "maximum": 5000, "description": "at most (1000)"},
        },
        required=[],
    ),
    "TryReport": obj(
        {
            "since": TIME,
            "until": TIME,
            "versions": {"type": "array", "items": TEXT},
            "cases": INT,
            "counts": obj({"same": INT, "different": INT, "stuck": INT, "incident": INT}),
            "limited": {**BOOL, "description": "more cases matched than were replayed"},
            "elapsed_ms": INT,
            "outcomes": {
                "type": "array",
                "items": obj(
                    {
                        "case_id": ID,
                        "reference": MAYBE_TEXT,
                        "result": {"enum": ["same", "different", "stuck", "incident"]},
                        "detail": {**TEXT, "description": "what the code and parameters say, in English"},
                        "code": {
                            "enum": ["", "stuck", "stuck_parted", "parted", "incident", "moved"],
                            "description": "what the detail says, for a client to say it in its own language",
                        },
                        "params": {
                            "type": "object",
                            "description": "element (stuck_parted, parted), error (incident), or moves: each "
                            "moved deadline's name and its due time before and after (ISO 8601)",
                        },
                        "after": nullable(ELEMENT_REF),
                        "recorded_next": nullable(ELEMENT_REF),
                        "draft_next": nullable(ELEMENT_REF),
                    }
                ),
            },
            "unreadable": {
                "type": "array",
                "items": obj({"case_id": ID, "reference": MAYBE_TEXT, "detail": TEXT}),
            },
        }
    ),
    "RunRequest": obj(
        {
            "process": {**TEXT, "description": "the process key to start"},
            "data": {"type": "object", "description": "the intake data: complaint, customer"},
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "description": '{"task": id, "data": {...}}, {"message": name} or {"wait_minutes": n}',
                },
            },
        },
        required=["process", "data"],
    ),
    "RunState": obj(
        {
            "status": {"enum": ["waiting", "completed", "stuck", "incident"]},
            "error": MAYBE_TEXT,
            "refused": {**MAYBE_TEXT, "description": "a step the draft could not take"},
            "now": TIME,
            "ready": {
                "type": "array",
                "items": obj(
                    {
                        "id": TEXT,
                        "name": TEXT,
                        "lane": MAYBE_TEXT,
                        "form": {"type": ["object", "null"]},
                        "due_at": MAYBE_TIME,
                    }
                ),
            },
            "timers": {"type": "array", "items": obj({"id": TEXT, "name": TEXT, "due_at": TIME})},
            "path": {"type": "array", "items": ELEMENT_REF},
            "messages": {
                "type": "array",
                "items": obj({"channel": TEXT, "recipient": TEXT, "template": TEXT}),
            },
            "case_fields": {"type": "object"},
            "data": {"type": "object"},
            "waiting_messages": {"type": "array", "items": TEXT},
        }
    ),
    "DraftDeployRequest": obj({"revision": {"type": "integer", "minimum": 1}, "reason": TEXT}),
    "MigrationRequest": obj(
        {
            "from_version": ID,
            "to_version": ID,
            "cases": {"anyOf": [{"enum": ["all"]}, {"type": "array", "items": ID}]},
            "at": {**TEXT, "description": "only cases with an open task at this element id"},
            "dry_run": {**BOOL, "description": "check only (the default)"},
        },
        required=["from_version", "to_version"],
    ),
    "MigrationReport": obj(
        {
            "from_version": TEXT,
            "to_version": TEXT,
            "dry_run": BOOL,
            "movable": INT,
            "refused": INT,
            "cases": {
                "type": "array",
                "items": obj(
                    {
                        "case_id": ID,
                        "reference": MAYBE_TEXT,
                        "movable": BOOL,
                        "reason": TEXT,
                        "waiting": {"type": "array", "items": TEXT},
                        "timers": {
                            "type": "array",
                            "items": obj({"name": TEXT, "before": MAYBE_TIME, "after": MAYBE_TIME}),
                        },
                    }
                ),
            },
        }
    ),
    "CreateDraftRequest": obj({"version_id": ID, "title": TEXT}, required=["version_id"]),
    "SaveDraftRequest": obj(
        {
            "revision": {"type": "integer", "minimum": 1},
            "files": {"type": "object", "additionalProperties": TEXT, "description": "name -> text"},
            "deleted": {"type": "array", "items": TEXT},
            "renamed": {
                "type": "object",
                "additionalProperties": TEXT,
                "description": "present name -> new name (applied before deleted and files)",
            },
        },
        required=["revision"],
    ),
    "DraftRevision": obj(
        {
            "revision": INT,
            "saved_by": TEXT,
            "saved_at": TIME,
            "action": {"enum": ["created", "saved", "restored"]},
            "restored_from": {
                "type": ["integer", "null"],
                "description": "the revision a restore went back to",
            },
            "files": {"type": "array", "items": obj({"name": TEXT, "sha256": TEXT})},
        }
    ),
    "DraftRevisionList": obj({"items": {"type": "array", "items": ref("DraftRevision")}}),
    "RestoreRequest": obj(
        {"revision": {"type": "integer", "minimum": 1, "description": "the draft's current revision"}}
    ),
}


def _responses(ok: dict[int, tuple[str, str]], errors: list[int]) -> dict:
    result = {
        str(status): {"description": text, "content": {"application/json": {"schema": ref(schema)}}}
        for status, (text, schema) in ok.items()
    }
    result.update({str(status): {"$ref": f"#/components/responses/E{status}"} for status in errors})
    return result


def _op(summary: str, ok: dict, errors: list[int], *, params=(), body: str | None = None) -> dict:
    operation = {"summary": summary, "tags": [TAG], "responses": _responses(ok, [401, 403, *errors])}
    if params:
        operation["parameters"] = list(params)
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    return operation


def _path(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


DRAFT_ID = _path("draft_id", ID)


def paths() -> dict:
    return {
        "/studio/versions": {
            "get": _op(
                "Every deployed version with the cases on it", {200: ("Versions", "StudioVersionList")}, []
            )
        },
        "/studio/handlers": {
            "get": _op(
                "The service-task handlers and their parameters", {200: ("Handlers", "HandlerList")}, []
            )
        },
        "/studio/versions/{version_id}/compare/{other_id}": {
            "get": _op(
                "What changes from one deployed version to another",
                {200: ("The changes", "Comparison")},
                [404],
                params=[_path("version_id", ID), _path("other_id", ID)],
            )
        },
        "/drafts": {
            "get": _op("Drafts not yet deployed", {200: ("Drafts", "DraftList")}, []),
            "post": _op(
                "Start a draft from a deployed version",
                {201: ("The new draft", "Draft")},
                [400, 404, 413, 422],
                body="CreateDraftRequest",
            ),
        },
        "/drafts/{draft_id}": {
            "get": _op("A draft and its files", {200: ("The draft", "Draft")}, [404], params=[DRAFT_ID]),
            "put": _op(
                "Save files (optimistic: name the revision you started from) and check the draft",
                {200: ("Saved, with the checks' problems", "Saved")},
                [400, 404, 409, 413, 422],
                params=[DRAFT_ID],
                body="SaveDraftRequest",
            ),
            "delete": _op(
                "Discard a draft", {200: ("Discarded", "Discarded")}, [404, 409], params=[DRAFT_ID]
            ),
        },
        "/drafts/{draft_id}/revisions": {
            "get": _op(
                "Every save of the draft, newest first (who, when, its files)",
                {200: ("Revisions", "DraftRevisionList")},
                [404],
                params=[DRAFT_ID],
            )
        },
        "/drafts/{draft_id}/revisions/{number}/restore": {
            "post": _op(
                "Bring back the files of an earlier revision, as a new save (optimistic), and check the draft",
                {200: ("Restored, with the checks' problems", "Saved")},
                [400, 404, 409, 413, 422],
                params=[DRAFT_ID, _path("number", INT)],
                body="RestoreRequest",
            )
        },
        "/drafts/{draft_id}/files/{name}": {
            "get": _op(
                "One file of a draft, as text",
                {200: ("The file", "DraftFile")},
                [404, 422],
                params=[DRAFT_ID, _path("name", TEXT)],
            )
        },
        "/drafts/{draft_id}/checks": {
            "get": _op(
                "The deploy validator's problems", {200: ("Checks", "Checks")}, [404], params=[DRAFT_ID]
            )
        },
        "/drafts/{draft_id}/compare": {
            "get": {
                **_op(
                    "What the draft changes from its base version (or ?version=ID)",
                    {200: ("The changes", "Comparison")},
                    [400, 404],
                ),
                "parameters": [
                    DRAFT_ID,
                    {"name": "version", "in": "query", "required": False, "schema": ID},
                ],
            }
        },
        "/drafts/{draft_id}/try": {
            "post": _op(
                "Replay recorded cases of the current versions through the draft",
                {200: ("A verdict per case", "TryReport")},
                [400, 404, 409, 413, 422],
                params=[DRAFT_ID],
                body="TryRequest",
            )
        },
        "/drafts/{draft_id}/run": {
            "post": _op(
                "Step one case through the draft with typed data",
                {200: ("Where the case stands", "RunState")},
                [400, 404, 409, 413, 422],
                params=[DRAFT_ID],
                body="RunRequest",
            )
        },
        "/drafts/{draft_id}/deploy": {
            "post": _op(
                "Deploy the draft with a reason (an audit event)",
                {201: ("New versions deployed", "Deployed"), 200: ("Nothing changed", "Deployed")},
                [400, 404, 409, 413, 422],
                params=[DRAFT_ID],
                body="DraftDeployRequest",
            )
        },
        "/migrations": {
            "post": _op(
                "Move waiting cases to another version of their process (a dry run unless dry_run is false)",
                {200: ("A verdict per case", "MigrationReport")},
                [400, 404, 409, 413, 422],
                body="MigrationRequest",
            )
        },
    }
