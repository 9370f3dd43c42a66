"""The OpenAPI 3.1 document of ``/api/v1``, written by hand and served at ``/api/v1/openapi.json``.

Response schemas forbid properties they do not name, so a field added to a response without being documented
fails the tests (``tests/functional/test_api_contract.py`` checks every response the API tests receive against
this document, checks that every route is documented, and runs schemathesis over the read endpoints and intake).
The complaint body is the deployed intake form, so the document follows what a process owner deployed.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from engine import intake
from engine.errors import NotFound
from web.api import bp
from web.db import case_engine


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict[str, Any], required: list[str] | None = None, **extra) -> dict:
    """An object with exactly these properties (all required unless ``required`` says otherwise)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
        **extra,
    }


ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
TEXT = {"type": "string"}
MAYBE_TEXT = {"type": ["string", "null"]}
TIME = {"type": "string", "format": "date-time"}
MAYBE_TIME = {"type": ["string", "null"], "format": "date-time"}
BOOL = {"type": "boolean"}
TASK_STATES = ["ready", "claimed", "completed", "cancelled"]

PERSON = obj({"id": ID, "username": TEXT, "display_name": TEXT})
TASK = obj(
    {
        "id": ID,
        "case_id": ID,
        "case_reference": MAYBE_TEXT,
        "tier": MAYBE_TEXT,
        "name": TEXT,
        "lane": MAYBE_TEXT,
        "state": {"enum": TASK_STATES},
        "assignee": nullable(ref("Person")),
        "created_at": TIME,
        "due_at": MAYBE_TIME,
        "completed_at": MAYBE_TIME,
        "overdue": {**BOOL, "description": "open and past its due time"},
    }
)
CASE_SUMMARY_PROPERTIES = {
    "id": ID,
    "reference": MAYBE_TEXT,
    "process": TEXT,
    "tier": MAYBE_TEXT,
    "priority": MAYBE_TEXT,
    "status": {"enum": ["open", "incident", "completed", "cancelled"]},
    "category": MAYBE_TEXT,
    "channel": MAYBE_TEXT,
    "owner": nullable(ref("Person")),
    "created_at": TIME,
    "received_at": MAYBE_TIME,
    "decided_at": {**MAYBE_TIME, "description": "when the bank's decision reached the customer"},
    "closed_at": MAYBE_TIME,
}
COMPLAINT = obj(
    {
        **CASE_SUMMARY_PROPERTIES,
        "business_type": MAYBE_TEXT,
        "description": TEXT,
        "amount": {
            "type": ["string", "null"],
            "description": "CNY, as a decimal string",
            "pattern": r"^-?\d+(\.\d+)?$",
        },
        "cause_class": MAYBE_TEXT,
        "risk_warning": TEXT,
        "repeat_of_id": nullable(ID),
        "customer": nullable(ref("Customer")),
        "deadlines": ref("Deadlines"),
        "open_tasks": {"type": "array", "items": ref("Task")},
    }
)
CUSTOMER = obj(
    {
        "id": {**TEXT, "description": "the bank's customer number"},
        "name": TEXT,
        "phone": {
            **TEXT,
            "description": "masked (138****0000) unless the caller owns the case or supervises",
        },
        "phone_masked": BOOL,
        "segment": TEXT,
    }
)
DEADLINES = obj(
    {
        "regulatory_days": {"type": "integer", "description": "15, or 30/60 once extended"},
        "regulatory_due_at": {**MAYBE_TIME, "description": "the decision deadline; null while paused"},
        "regulatory_breached": BOOL,
        "regulatory_paused": BOOL,
        "regulatory_paused_since": MAYBE_TIME,
        "tasks": {
            "type": "array",
            "description": "the open tasks' due times",
            "items": obj({"task_id": ID, "name": TEXT, "due_at": TIME, "overdue": BOOL}),
        },
    }
)
ESCALATION = obj(
    {
        "source": {"enum": ["diagram", "ladder", "regulatory"]},
        "recipient": TEXT,
        "limit": TEXT,
        "level": {"type": "integer"},
        "created_at": TIME,
        "resolved_at": MAYBE_TIME,
    }
)
STEP = obj(
    {
        "task_id": ID,
        "name": TEXT,
        "lane": MAYBE_TEXT,
        "state": {"enum": TASK_STATES},
        "actor": {**MAYBE_TEXT, "description": "who completed it"},
        "started_at": TIME,
        "completed_at": MAYBE_TIME,
        "due_at": MAYBE_TIME,
        "breached": {**BOOL, "description": "completed after its due time, or open and past it"},
        "escalations": {"type": "array", "items": ref("Escalation")},
    }
)
EVENT = obj(
    {
        "seq": {"type": "integer"},
        "at": TIME,
        "actor": TEXT,
        "kind": TEXT,
        "payload": {"type": "object"},
    }
)
VERSION = obj(
    {
        "key": TEXT,
        "version": {"type": "integer", "minimum": 1},
        "name": TEXT,
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "source_file": TEXT,
        "lanes": {"type": "array", "items": TEXT},
        "deployed_at": TIME,
        "deployed_by": TEXT,
    }
)
MILESTONES = ["received", "in_progress", "result_sent", "closed"]
TRACK = obj(
    {
        "reference": MAYBE_TEXT,
        "status": {"enum": MILESTONES, "description": "the last milestone reached"},
        "milestones": {
            "type": "array",
            "items": obj({"name": {"enum": MILESTONES}, "reached": BOOL, "at": MAYBE_TIME}),
        },
        "owner": nullable(obj({"first_name": TEXT})),
        "next_step": nullable(
            obj(
                {
                    "name": {"enum": ["decision", "follow_up"]},
                    "due_at": {**MAYBE_TIME, "description": "when the bank promised it"},
                }
            )
        ),
    },
    description="What the customer may see: nothing internal, no staff but the owner's first name.",
)
ERROR = obj(
    {
        "code": {**TEXT, "description": "machine-readable, stable"},
        "message": {**TEXT, "description": "for people"},
        "errors": {
            "type": "object",
            "description": "what is wrong with each field, by path (complaint.description)",
            "additionalProperties": TEXT,
        },
        "problems": {
            "type": "array",
            "description": "why a bundle was refused",
            "items": obj({"file": TEXT, "element": MAYBE_TEXT, "message": TEXT}),
        },
    },
    required=["code", "message"],
)

