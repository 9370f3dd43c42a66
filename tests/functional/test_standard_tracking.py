"""The tracking page and API show the step the bank promised next with its time, beside the decision date."""

from __future__ import annotations

import pytest

from tests.functional.pages_support import Browser
from tests.functional.test_api_support import PREFIX, start


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def test_an_urgent_case_shows_the_15_minute_contact_and_the_decision_date(app, api):
    case = api.file(description="My card was stolen 盗刷", category="card_theft", amount=800)
    page = Browser(app).get(f"/track/{case['tracking_code']}")
    assert "We call you about your complaint" in page.text and "by 2026-03-02 09:15" in page.text
    assert "Our decision on your complaint: by 2026-03-17 09:00" in page.text
    shown = api.get(f"{PREFIX}/track/{case['tracking_code']}").get_json()
    assert shown["next_step"] == {"name": "first_contact", "due_at": "2026-03-02T01:15:00+00:00"}
    assert shown["decision_due_at"] == "2026-03-17T01:00:00+00:00"


def test_a_general_case_shows_the_4_hour_direction_in_chinese(app, api):
    case = api.file()
    page = Browser(app, language="zh-CN").get(f"/track/{case['tracking_code']}")
    assert "告知您我们的处理方向" in page.text and "2026-03-02 13:00" in page.text
    assert "我们对您投诉的处理决定：2026-03-17 09:00 前" in page.text
