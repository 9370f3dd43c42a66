"""Task forms: JSON Schemas referenced from user tasks, their per-case variants, and validation of submitted
data against them.

A form may ask some questions only of some cases: its ``x-variants`` holds, for each value of a case attribute
(the tier), the extra fields asked when the case has that value, as ``{"properties": {...}, "required": [...]}``.
The user task says which attribute picks the variant (``spiffworkflow:property name="formVariant"
value="tier"``); the engine then serves, validates and stores the base fields plus that variant's
(``variant_schema``). The follow-up survey asks each tier its own question this way.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonschema import validators

from engine.errors import ValidationFailed

FORM_PROPERTY = "formJsonSchemaFilename"
VARIANT_PROPERTY = "formVariant"
VARIANTS = "x-variants"
# What a form may vary by: the case attribute a task's formVariant names, and the values it can take.
VARIANT_KEYS = {"tier": ("urgent", "general", "advisory")}
VARIANT_PARTS = {"properties", "required", "title", "description"}  # what one variant may hold
# Kept on a served form: the fields of the other variants, so that answering one of them reads clearly.
OTHER_VARIANTS = "x-other-variants"


def form_name(task_spec) -> str | None:
    """The form file a user task refers to through ``spiffworkflow:properties``, if any."""
    extensions = getattr(task_spec, "extensions", None) or {}
    return (extensions.get("properties") or {}).get(FORM_PROPERTY)


def variant_values() -> set[str]:
    return {value for values in VARIANT_KEYS.values() for value in values}


def variant_key(case, by: str | None) -> str | None:
    """The value of the case attribute ``by`` (a task's formVariant) that picks the form's variant."""
    if by not in VARIANT_KEYS:
        return None
    return getattr(case, by, None)


def variant_schema(
    schema: dict[str, Any] | None, key: str | None, by: str | None = None
) -> dict[str, Any] | None:
    """The form as asked of one case: its base fields plus those of the variant ``key`` (none: the base alone).

    The fields of the other variants are named in ``x-other-variants`` (field -> the values that ask it), so
    that ``validate`` refuses them with a sentence saying whom they are for."""
    if not schema or VARIANTS not in schema:
        return schema
    variants = schema.get(VARIANTS) or {}
    served = {k: v for k, v in schema.items() if k != VARIANTS}
    chosen = variants.get(key) if key is not None else None
    if isinstance(chosen, dict):
        served["properties"] = {**schema.get("properties", {}), **chosen.get("properties", {})}
        if chosen.get("required"):
            served["required"] = [*schema.get("required", []), *chosen["required"]]
        served["x-variant"] = {"by": by or "", "value": key}
    others: dict[str, list[str]] = {}
    for value, variant in variants.items():
        if value == key or not isinstance(variant, dict):
            continue
        for name in variant.get("properties", {}):
            if name not in served.get("properties", {}):
                others.setdefault(name, []).append(value)
    if others:
        served[OTHER_VARIANTS] = {"by": by or "", "value": key, "fields": others}
    return served


def for_customer(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """A served form as a customer may see it: without the notes on which variant it is and whom the other
    variants' questions are for (how the bank classed their case is not theirs to read)."""
    if schema is None:
        return None
    return {k: v for k, v in schema.items() if k not in ("x-variant", OTHER_VARIANTS)}


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
                message = _other_variant(schema, name) if not path else None
                errors.setdefault(
                    ".".join(p for p in (path, name) if p), message or "is not a field of this form"
                )
        else:
            errors.setdefault(path or "data", error.message)
    if errors:
        raise ValidationFailed("the submitted data does not match the task's form", errors)


def _other_variant(schema: dict[str, Any], name: str) -> str | None:
    """Why ``name`` is refused when it is a question of another variant of the form (a survey's other tier)."""
    other = schema.get(OTHER_VARIANTS) or {}
    asked_of = (other.get("fields") or {}).get(name)
    if not asked_of:
        return None
    by, value, variants = other.get("by"), other.get("value"), " or ".join(asked_of)
    if not by:  # the task does not vary the form: it asks the base fields alone
        return f"belongs to the form's {variants} variant, which this task does not ask"
    if value is None:
        return f"is asked only when the {by} is {variants}; this case has no {by} yet"
    return f"is asked only when the {by} is {variants}; this case's {by} is {value}"