SCHEMAS = {
    "Error": ERROR,
    "Person": PERSON,
    "Task": TASK,
    "TaskDetail": obj(
        {
            **TASK["properties"],
            "form": {"type": ["object", "null"], "description": "the task form's JSON Schema"},
        }
    ),
    "TaskPage": obj(
        {
            "items": {"type": "array", "items": ref("Task")},
            "next": {**MAYBE_TEXT, "description": "pass as cursor for the next page; null on the last"},
        }
    ),
    "Completed": obj(
        {
            "task": ref("Task"),
            "case": obj({"id": ID, "reference": MAYBE_TEXT, "status": CASE_SUMMARY_PROPERTIES["status"]}),
        }
    ),
    "Created": obj(
        {
            "id": ID,
            "reference": MAYBE_TEXT,
            "tier": MAYBE_TEXT,
            "status": CASE_SUMMARY_PROPERTIES["status"],
            "tracking_code": {**TEXT, "description": "give it to the customer: it opens the tracking page"},
            "merged": {**BOOL, "description": "joined to the customer's open case for the same issue"},
        }
    ),
    "IntakeForm": obj(
        {"process": TEXT, "version": {"type": "integer"}, "schema": {"type": ["object", "null"]}}
    ),
    "CaseSummary": obj(CASE_SUMMARY_PROPERTIES),
    "Complaint": COMPLAINT,
    "Customer": CUSTOMER,
    "Deadlines": DEADLINES,
    "Escalation": ESCALATION,
    "Step": STEP,
    "Event": EVENT,
    "Trace": obj(
        {
            "case": ref("CaseSummary"),
            "steps": {"type": "array", "items": ref("Step")},
            "events": {"type": "array", "items": ref("Event")},
        }
    ),
    "ProcessVersion": VERSION,
    "Deployed": obj(
        {
            "deployed": {"type": "array", "items": ref("ProcessVersion")},
            "unchanged": {"type": "array", "items": ref("ProcessVersion")},
        }
    ),
    "ProcessList": obj({"items": {"type": "array", "items": ref("ProcessVersion")}}),
    "Track": TRACK,
    "CompleteRequest": obj({"data": {"type": "object", "description": "the task form's fields"}}),
    "ReplyRequest": obj({"answer": {"enum": ["accepted", "person"]}}),
    "DeployRequest": obj(
        {
            "files": {
                "type": "array",
                "items": {"type": "string", "contentMediaType": "application/octet-stream"},
                "description": ".bpmn, .dmn and .json (form) files, deployed as one bundle",
            }
        }
    ),
}

