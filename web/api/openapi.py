"""The OpenAPI 3.1 document of ``/api/v1``, written by hand and served at ``/api/v1/openapi.json``.

Response schemas forbid properties they do not name, so a field added to a response without being documented
fails the tests (``tests/functional/test_api_contract.py`` checks every response the API tests receive against
this document, checks that every route is documented, and runs schemathesis over the read endpoints and intake).
The complaint body is the deployed intake form, so the document follows what a process owner deployed.
"""

from __future__ import annotations

from flask import jsonify

from engine.cases import intake
from engine.errors import NotFound
from web.api import evidence_openapi, studio_openapi
from web.api.blueprint import bp
from web.api.schemas import ID, SCHEMAS, TEXT, obj, ref
from web.db import case_engine

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


REPLAYED = {
    "Idempotent-Replayed": {
        "description": "true when this is the stored answer to an earlier request with the same key",
        "schema": {"enum": ["true"]},
    }
}


def _op(summary: str, ok, errors, *, params=(), body=None, public=False, tag: str) -> dict:
    operation = {"summary": summary, "tags": [tag], "responses": _responses(ok, errors)}
    if "IdempotencyKey" in params:
        for status in ok:
            operation["responses"][str(status)]["headers"] = REPLAYED
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
                    "The inbox: the highest priority first (P1 ... P4, then none), soonest due first within a "
                    "priority, a cursor for the next page (one from before the priority order is refused: ask for "
                    "the first page again)",
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
        "/track/{tracking_code}/survey": {
            "get": _op(
                "The follow-up survey the customer may answer now, with their tier's question",
                {200: ("The survey", "Survey")},
                [404, 409, 429],
                params=["TrackingCode"],
                public=True,
                tag="customers",
            ),
            "post": _op(
                "The customer's answers to the follow-up survey, for the owner's follow-up visit (once)",
                {201: ("Recorded", "SurveyAnswered")},
                [400, 404, 409, 413, 422, 429],
                params=["TrackingCode"],
                body=_json_body(ref("SurveyRequest")),
                public=True,
                tag="customers",
            ),
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
            "description": "Complaints, tasks, processes, the process owner's studio and the customer's tracking "
            "view. Errors are JSON: "
            '{"code", "message"} plus "errors" by field (422) or "problems" (a refused deployment).',
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": {**paths(body), **studio_openapi.paths(), **evidence_openapi.paths()},
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": (
                        "flask --app app tokens create USER [--scope full|read|metrics]: a read token is refused "
                        "(403) on every change, a metrics token on everything but /metrics"
                    ),
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "the signed-in browser; changes also need an X-Requested-With header",
                },
            },
            "schemas": {**SCHEMAS, **studio_openapi.SCHEMAS, **evidence_openapi.SCHEMAS},
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
