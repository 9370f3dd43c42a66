"""The follow-up survey over the customer's API (a bank's app answering for its customer, with the tracking code
alone): the form of the case's tier, the answers recorded once for the owner, another tier's question refused
without saying how the bank classed the case."""

from __future__ import annotations

import pytest

from tests.functional.test_api_support import PREFIX, start
from tests.functional.test_pages_customer_tracking import advisory, in_follow_up, notes


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def test_no_survey_is_offered_before_the_follow_up(api):
    case = advisory(api)
    answer = api.get(f"{PREFIX}/track/{case['tracking_code']}/survey")
    assert answer.status_code == 409
    sent = api.post(f"{PREFIX}/track/{case['tracking_code']}/survey", json={"answers": {"resolved": True}})
    assert sent.status_code == 409


def test_the_customer_gets_their_tiers_question_and_answers_it_once(api, session, clock):
    case = in_follow_up(api, clock)
    url = f"{PREFIX}/track/{case['tracking_code']}/survey"
    survey = api.get(url).get_json()
    assert survey["answered"] is False
    form = survey["form"]
    assert form["properties"]["advice_worked"]["title"] == "Advice worked 建议是否有效"
    assert form["properties"]["advice_worked"]["x-description-zh"] == "我们给出的建议对客户是否有效？"
    assert {"really_solved", "other_needs"}.isdisjoint(form["properties"])
    assert not {"x-variant", "x-other-variants", "x-variants"} & set(form)

    sent = api.post(url, json={"answers": {"resolved": True, "advice_worked": False, "satisfaction": 3}})
    assert sent.status_code == 201 and sent.get_json() == {"answered": True}
    [note] = notes(session, case["id"], "customer_survey")
    assert note.text == "resolved: yes; advice worked: no; satisfaction: 3/5"
    assert api.get(url).get_json()["answered"] is True
    assert api.post(url, json={"answers": {"resolved": True}}).status_code == 409


def test_another_tiers_question_is_refused_as_not_a_question_of_this_survey(api, session, clock):
    case = in_follow_up(api, clock)
    refused = api.post(
        f"{PREFIX}/track/{case['tracking_code']}/survey",
        json={"answers": {"resolved": True, "really_solved": True, "satisfaction": 9}},
    )
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert errors["really_solved"] == "is not a question of this survey"
    assert "satisfaction" in errors and "tier" not in str(errors)
    assert notes(session, case["id"], "customer_survey") == []
