"""Read an uploaded bundle: file names, types and sizes, XML parsed safely, form schemas checked."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from jsonschema import validators
from jsonschema.exceptions import SchemaError
from lxml import etree

from engine.deploy.checks import BPMN_NS, local
from engine.deploy.patterns import pattern_problem, schema_patterns
from engine.deploy.xmlsafe import MAX_BYTES, parse_xml
from engine.errors import DeploymentRejected, Problem
from engine.forms import VARIANT_PARTS, VARIANTS, variant_schema, variant_values

MAX_BUNDLE_BYTES = 20_000_000
MAX_FILES = 200
UPLOAD = "(upload)"  # the file named by problems that concern the bundle as a whole


Files = tuple[dict[str, bytes], dict[str, etree._Element], dict[str, etree._Element], dict[str, dict]]


def read_files(files: list[tuple[str, bytes]], problems: list[Problem]) -> Files:
    """Sort the upload into (sources, BPMN roots, DMN roots, form schemas), appending what is wrong."""
    sources: dict[str, bytes] = {}
    bpmn: dict[str, etree._Element] = {}
    dmn: dict[str, etree._Element] = {}
    forms: dict[str, dict] = {}
    if not files:
        problems.append(
            Problem(
                UPLOAD,
                "is empty: add the .bpmn file(s), their .dmn decisions and .json forms.",
                code="upload.empty",
            )
        )
    elif len(files) > MAX_FILES:
        message = f"has {len(files)} files; the limit is {MAX_FILES}."
        problems.append(
            Problem(UPLOAD, message, code="upload.too_many", params={"count": len(files), "limit": MAX_FILES})
        )
    elif (total := sum(len(data) for _, data in files)) > MAX_BUNDLE_BYTES:
        message = f"is {total:,} bytes; the limit is {MAX_BUNDLE_BYTES:,} bytes."
        params = {"size": total, "limit": MAX_BUNDLE_BYTES}
        problems.append(Problem(UPLOAD, message, code="upload.too_large", params=params))
    if problems:
        return sources, bpmn, dmn, forms
    for name, data in files:
        refusal = _name_problem(name, sources)
        if refusal:
            where = name if isinstance(name, str) and name.strip() else UPLOAD
            problems.append(Problem(where, refusal[1], code=refusal[0]))
            continue
        sources[name] = data
        suffix = PurePosixPath(name).suffix.lower()
        try:
            if suffix in (".bpmn", ".dmn"):
                root = parse_xml(data, filename=name)
                (bpmn if suffix == ".bpmn" else dmn)[name] = root
                if suffix == ".bpmn" and etree.QName(root) != etree.QName(BPMN_NS, "definitions"):
                    problems.append(
                        Problem(
                            name,
                            f"is not a BPMN 2.0 file: its root element is {local(root)!r}.",
                            code="file.not_bpmn",
                            params={"root": repr(local(root))},
                        )
                    )
                    del bpmn[name]
            elif suffix == ".json":
                forms[name] = _load_form(name, data)
            else:
                problems.append(
                    Problem(
                        name,
                        "is not a .bpmn diagram, .dmn decision table or .json form schema.",
                        code="file.unknown_type",
                    )
                )
        except DeploymentRejected as rejected:
            problems.extend(rejected.problems)
    return sources, bpmn, dmn, forms


def _name_problem(name: Any, seen: dict[str, bytes]) -> tuple[str, str] | None:
    """(code, message) of what is wrong with an uploaded file's name, if anything."""
    if not isinstance(name, str) or not name.strip():
        return "file.no_name", "has a file without a name."
    if name in seen:
        return "file.twice", "appears twice in the upload."
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or ".." in parts or any(ord(c) < 32 for c in name):
        return "file.bad_name", "is not a plain relative file name."
    return None


