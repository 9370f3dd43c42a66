"""The follow-up survey's tier question where people answer it: the customer's tracking page (English and
Chinese), the API's task form and completion, and the owner's task page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import TaskAnswer
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import PREFIX, start
from tests.functional.test_pages_customer_tracking import in_follow_up, notes


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


@pytest.fixture
def browser(app, api):
    return Browser(app)


QUESTIONS_EN = (
    "Is the problem really solved?",
    "Do you have any other needs",
    "Did our advice work for you?",
)


def test_an_advisory_customer_is_asked_whether_the_advice_worked_in_english_and_chinese(
    app, api, browser, session, clock
):
    case = in_follow_up(api, clock)
    url = f"/track/{case['tracking_code']}"
    english = browser.get(url).text
    assert [q in english for q in QUESTIONS_EN] == [False, False, True]
    chinese = Browser(app, language="zh-CN").get(url).text
    assert "我们的建议对您是否有效？" in chinese and "问题是否已真正解决" not in chinese

    sent = browser.post(
        f"{url}/survey", {"resolved": "true", "advice_worked": "false", "really_solved": "true"}
    )
    assert sent.status_code == 303
    [note] = notes(session, case["id"], "customer_survey")
    assert note.text == "resolved: yes; advice worked: no"  # a field the page did not ask is not read


def test_the_customer_may_leave_the_tier_question_unanswered(api, browser, session, clock):
    case = in_follow_up(api, clock)
    sent = browser.post(f"/track/{case['tracking_code']}/survey", {"resolved": "true", "advice_worked": ""})
    assert sent.status_code == 303
    [note] = notes(session, case["id"], "customer_survey")
    assert note.text == "resolved: yes"


def test_the_api_serves_the_tier_form_refuses_another_tiers_question_and_stores_the_answer(
    api, session, clock
):
    case = in_follow_up(api, clock)
    visit = api.task_named("ann", case["id"], "follow")
    form = api.get(f"{PREFIX}/tasks/{visit['id']}", "ann").get_json()["form"]
    assert form["properties"]["advice_worked"]["title"] == "Advice worked 建议是否有效"
    assert {"really_solved", "other_needs"}.isdisjoint(form["properties"])

    refused = api.post(
        f"{PREFIX}/tasks/{visit['id']}/complete",
        "ann",
        json={"data": {"resolved": True, "other_needs": True}},
    )
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["errors"] == {
        "other_needs": "is asked only when the tier is general; this case's tier is advisory"
    }

    done = api.post(
        f"{PREFIX}/tasks/{visit['id']}/complete",
        "ann",
        json={"data": {"resolved": True, "advice_worked": True}},
    )
    assert done.status_code == 200, done.get_json()
    fresh(session)
    row = session.scalars(select(TaskAnswer).where(TaskAnswer.case_id == case["id"])).one()
    assert (row.advice_worked, row.really_solved, row.other_needs) == (True, None, None)


def test_the_owners_task_page_shows_the_tier_question_in_the_pages_language(app, api, clock):
    case = in_follow_up(api, clock)
    visit = api.task_named("ann", case["id"], "follow")
    english = Browser(app).as_user(api.users["ann"].id).get(f"/agent/tasks/{visit['id']}")
    assert english.status_code == 200
    assert "Advice worked" in english.text and "Really solved" not in english.text
    chinese = Browser(app, language="zh-CN").as_user(api.users["ann"].id).get(f"/agent/tasks/{visit['id']}")
    assert "建议是否有效" in chinese.text and "我们给出的建议对客户是否有效？" in chinese.text