ERRORS = {
    400: "Malformed: not JSON, wrong content type, a bad query parameter or Idempotency-Key",
    401: "No valid token or session",
    403: "The role may not do this (or a session change without X-Requested-With)",
    404: "No such thing, or none the caller may see",
    409: "The case or task is not in a state that allows this, or someone else changed it first",
    413: "The body is larger than allowed",
    422: "Well-formed but invalid: errors names each field",
    429: "Too many requests from this client; Retry-After says when to try again",
}


def _response(description: str, schema: str, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": ref(schema)}}}
    if headers:
        response["headers"] = headers
    return response


def _responses(ok: dict[int, tuple[str, str]], errors: list[int]) -> dict:
    result = {str(status): _response(text, schema) for status, (text, schema) in ok.items()}
    for status in errors:
        result[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    return result


def _op(summary: str, ok, errors, *, params=(), body=None, public=False, tag: str) -> dict:
    operation = {"summary": summary, "tags": [tag], "responses": _responses(ok, errors)}
    if params:
        operation["parameters"] = [{"$ref": f"#/components/parameters/{p}"} for p in params]
    if body is not None:
        operation["requestBody"] = body
    if public:
        operation["security"] = []
    return operation


def _json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


PARAMETERS = {
    "CaseId": _path("case_id", ID),
    "TaskId": _path("task_id", ID),
    "TrackingCode": _path("tracking_code", TEXT),
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Repeat a request safely: the first successful answer is stored and replayed",
        "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
    },
}
TASK_QUERY = [
    _query("state", {"enum": ["open", "ready", "claimed", "completed"]}, "open (default): ready or claimed"),
    _query("lane", {"type": "string", "minLength": 1, "maxLength": 64}, "only this lane"),
    _query("case_id", ID, "only this case's tasks"),
    _query("assignee", {"enum": ["me"]}, "only the tasks assigned to the caller"),
    _query("overdue", {"type": "boolean"}, "only tasks past their due time"),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "page size (50)"),
    _query("cursor", {"type": "string", "maxLength": 200}, "the next value of the previous page"),
]
GENERIC_INTAKE = obj(
    {"complaint": {"type": "object"}, "customer": {"type": "object"}},
    description="No intake form is deployed yet; deploy processes/ to see its fields here.",
)


