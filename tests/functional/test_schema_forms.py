"""Forms from JSON Schemas: fields to render, posted strings read back as typed data, messages by field."""

from __future__ import annotations

import json

import pytest
from werkzeug.datastructures import MultiDict

from tests.functional.test_api_support import PROCESSES
from web import schema_forms

FORMS = PROCESSES / "forms"
TZ = "Asia/Shanghai"


def schema(name: str) -> dict:
    return json.loads((FORMS / f"{name}.schema.json").read_text())


@pytest.fixture
def english(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def chinese(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        yield


def test_fields_follow_the_schema_with_labels_in_the_page_language(app):
    intake = schema("intake")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        fields = {f.name: f for f in schema_forms.fields(intake, language="en", timezone=TZ)}
        assert fields["complaint.description"].kind == "textarea"
        assert fields["complaint.description"].label == "Description"
        assert fields["complaint.category"].kind == "select"
        assert ("fee_dispute", "Fee dispute") in fields["complaint.category"].options
        assert fields["customer.phone"].required and not fields["complaint.amount"].required
        assert fields["complaint.amount"].attrs == {"min": 0, "max": 100000000, "step": "0.01"}
        assert fields["customer.segment"].value == "standard"  # the schema's default
        assert fields["customer.phone"].group == "Customer"
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        fields = {f.name: f for f in schema_forms.fields(intake, language="zh_CN", timezone=TZ)}
        assert fields["complaint.description"].label == "投诉描述"
        assert ("fee_dispute", "收费争议") in fields["complaint.category"].options


def test_posted_strings_become_typed_data_and_local_times_become_utc(english):
    form = MultiDict(
        {
            "complaint.description": "charged twice",
            "complaint.category": "fee_dispute",
            "complaint.amount": "1,200.50",
            "complaint.occurred_at": "2026-03-01T20:30",
            "customer.name": "Zhang San",
        }
    )
    data, errors = schema_forms.read(schema("intake"), form, timezone=TZ)
    assert errors == {}
    assert data["complaint"]["amount"] == 1200.5
    assert data["complaint"]["occurred_at"] == "2026-03-01T12:30:00Z"  # 20:30 in Shanghai
    assert "channel" not in data["complaint"]  # empty optional → left out


def test_values_of_the_wrong_kind_are_named_by_field(english):
    form = MultiDict({"compensation_amount": "a lot", "apology": "sorry"})
    _data, errors = schema_forms.read(schema("settlement"), form, timezone=TZ)
    assert errors == {"compensation_amount": "Enter a number."}
    survey = MultiDict({"resolved": "maybe", "satisfaction": "4.5"})
    _data, errors = schema_forms.read(schema("survey"), survey, timezone=TZ)
    assert errors == {"resolved": "Choose yes or no.", "satisfaction": "Enter a whole number."}


def test_the_schema_rules_give_readable_messages_by_field(english):
    settlement = schema("settlement")
    errors = schema_forms.check(settlement, {"compensation_amount": 300, "apology": "  "})
    assert errors == {"apology": "This field is required.", "account": "This field is required."}
    errors = schema_forms.check(schema("survey"), {"resolved": True, "satisfaction": 9})
    assert errors == {"satisfaction": "Enter 5 or less."}
    long = schema_forms.check(schema("result"), {"cause": "x" * 2001, "solution": "s", "advice": "a"})
    assert long == {"cause": "Use at most 2000 characters."}


def test_messages_are_translated(chinese):
    errors = schema_forms.check(schema("survey"), {})
    assert errors == {"resolved": "此项为必填。"}
