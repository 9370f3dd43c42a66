"""Reading what an API client sent: JSON bodies (type, size, syntax, fields), query parameters, headers.

Malformed input (not JSON, not UTF-8, wrong content type, a bad query parameter) is a 400; well-formed input
with the wrong fields or types is a 422 naming each field; a body over the cap is a 413.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from engine.errors import ValidationFailed
from web import ratelimit

JSON_BODY_MAX_BYTES = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = re.compile(r"^[0-9]{1,19}$")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces


class ApiError(Exception):
    """An HTTP error with a machine-readable code; rendered as ``{"code", "message", ...details}``."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict | None = None, **details):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


def rate_limit(bucket: str, client: str) -> None:
    """Refuse the request with 429 (and Retry-After) when ``client`` has used up ``bucket``."""
    wait_seconds = ratelimit.wait(bucket, client)
    if wait_seconds is not None:
        raise ApiError(
            429,
            "rate_limited",
            "too many requests; try again later",
            headers={"Retry-After": str(max(1, math.ceil(wait_seconds)))},
        )


def too_large(limit: int) -> ApiError:
    return ApiError(413, "payload_too_large", f"the request body is larger than {limit} bytes")


def raw_body(limit: int = JSON_BODY_MAX_BYTES) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (whether or not Content-Length says so)."""
    # One byte over the limit is allowed through to be seen: a chunked body is cut at the limit, not refused.
    request.max_content_length = limit + 1
    try:
        body = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise too_large(limit) from None
    if len(body) > limit:
        raise too_large(limit)
    return body


def json_object(
    *, allowed: set[str], required: set[str] = frozenset(), limit: int = JSON_BODY_MAX_BYTES
) -> dict:
    """The body as a JSON object with only ``allowed`` fields and all ``required`` ones."""
    if request.mimetype != "application/json":
        raise ApiError(
            400, "unsupported_content_type", "send the body as JSON (Content-Type: application/json)"
        )
    body = raw_body(limit)
    try:
        value = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constants,
            parse_float=_finite,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "the body is nested too deeply") from None
    if not isinstance(value, dict):
        raise ValidationFailed("the body must be a JSON object", {"body": "must be an object"})
    found = _bad_text_at(value)
    if found is not None:
        # No text we store may hold NUL (PostgreSQL refuses it, and no person types it) or half a surrogate
        # pair (``"\ud800"`` is valid JSON but no character: it cannot be encoded, stored or shown).
        where, problem = found
        raise ValidationFailed(
            f"text must not contain {problem}s", {where or "body": f"contains a {problem}"}
        )
    errors = {name: "is not a known field" for name in sorted(set(value) - allowed)}
    errors.update({name: "is required" for name in sorted(required - set(value))})
    if errors:
        unknown = [n for n, m in errors.items() if m == "is not a known field"]
        message = f"unknown fields: {', '.join(unknown)}" if unknown else "required fields are missing"
        raise ValidationFailed(message, errors)
    return value


def canonical(value: Any) -> bytes:
    """One encoding per JSON value (key order and spacing do not matter): what idempotency keys compare."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise ApiError(
            400, "invalid_idempotency_key", "Idempotency-Key must be 1-255 printable ASCII characters"
        )
    return key


class Query:
    """Query parameters, checked one by one; ``done()`` raises 400 naming every bad or unknown parameter."""

    def __init__(self, known: set[str]):
        self.args = request.args
        self.errors = {name: "is not a known parameter" for name in self.args if name not in known}

    def choice(self, name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.args.get(name, default)
        if value is not None and value not in choices:
            self.errors[name] = f"must be one of: {', '.join(choices)}"
            return default
        return value

    def integer(self, name: str, *, minimum: int = 1, maximum: int = 2**63 - 1, default: int | None = None):
        raw = self.args.get(name)
        if raw is None:
            return default
        if not _DIGITS.match(raw) or not minimum <= int(raw) <= maximum:
            self.errors[name] = f"must be a whole number from {minimum} to {maximum}"
            return default
        return int(raw)

    def boolean(self, name: str) -> bool:
        return self.choice(name, ("true", "false"), "false") == "true"

    def text(self, name: str, max_length: int = 255) -> str | None:
        value = self.args.get(name)
        if value is not None and (not 1 <= len(value) <= max_length or _CONTROL.search(value)):
            self.errors[name] = f"must be 1 to {max_length} characters, none of them control characters"
            return None
        return value

    def done(self) -> None:
        if self.errors:
            raise ApiError(
                400, "invalid_parameter", "some query parameters are not valid", errors=self.errors
            )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("a key appears twice in one object")
    return result


def _no_constants(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is too large a number")
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "NUL character"
    if _SURROGATE.search(text):
        return "lone surrogate"
    return None


def _bad_text_at(value: Any, path: str = "") -> tuple[str, str] | None:
    """The path of the first key or text holding a NUL or a lone surrogate, and which; or None."""
    if isinstance(value, str):
        problem = _text_problem(value)
        return (path, problem) if problem else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        here = f"{path}.{key}" if path else str(key)
        problem = _text_problem(key) if isinstance(key, str) else None
        if problem:
            return _SURROGATE.sub("\ufffd", here), problem
        found = _bad_text_at(item, here)
        if found is not None:
            return found
    return None