def paths(intake_body: dict) -> dict:
    complete_body = _json_body(ref("CompleteRequest"))
    return {
        "/complaints": {
            "post": _op(
                "File a complaint (any channel)",
                {201: ("A new case", "Created"), 200: ("Joined the customer's open case", "Created")},
                [400, 401, 403, 404, 409, 413, 422, 429],
                params=["IdempotencyKey"],
                body=_json_body(intake_body),
                tag="complaints",
            )
        },
        "/complaints/form": {
            "get": _op(
                "The intake form's JSON Schema",
                {200: ("The deployed intake form", "IntakeForm")},
                [401, 403, 404],
                tag="complaints",
            )
        },
        "/complaints/{case_id}": {
            "get": _op(
                "A complaint: status, owner, customer, deadlines, open tasks",
                {200: ("The case", "Complaint")},
                [401, 403, 404],
                params=["CaseId"],
                tag="complaints",
            )
        },
        "/complaints/{case_id}/trace": {
            "get": _op(
                "Every step and audit event of a complaint (auditors, supervisors)",
                {200: ("The trace", "Trace")},
                [401, 403, 404],
                params=["CaseId"],
                tag="complaints",
            )
        },
        "/tasks": {
            "get": {
                **_op(
                    "The inbox: soonest due first, a cursor for the next page",
                    {200: ("A page of tasks", "TaskPage")},
                    [400, 401, 403],
                    tag="tasks",
                ),
                "parameters": TASK_QUERY,
            }
        },
        "/tasks/{task_id}": {
            "get": _op(
                "A task with its form",
                {200: ("The task", "TaskDetail")},
                [401, 403, 404],
                params=["TaskId"],
                tag="tasks",
            )
        },
        "/tasks/{task_id}/claim": {
            "post": _op(
                "Claim a task from the lane's queue",
                {200: ("Claimed", "Task")},
                [401, 403, 404, 409],
                params=["TaskId"],
                tag="tasks",
            )
        },
        "/tasks/{task_id}/complete": {
            "post": _op(
                "Complete a task with its form's data",
                {200: ("Completed; the case ran on", "Completed")},
                [400, 401, 403, 404, 409, 413, 422],
                params=["TaskId", "IdempotencyKey"],
                body=complete_body,
                tag="tasks",
            )
        },
        "/processes": {
            "get": _op(
                "The latest version of every deployed process",
                {200: ("Deployed processes", "ProcessList")},
                [401, 403],
                tag="processes",
            ),
            "post": _op(
                "Upload, validate and deploy a bundle, all or nothing",
                {201: ("New versions deployed", "Deployed"), 200: ("Nothing changed", "Deployed")},
                [400, 401, 403, 409, 413, 422],
                body={"required": True, "content": {"multipart/form-data": {"schema": ref("DeployRequest")}}},
                tag="processes",
            ),
        },
        "/track/{tracking_code}": {
            "get": _op(
                "What the customer may see of their complaint (no account: the code is the key)",
                {200: ("The customer's view", "Track")},
                [404, 429],
                params=["TrackingCode"],
                public=True,
                tag="customers",
            )
        },
        "/track/{tracking_code}/reply": {
            "post": _op(
                "The customer's answer to a knowledge-base reply",
                {200: ("Delivered", "Track")},
                [400, 404, 409, 413, 422, 429],
                params=["TrackingCode"],
                body=_json_body(ref("ReplyRequest")),
                public=True,
                tag="customers",
            )
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }


def document(intake_form: dict | None = None) -> dict:
    """The whole document; ``intake_form`` is the deployed intake form (the complaint body), when there is one."""
    responses = {f"E{status}": _response(text, "Error") for status, text in ERRORS.items()}
    responses["E401"]["headers"] = {"WWW-Authenticate": {"schema": TEXT}}
    responses["E429"]["headers"] = {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}}}
    body = {key: value for key, value in (intake_form or GENERIC_INTAKE).items() if key != "$schema"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Complaint handling API",
            "version": "1.0.0",
            "description": "Complaints, tasks, processes and the customer's tracking view. Errors are JSON: "
            '{"code", "message"} plus "errors" by field (422) or "problems" (a refused deployment).',
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths(body),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "flask --app app tokens create USER",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "the signed-in browser; changes also need an X-Requested-With header",
                },
            },
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": responses,
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    """This API's OpenAPI 3.1 document."""
    try:
        _, form = intake.intake_schema(case_engine())
    except NotFound:
        form = None
    return jsonify(document(form))
