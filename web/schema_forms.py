"""HTML forms from the JSON Schemas the diagrams reference: the fields to render, the posted values read back
into typed data, and the schema's complaints as messages by field in the page's language.

A process owner changes a task's form by changing its schema; no template names a field. What a schema may use
here: objects (one level of nesting, rendered as a group), strings (``maxLength`` over 200 → a text area;
``format: date-time`` → a date and time in the bank's time zone), numbers, integers, booleans (an explicit
yes/no, never a checkbox that silently means "no"), ``enum`` (a list to choose from) and arrays of an ``enum``
(check boxes). Titles written "English 中文" show the part in the page's language; a property may carry
``x-description-zh`` for a Chinese hint.

Field names in the HTML are the dotted paths of the data (``customer.phone``); errors use the same keys.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext, lazy_gettext
from jsonschema import validators
from werkzeug.datastructures import MultiDict

_CJK = re.compile(r"[\u3400-\u9fff]")
TEXTAREA_AFTER = 200  # strings allowed to be longer than this get a text area
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends

# Labels for the values the shipped forms offer; anything else shows the value with its underscores as spaces.
CHOICES = {
    "phone": lazy_gettext("Phone"),
    "app": lazy_gettext("Mobile app"),
    "web": lazy_gettext("Website"),
    "branch": lazy_gettext("Branch"),
    "online_banking": lazy_gettext("Online banking"),
    "social": lazy_gettext("Social media"),
    "bank_card": lazy_gettext("Bank card"),
    "deposit": lazy_gettext("Deposit"),
    "loan": lazy_gettext("Loan"),
    "payment_settlement": lazy_gettext("Payment and settlement"),
    "wealth_management": lazy_gettext("Wealth management"),
    "personal_information": lazy_gettext("Personal information"),
    "other": lazy_gettext("Other"),
    "card_theft": lazy_gettext("Card stolen or fraudulent transactions"),
    "fund_frozen": lazy_gettext("Funds frozen"),
    "abnormal_transaction": lazy_gettext("Unusual transaction"),
    "fee_dispute": lazy_gettext("Fee dispute"),
    "product_dispute": lazy_gettext("Product dispute"),
    "service_attitude": lazy_gettext("Service attitude"),
    "business_inquiry": lazy_gettext("Question about a service"),
    "suggestion": lazy_gettext("Suggestion"),
    "zh": lazy_gettext("Chinese"),
    "en": lazy_gettext("English"),
    "standard": lazy_gettext("Standard"),
    "elderly": lazy_gettext("Elderly"),
    "high_net_worth": lazy_gettext("High net worth"),
    "sms": lazy_gettext("SMS"),
    "app_push": lazy_gettext("App notification"),
}


@dataclass
class Field:
    name: str  # the dotted data path, also the HTML name and id
    label: str
    hint: str
    kind: str  # text | textarea | number | integer | boolean | select | multi | datetime
    required: bool
    value: Any = ""  # as the input shows it: a string, or a list of strings for "multi"
    error: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)  # maxlength, min, max, step
    group: str | None = None  # the title of the enclosing object, for nested fields


def choice_label(value: Any) -> str:
    return str(CHOICES.get(value, str(value).replace("_", " ")))


def localized(text: str | None, language: str) -> str:
    """The page-language part of a bilingual "English 中文" title."""
    if not text:
        return ""
    match = _CJK.search(text)
    if match is None or match.start() == 0:
        return text
    return text[match.start() :].strip() if language.startswith("zh") else text[: match.start()].strip()


def _types(prop: dict) -> set[str]:
    kind = prop.get("type", [])
    return set([kind] if isinstance(kind, str) else kind)


def _leaves(schema: dict, prefix: str = "", group: str | None = None):
    """(path, property schema, required?, group title) of every field, objects flattened one level."""
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        if "object" in _types(prop) and "properties" in prop:
            yield from _leaves(prop, path + ".", prop.get("title", name))
        else:
            yield path, prop, name in required, group


def _kind(prop: dict) -> str:
    types = _types(prop) - {"null"}
    if "enum" in prop:
        return "select"
    if "array" in types and "enum" in prop.get("items", {}):
        return "multi"
    if "boolean" in types:
        return "boolean"
    if "integer" in types:
        return "integer"
    if "number" in types:
        return "number"
    if prop.get("format") == "date-time":
        return "datetime"
    return "textarea" if prop.get("maxLength", TEXTAREA_AFTER + 1) > TEXTAREA_AFTER else "text"


def fields(
    schema: dict,
    values: dict | None = None,
    errors: dict[str, str] | None = None,
    *,
    language: str,
    timezone: str,
    omit: set[str] = frozenset(),
) -> list[Field]:
    """The fields to render for ``schema``, filled with ``values`` (typed data, or the posted strings)."""
    values, errors = values or {}, errors or {}
    out = []
    for path, prop, required, group in _leaves(schema):
        if path in omit:
            continue
        kind = _kind(prop)
        item = Field(
            name=path,
            label=localized(prop.get("title"), language) or path.rsplit(".", 1)[-1].replace("_", " "),
            hint=prop.get("x-description-zh", "") if language.startswith("zh") else "",
            kind=kind,
            required=required,
            error=errors.get(path),
            group=localized(group, language) if group else None,
        )
        item.hint = item.hint or prop.get("description", "")
        if kind in ("select", "multi"):
            enum = prop["enum"] if kind == "select" else prop["items"]["enum"]
            item.options = [(str(v), choice_label(v)) for v in enum if v is not None]
        for key, attr in (("maxLength", "maxlength"), ("minimum", "min"), ("maximum", "max")):
            if key in prop:
                item.attrs[attr] = prop[key]
        if kind == "number":
            item.attrs["step"] = "0.01"
        item.value = _shown(_lookup(values, path, prop.get("default")), kind, timezone)
        out.append(item)
    return out


def _lookup(values: dict, path: str, default: Any) -> Any:
    if isinstance(values, MultiDict):
        return values.getlist(path) if path in values else default
    node: Any = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _shown(value: Any, kind: str, timezone: str) -> Any:
    if kind == "multi":
        return [str(v) for v in (value or [])]
    if isinstance(value, list):  # posted strings
        value = value[0] if value else ""
    if value is None:
        return ""
    if kind == "boolean" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "datetime" and value and "T" in str(value) and len(str(value)) > 16:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            return moment.astimezone(ZoneInfo(timezone)).strftime(LOCAL_FORMAT)
        except ValueError:
            return str(value)
    return str(value)


# ------------------------------------------------------------------ reading a posted form


def read(schema: dict, form: MultiDict, *, timezone: str, omit: set[str] = frozenset()) -> tuple[dict, dict]:
    """The posted form as typed data for ``schema``, and messages for values that are not even of the right type.

    Empty optional fields are left out (or null when the schema allows null); the schema's own rules are checked
    afterwards by ``check``.
    """
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for path, prop, _required, _group in _leaves(schema):
        if path in omit:
            continue
        kind = _kind(prop)
        if kind == "multi":
            value: Any = form.getlist(path)
        else:
            raw = form.get(path, "").strip() if kind != "textarea" else form.get(path, "")
            if raw.strip() == "":
                if "null" in _types(prop):
                    _put(data, path, None)
                continue
            value, problem = _convert(raw, kind, prop, timezone)
            if problem:
                errors[path] = problem
                continue
        _put(data, path, value)
    return data, errors


def _convert(raw: str, kind: str, prop: dict, timezone: str) -> tuple[Any, str | None]:
    if kind == "boolean":
        if raw not in ("true", "false"):
            return None, gettext("Choose yes or no.")
        return raw == "true", None
    if kind in ("integer", "number"):
        try:
            number = float(raw.replace(",", ""))
        except ValueError:
            return None, gettext("Enter a number.")
        if kind == "integer":
            if not number.is_integer():
                return None, gettext("Enter a whole number.")
            return int(number), None
        if number != number or number in (float("inf"), float("-inf")):
            return None, gettext("Enter a number.")
        return (int(number) if number.is_integer() else number), None
    if kind == "datetime":
        try:
            local = datetime.strptime(raw, LOCAL_FORMAT).replace(tzinfo=ZoneInfo(timezone))
        except ValueError:
            return None, gettext("Enter a date and time.")
        return local.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z"), None
    if kind == "select":
        allowed = {str(v): v for v in prop["enum"]}
        if raw not in allowed:
            return None, gettext("Choose one of the options.")
        return allowed[raw], None
    return raw, None


def _put(data: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


# ------------------------------------------------------------------ the schema's own rules


@lru_cache(maxsize=256)
def _validator(schema_json: str):
    schema = json.loads(schema_json)
    cls = validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def check(schema: dict, data: dict, *, skip: set[str] = frozenset()) -> dict[str, str]:
    """Messages by field for every rule of ``schema`` that ``data`` breaks, in the page's language."""
    errors: dict[str, str] = {}
    validator = _validator(json.dumps(schema, sort_keys=True))
    for error in validator.iter_errors(data):
        path = ".".join(str(p) for p in error.absolute_path if not isinstance(p, int))
        if error.validator == "required":
            for missing in error.validator_value:
                if isinstance(error.instance, dict) and missing not in error.instance:
                    name = ".".join(p for p in (path, missing) if p)
                    if name not in skip:
                        errors.setdefault(name, gettext("This field is required."))
            continue
        errors.setdefault(path or "form", _message(error))
    return errors


def _message(error) -> str:
    rule, limit = error.validator, error.validator_value
    if rule == "maxLength":
        return gettext("Use at most %(n)s characters.", n=limit)
    if rule in ("minLength", "pattern") and isinstance(error.instance, str) and not error.instance.strip():
        return gettext("This field is required.")
    if rule == "minLength":
        return gettext("Use at least %(n)s characters.", n=limit)
    if rule in ("minimum", "exclusiveMinimum"):
        return (
            gettext("Enter %(n)s or more.", n=limit)
            if rule == "minimum"
            else gettext("Enter more than %(n)s.", n=limit)
        )
    if rule in ("maximum", "exclusiveMaximum"):
        return gettext("Enter %(n)s or less.", n=limit)
    if rule in ("enum", "const"):
        return gettext("Choose one of the options.")
    if rule == "minItems":
        return gettext("Choose at least %(n)s.", n=limit)
    if rule == "pattern":
        return gettext("This is not in the expected format.")
    if rule == "format":
        return gettext("Enter a date and time.")
    if rule == "type":
        return gettext("This value is not of the expected kind.")
    if rule == "additionalProperties":
        return gettext("This form has fields that are not expected.")
    return error.message
