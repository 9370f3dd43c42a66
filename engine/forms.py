"""Task forms: JSON Schemas referenced from user tasks, and validation of submitted data against them."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonschema import validators

from engine.errors import ValidationFailed

FORM_PROPERTY = "formJsonSchemaFilename"


def form_name(task_spec) -> str | None:
    """The form file a user task refers to through ``spiffworkflow:properties``, if any."""
    extensions = getattr(task_spec, "extensions", None) or {}
    return (extensions.get("properties") or {}).get(FORM_PROPERTY)


@lru_cache(maxsize=256)
def _validator_for(schema_json: str):
    schema = json.loads(schema_json)
    cls = validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def validate(schema: dict[str, Any] | None, data: Any) -> None:
    """Raise ``ValidationFailed`` with a message per field when ``data`` does not satisfy ``schema``."""
    if not isinstance(data, dict):
        raise ValidationFailed("task data must be a JSON object", {"data": "must be an object"})
    if schema is None:
        if data:
            raise ValidationFailed(
                "this task has no form and takes no data", {k: "unexpected field" for k in sorted(data)}
            )
        return
    validator = _validator_for(json.dumps(schema, sort_keys=True))
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = ".".join(p for p in (path, missing) if p)
            errors.setdefault(path, "is required")
        elif error.validator == "additionalProperties":
            extra = set(error.instance) - set(error.schema.get("properties", {}))
            for name in sorted(extra):
                errors.setdefault(".".join(p for p in (path, name) if p), "is not a field of this form")
        else:
            errors.setdefault(path or "data", error.message)
    if errors:
        raise ValidationFailed("the submitted data does not match the task's form", errors)
