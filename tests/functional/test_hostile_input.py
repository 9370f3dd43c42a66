"""Hostile input that used to end in a 500: an out-of-range inbox cursor, a huge ``before=``, lone surrogates
and NUL in JSON bodies. Each gets a clear answer (400 or 422; a mangled page link starts from the newest, as
the notices page always did) and nothing is written."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import func, select

from engine.models import Case
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import PREFIX, start


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "value",
    [
        [0, None, 2**70],
        [2**70, None, 1],
        [0, "0001-01-01T00:00:00+14:00", 1],
        [0, None, -1],
        [0, 1.5, 1],
    ],
)
def test_an_inbox_cursor_out_of_range_is_a_400(api, value):
    response = api.get(f"{PREFIX}/tasks", "sue", query_string={"cursor": cursor(value)})
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"cursor": "not from this API"}


@pytest.mark.parametrize("before", ["99999999999999999999999", "9223372036854775808", "-5", "x"])
def test_a_huge_or_bad_notices_before_starts_from_the_newest(app, make_user, before):
    user = make_user("ann", "agent")
    browser = Browser(app).as_user(user.id)
    response = browser.get("/agent/notices", query_string={"before": before})
    assert response.status_code == 200  # as the notices page treats any link it did not make
    assert "Newest notifications" not in response.text


def test_the_largest_notices_before_still_answers(app, make_user):
    user = make_user("ann", "agent")
    browser = Browser(app).as_user(user.id)
    assert browser.get("/agent/notices", query_string={"before": str(2**63 - 1)}).status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        '"\\ud800"',  # a lone high surrogate
        '"\\udc00 tail"',  # a lone low surrogate
        '"ok \\ud83d"',  # a pair cut in half
    ],
)
def test_a_lone_surrogate_anywhere_in_a_json_body_is_a_422_and_nothing_is_filed(api, session, raw):
    body = (
        '{"complaint": {"channel": "phone", "business_type": "bank_card", "category": "fee_dispute",'
        f' "description": {raw}, "amount": 1}},'
        ' "customer": {"id": "C-1", "name": "Zhang San", "phone": "13812345678"}}'
    )
    response = api.post(
        f"{PREFIX}/complaints", "app", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "complaint.description" in response.get_json()["errors"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_lone_surrogate_in_a_key_is_refused_too(api):
    body = '{"complaint": {"\\ud800": 1}, "customer": {}}'
    response = api.post(
        f"{PREFIX}/complaints", "app", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_a_proper_surrogate_pair_is_kept(api):
    filed = api.file(description="I was charged twice \ud83d\ude00 for one card")
    assert filed["reference"]