def _load_form(name: str, data: bytes) -> dict:
    """Return the form's JSON Schema, or raise ``DeploymentRejected`` saying what is wrong with it."""

    def refuse(message: str, code: str, **params):
        raise DeploymentRejected([Problem(name, message, code=code, params=params)])

    if len(data) > MAX_BYTES:
        refuse(
            f"is {len(data):,} bytes; a form schema may have at most {MAX_BYTES:,}.",
            "json.too_large",
            size=len(data),
            limit=MAX_BYTES,
        )
    try:
        schema = json.loads(data)
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        refuse(f"is not valid JSON: {str(error)[:200]}", "json.invalid", detail=str(error)[:200])
    if not isinstance(schema, dict):
        refuse("must be a JSON object: the JSON Schema of a form.", "json.not_object")
    declared = schema.get("$schema")
    if declared is not None and not isinstance(declared, str):
        refuse('has a "$schema" that is not text.', "json.schema_not_text")
    cls = validators.validator_for(schema, default=None)  # a default means no warning for unknown drafts
    if cls is None and declared is not None:
        refuse(
            f'declares "$schema": "{declared[:100]}", which is not a JSON Schema draft this server knows.',
            "json.unknown_draft",
            declared=declared[:100],
        )
    cls = cls or validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except SchemaError as error:
        where = "/".join(str(p) for p in error.path)
        detail = error.message[:200] + (f" (at {where})" if where else "")
        refuse(f"is not a valid JSON Schema: {detail}", "json.invalid_schema", detail=detail)
    except RecursionError:
        refuse("is nested too deeply to be a form schema.", "json.too_deep")
    for ref in _refs(schema):
        if not ref.startswith("#"):
            refuse(
                f'refers to another schema ("$ref": "{ref[:100]}"); a form schema must be self-contained.',
                "json.external_ref",
                ref=ref[:100],
            )
    if VARIANTS in schema:
        for detail in variant_problems(schema, cls):
            refuse(f"has a variant that cannot be used: {detail}", "json.variant_invalid", detail=detail)
    # Patterns run against what customers type: one that backtracks without end would hold a worker.
    unsafe = [
        Problem(
            name,
            f'has the pattern "{pattern[:100]}" (at {where}), which {reason}.',
            code="json.unsafe_pattern",
            params={"pattern": pattern[:100], "where": where, "reason": reason},
        )
        for where, pattern in schema_patterns(schema)
        if (reason := pattern_problem(pattern))
    ]
    if unsafe:
        raise DeploymentRejected(unsafe)
    return schema


def variant_problems(schema: dict, cls) -> list[str]:
    """What is wrong with a form's ``x-variants`` (engine/forms.py): each variant is named by a value a case
    attribute takes (a tier), holds only properties, required, title and description, adds fields the base
    form does not have, requires only its own fields, and makes a valid JSON Schema with the base."""
    variants = schema[VARIANTS]
    if not isinstance(variants, dict) or not variants:
        return [
            f'"{VARIANTS}" must be an object of variants keyed by tier ({", ".join(sorted(variant_values()))})'
        ]
    base = schema.get("properties")
    base = base if isinstance(base, dict) else {}
    for key, variant in variants.items():
        where = f"{VARIANTS}.{key}"
        if key not in variant_values():
            return [f'{where}: "{key[:40]}" is not a tier ({", ".join(sorted(variant_values()))})']
        if not isinstance(variant, dict) or not isinstance(variant.get("properties"), dict):
            return [f'{where} must be an object with the "properties" it adds']
        if extra := sorted(set(variant) - VARIANT_PARTS):
            return [f"{where} may hold only {', '.join(sorted(VARIANT_PARTS))}, not {', '.join(extra)[:100]}"]
        if twice := sorted(set(variant["properties"]) & set(base)):
            return [f"{where} repeats the form's own field {', '.join(twice)[:100]}; a variant adds fields"]
        required = variant.get("required", [])
        if not isinstance(required, list) or not set(required) <= set(variant["properties"]):
            return [f'{where}.required must list fields of the variant\'s own "properties"']
        try:
            cls.check_schema(variant_schema(schema, key))
        except SchemaError as error:
            return [f"{where}: {error.message[:200]}"]
    return []


def _refs(schema: Any) -> list[str]:
    found, stack = [], [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                found.append(node["$ref"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found
