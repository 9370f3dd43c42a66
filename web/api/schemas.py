"""The component schemas of the OpenAPI document: one per shape ``shapes.py`` answers with.

Response schemas forbid properties they do not name, so an undocumented field fails the contract tests.
"""

from __future__ import annotations

from typing import Any


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
        "priority": {
            **MAYBE_TEXT,
            "description": "the case's priority, P1 ... P4: the task list's first order",
        },
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
                    "name": {
                        "enum": [
                            "decision",
                            "follow_up",
                            "first_contact",
                            "direction",
                            "initial_plan",
                            "plan",
                            "fraud_protection",
                            "tailored_plan",
                        ]
                    },
                    "due_at": {**MAYBE_TIME, "description": "when the bank promised it"},
                }
            )
        ),
        "decision_due_at": {
            **MAYBE_TIME,
            "description": "the regulatory limit for the bank's decision, until the decision is sent",
        },
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
            "warnings": {
                "type": "array",
                "description": "deployed anyway: errors in the diagrams' layout (bpmndi), each naming its element",
                "items": obj({"file": TEXT, "element": MAYBE_TEXT, "message": TEXT}),
            },
        }
    ),
    "ProcessList": obj({"items": {"type": "array", "items": ref("ProcessVersion")}}),
    "Track": TRACK,
    "CompleteRequest": obj({"data": {"type": "object", "description": "the task form's fields"}}),
    "ReplyRequest": obj({"answer": {"enum": ["accepted", "person"]}}),
    "Survey": obj(
        {
            "answered": BOOL,
            "form": {
                "type": "object",
                "description": "the survey's JSON Schema, with the question of the case's tier (titles in English "
                "and Chinese)",
            },
        }
    ),
    "SurveyRequest": obj({"answers": {"type": "object", "description": "the survey form's fields"}}),
    "SurveyAnswered": obj({"answered": BOOL}),
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
