"""The follow-up survey asks each tier its own question (urgent "really solved?", general "any other needs?",
advisory "did the advice work?"), through the real engine: the form each visit is served, what completing it
accepts and refuses, what is stored for the figures, and what the customer's own answer may hold."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import forms
from engine.cases import customer_updates
from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.errors import ValidationFailed
from engine.models import Case, TaskAnswer
from tests.conftest import fresh
from tests.paths import PROCESSES
from tests.unit.test_complaint_paths import apologised, file, open_items, work

TIER_QUESTIONS = {"urgent": "really_solved", "general": "other_needs", "advisory": "advice_worked"}
WEEKEND = "What are your opening hours on weekends? Are you open on weekends?"


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)


@pytest.fixture
def people(make_user):
    return {
        "ann": make_user("ann"),
        "rita": make_user("rita", departments=("risk",)),
        "otto": make_user("otto", departments=("operations",)),
    }


def at_follow_up(engine, session, people, tier):
    """A case of ``tier`` whose follow-up visit is open (claimed by ann, its owner)."""
    ann = people["ann"]
    if tier == "urgent":
        case = file(
            engine, "My card was stolen and 5,000 CNY taken 我的卡被盗刷", "card_theft", amount=5000
        ).case
        work(engine, session, case.id, "contact_customer", ann)
        work(engine, session, case.id, "join_operations", people["otto"])  # the task force forms
        work(engine, session, case.id, "join_risk", people["rita"])
        work(engine, session, case.id, "apply_safeguards", people["otto"])
        work(engine, session, case.id, "trace_funds", people["rita"])
        for step in ("tell_safeguards", "initial_plan", "send_result", "call_customer"):
            work(engine, session, case.id, step, ann)
    elif tier == "general":
        case = apologised(engine, session, ann)
        work(engine, session, case.id, "send_result", ann)
        work(engine, session, case.id, "call_customer", ann)
    else:
        case = file(engine, WEEKEND, "business_inquiry").case
        engine.deliver_message(case.id, "answer_accepted", {}, actor="customer")
    [visit] = [i for i in open_items(session, case.id) if i.spec_id == "follow_up_visit"]
    if visit.assignee_id is None:
        engine.claim(visit.id, ann)
    fresh(session)
    case = session.get(Case, case.id)
    assert case.tier == tier
    return case, visit


def survey_row(session, case_id):
    fresh(session)
    return session.scalars(
        select(TaskAnswer).where(TaskAnswer.case_id == case_id, TaskAnswer.form == "survey.schema.json")
    ).one()


@pytest.mark.parametrize("tier", ["urgent", "general", "advisory"])
def test_each_tier_is_asked_its_own_question_and_the_answer_is_stored_as_its_column(
    engine, session, people, tier
):
    case, visit = at_follow_up(engine, session, people, tier)
    question = TIER_QUESTIONS[tier]

    form = engine.task_form(case, visit)
    others = set(TIER_QUESTIONS.values()) - {question}
    assert question in form["properties"] and not others & set(form["properties"])
    assert question not in form.get("required", [])  # the customer may skip it
    assert forms.VARIANTS not in form  # the served form is the case's, not the catalogue

    engine.complete(visit.id, people["ann"], {"resolved": True, question: tier != "general"})

    row = survey_row(session, case.id)
    stored = {name: getattr(row, name) for name in TIER_QUESTIONS.values()}
    assert stored == {name: (tier != "general" if name == question else None) for name in stored}


@pytest.mark.parametrize("tier", ["urgent", "general", "advisory"])
def test_another_tiers_question_is_refused_with_a_sentence_saying_whose_it_is(engine, session, people, tier):
    case, visit = at_follow_up(engine, session, people, tier)
    other_tier, other = next((t, q) for t, q in TIER_QUESTIONS.items() if t != tier)

    with pytest.raises(ValidationFailed) as refused:
        engine.complete(visit.id, people["ann"], {"resolved": True, other: True})

    assert refused.value.errors == {
        other: f"is asked only when the tier is {other_tier}; this case's tier is {tier}"
    }
    session.rollback()
    fresh(session)
    kept = select(TaskAnswer).where(TaskAnswer.case_id == case.id, TaskAnswer.form == "survey.schema.json")
    assert session.scalars(kept).all() == []
    assert [i.id for i in open_items(session, case.id) if i.spec_id == "follow_up_visit"] == [visit.id]


def test_a_skipped_tier_question_leaves_its_column_empty(engine, session, people):
    case, visit = at_follow_up(engine, session, people, "urgent")
    engine.complete(visit.id, people["ann"], {"resolved": True, "satisfaction": 4})
    row = survey_row(session, case.id)
    assert (row.resolved, row.satisfaction, row.really_solved) == (True, 4, None)


def test_the_customers_own_answer_takes_the_tier_question_and_refuses_another(engine, session, people):
    case, visit = at_follow_up(engine, session, people, "advisory")
    assert "advice_worked" in customer_updates.survey_schema(engine, case)["properties"]

    with pytest.raises(ValidationFailed) as refused:
        customer_updates.answer_survey(engine, case.id, {"resolved": True, "really_solved": True})
    assert "only when the tier is urgent" in refused.value.errors["really_solved"]
    session.rollback()

    note = customer_updates.answer_survey(engine, case.id, {"resolved": True, "advice_worked": False})
    assert note.text == "resolved: yes; advice worked: no"
    assert customer_updates.survey_answer(session, case.id, visit.id) == {
        "resolved": True,
        "advice_worked": False,
    }


def test_the_served_form_follows_the_case_tier_read_now(engine, session, people):
    """A case re-triaged before its follow-up is asked its new tier's question."""
    case, visit = at_follow_up(engine, session, people, "general")
    case.tier = "urgent"  # as re-triage leaves the row (engine/cases/retriage.py); not committed
    form = engine.task_form(case, visit)
    assert "really_solved" in form["properties"] and "other_needs" not in form["properties"]
    session.rollback()


