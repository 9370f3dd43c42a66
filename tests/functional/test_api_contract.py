"""The OpenAPI document tells the truth about the code.

Three checks, together: every route of the blueprint is in the document and nothing else is; the document is
valid OpenAPI 3.1; and schemathesis sends requests generated from the document (read endpoints, intake, the
public tracking look-up) to the app in-process, checking each answer's status, content type, headers and body
against it. Every response of the other API tests is checked against the document as well (``ContractClient``
in ``test_api_support.py``), which covers the error paths generated data rarely reaches.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.functional.test_api_support import PREFIX, start

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 10  # per operation; generation is derandomized, so every run sends the same requests


def test_every_route_is_documented_and_every_documented_route_exists(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    document = app.test_client().get(f"{PREFIX}/openapi.json").get_json()
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented


def test_the_document_is_valid_openapi_3_1_with_and_without_a_deployed_intake_form(app, session, clock):
    schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app).validate()
    start(app, session, clock)
    loaded = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app)
    loaded.validate()
    intake = loaded.raw_schema["paths"]["/complaints"]["post"]["requestBody"]["content"]["application/json"]
    assert intake["schema"]["properties"]["complaint"]["required"] == [
        "channel",
        "business_type",
        "category",
        "description",
    ]


@pytest.fixture
def fuzzed(app, session, clock):
    api = start(app, session, clock)
    # Something to read: a case with tasks in several lanes, one of them claimed.
    case = api.file(description="My card was stolen and money taken", category="card_theft", amount=800)
    task = api.tasks("otto", case_id=case["id"])[0]
    api.post(f"{PREFIX}/tasks/{task['id']}/claim", "otto")
    return schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app), api


def _run(operations, headers: dict, examples: int, mode=GenerationMode.POSITIVE) -> None:
    strategy = operations.as_strategy(generation_mode=mode, headers=headers)

    @settings(
        max_examples=examples * len(list(operations.get_all_operations())),
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def call(case):
        case.call_and_validate(checks=CHECKS)

    call()


def test_generated_reads_and_complaints_get_documented_answers(fuzzed):
    schema, api = fuzzed
    _run(schema.include(method="GET"), api.auth("sue"), EXAMPLES)
    _run(schema.include(method="POST", path="/complaints"), api.auth("app"), EXAMPLES)


def test_generated_nonsense_is_refused_with_documented_answers(fuzzed):
    schema, api = fuzzed
    negative = GenerationMode.NEGATIVE
    _run(schema.include(method="GET"), api.auth("otto"), EXAMPLES // 2, negative)
    _run(schema.include(method="POST", path="/complaints"), api.auth("app"), EXAMPLES // 2, negative)
