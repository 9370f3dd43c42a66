"""Each tier's follow-up question added up, on a small constructed set whose answers are known by hand: 4 of 5
urgent customers say the problem is really solved (80%), 1 of 3 general customers has other needs (33.3%),
2 of 2 advisory customers say the advice worked (100%). The rows are written as the engine writes them
(``answers.record``); the figures' pages over the same set are in tests/functional/test_figures_tier_pages.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.cases import answers
from engine.models import Case
from engine.reports import figures_kpis as k
from engine.reports import monthly
from engine.reports.figures import Filters, cases_behind, compute
from tests.unit.test_figures import R0, add_item, complaint_version

D = timedelta(days=1)
NOVEMBER = Filters.for_month(2026, 11)
# name: (tier, answers in the order given: each the tier question's answer, None when skipped)
SURVEYS = {
    "u1": ("urgent", [False, True]),  # a rework's second visit: the latest answer counts
    "u2": ("urgent", [True]),
    "u3": ("urgent", [True]),
    "u4": ("urgent", [True]),
    "u5": ("urgent", [False]),
    "u6": ("urgent", [None]),  # skipped the question: not counted
    "g1": ("general", [True]),
    "g2": ("general", [False]),
    "g3": ("general", [False]),
    "a1": ("advisory", [True]),
    "a2": ("advisory", [True]),
}
OCTOBER_CASE = ("urgent", [False])  # received the month before: never in November's figures


@pytest.fixture
def world(session, make_user):
    return build(session, make_user)


def build(session, make_user) -> dict[str, int]:
    """The cases of ``SURVEYS`` with their follow-up answers; case ids by name."""
    ann = make_user("ann")
    version = complaint_version(session, R0 - 60 * D)
    ids = {}
    for n, (name, (tier, given)) in enumerate([*SURVEYS.items(), ("oct", OCTOBER_CASE)]):
        received = R0 + n * timedelta(hours=1) if name != "oct" else R0 - 20 * D
        row = Case(
            reference=name,
            process_key="complaint",
            process_version_id=version.id,
            status="completed",
            tier=tier,
            channel="app",
            category="card_theft",
            received_at=received,
            owner_id=ann.id,
            state="{}",
            serializer_version="1",
            engine_version="1",
            created_at=received,
            updated_at=received,
            closed_at=received + 5 * D,
        )
        session.add(row)
        session.flush()
        ids[name] = row.id
        question = k.TIER_QUESTIONS[tier]
        for visit, value in enumerate(given):
            when = received + (2 + visit) * D
            item = add_item(session, row, "follow_up_visit", "frontline", None, when, ann)
            item.form = "survey.schema.json"
            data = {"resolved": bool(value), "satisfaction": 4}
            if value is not None:
                data[question] = value
            answers.record(session, item, data, ann.id, when)
            session.flush()
    session.commit()
    return ids


def names(world, ids):
    by_id = {v: n for n, v in world.items()}
    return {by_id[i] for i in ids}


def test_four_of_five_urgent_say_really_solved_one_of_three_general_has_other_needs_all_advice_worked(
    session, world
):
    figure = compute(session, k.TIER_QUESTION_ANSWERS, NOVEMBER)
    counts = {row.group: row.counts for row in figure.rows}
    assert counts == {
        "really_solved": {"answered_question": 5, "yes": 4, "no": 1},
        "other_needs": {"answered_question": 3, "yes": 1, "no": 2},
        "advice_worked": {"answered_question": 2, "yes": 2, "no": 0},
    }
    assert k.tier_question_rate(figure, "urgent") == pytest.approx(0.8)
    assert k.tier_question_rate(figure, "general") == pytest.approx(1 / 3)
    assert k.tier_question_rate(figure, "advisory") == pytest.approx(1.0)


def test_each_number_lists_exactly_its_cases(session, world):
    kpi = k.TIER_QUESTION_ANSWERS
    assert names(world, cases_behind(session, kpi, NOVEMBER, "yes", "really_solved")) == {
        "u1",
        "u2",
        "u3",
        "u4",
    }
    assert names(world, cases_behind(session, kpi, NOVEMBER, "no", "really_solved")) == {"u5"}
    assert names(world, cases_behind(session, kpi, NOVEMBER, "yes", "other_needs")) == {"g1"}
    assert names(world, cases_behind(session, kpi, NOVEMBER, "answered_question", "advice_worked")) == {
        "a1",
        "a2",
    }


def test_the_tier_filter_narrows_the_figure_and_the_month_before_is_apart(session, world):
    general = compute(session, k.TIER_QUESTION_ANSWERS, NOVEMBER.with_tier("general"))
    assert [row.group for row in general.rows] == ["other_needs"]
    october = compute(session, k.TIER_QUESTION_ANSWERS, Filters.for_month(2026, 10))
    assert [(row.group, row.counts["no"]) for row in october.rows] == [("really_solved", 1)]


def test_the_monthly_review_has_each_tiers_rate_against_the_month_before(session, world):
    values = monthly.measures(session, NOVEMBER)
    assert (values["really_solved_rate"], values["other_needs_rate"], values["advice_worked_rate"]) == (
        80.0,
        33.3,
        100.0,
    )
    before = monthly.measures(session, NOVEMBER.previous())
    assert (before["really_solved_rate"], before["other_needs_rate"]) == (0.0, None)
    labels = [label for key, label, unit in monthly.MEASURES if key.endswith("_rate") and unit == "percent"]
    assert "Urgent: really solved 紧急类：问题真正解决" in labels
