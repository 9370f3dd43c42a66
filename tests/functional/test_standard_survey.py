"""The follow-up visit asks the tier's question first: urgent "really solved?", general "other needs?",
advisory "did the advice work?"."""

from __future__ import annotations

import pytest

from tests.functional.pages_support import Browser
from tests.functional.test_api_support import PREFIX, start

WEEKEND = "What are your opening hours on weekends? Are you open on weekends?"


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def follow_up_page(app, api, case_id, language="en"):
    visit = api.claimed("ann", case_id, "follow")
    return Browser(app, language).as_user(api.users["ann"].id).get(f"/agent/tasks/{visit['id']}").text


def test_an_advisory_follow_up_asks_whether_the_advice_worked(app, api):
    case = api.file(description=WEEKEND, category="business_inquiry", channel="app", customer="C-ADV")
    api.post(f"{PREFIX}/track/{case['tracking_code']}/reply", json={"answer": "accepted"})
    page = follow_up_page(app, api, case["id"])
    assert "did the advice work for the customer?" in page and "other needs" not in page
    assert "我们的建议对客户是否有效" in follow_up_page(app, api, case["id"], "zh-CN")


def test_a_general_follow_up_asks_about_other_needs(app, api):
    case = api.file()
    for name, data in (
        ("direction", {"direction": "We check the fee"}),
        ("propose", {"compensation_amount": 0, "apology": "Sorry"}),
        ("send the result", {"cause": "c", "solution": "s", "advice": "a"}),
        ("call the customer", {"reached": True}),
    ):
        task = api.claimed("ann", case["id"], name)
        assert (
            api.post(f"{PREFIX}/tasks/{task['id']}/complete", "ann", json={"data": data}).status_code == 200
        )
    page = follow_up_page(app, api, case["id"])
    assert "does\nthe customer have any other needs" in page or "any other needs we can help with" in page
    assert "did the advice work" not in page