# ------------------------------------------------------------------ the variants themselves

SURVEY = {
    "type": "object",
    "properties": {"resolved": {"type": "boolean"}},
    "required": ["resolved"],
    "additionalProperties": False,
    "x-variants": {
        "urgent": {"properties": {"really_solved": {"type": "boolean"}}},
        "advisory": {"properties": {"advice_worked": {"type": "boolean"}}, "required": ["advice_worked"]},
    },
}


def test_a_variant_adds_its_fields_and_required_to_the_base_form():
    served = forms.variant_schema(SURVEY, "advisory", "tier")
    assert set(served["properties"]) == {"resolved", "advice_worked"}
    assert served["required"] == ["resolved", "advice_worked"]
    assert served["x-other-variants"]["fields"] == {"really_solved": ["urgent"]}
    forms.validate(served, {"resolved": True, "advice_worked": True})
    with pytest.raises(ValidationFailed) as refused:
        forms.validate(served, {"resolved": True})
    assert refused.value.errors == {"advice_worked": "is required"}


def test_a_case_without_a_variant_gets_the_base_form_and_every_tier_question_is_refused():
    served = forms.variant_schema(SURVEY, "general", "tier")
    assert set(served["properties"]) == {"resolved"}
    with pytest.raises(ValidationFailed) as refused:
        forms.validate(served, {"resolved": True, "really_solved": True, "colour": "red"})
    assert refused.value.errors == {
        "colour": "is not a field of this form",
        "really_solved": "is asked only when the tier is urgent; this case's tier is general",
    }
    assert forms.variant_schema({"type": "object"}, "urgent") == {"type": "object"}


def test_a_task_that_does_not_vary_the_form_refuses_every_variants_field_saying_so():
    with pytest.raises(ValidationFailed) as refused:
        forms.validate(forms.variant_schema(SURVEY, None), {"resolved": True, "advice_worked": True})
    assert refused.value.errors == {
        "advice_worked": "belongs to the form's advisory variant, which this task does not ask"
    }
    with pytest.raises(ValidationFailed) as untriaged:
        forms.validate(forms.variant_schema(SURVEY, None, "tier"), {"resolved": True, "really_solved": True})
    assert untriaged.value.errors == {
        "really_solved": "is asked only when the tier is urgent; this case has no tier yet"
    }
