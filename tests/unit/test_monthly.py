"""The monthly review over cases run by the real engine: figures against the previous month, themes from the
descriptions, breaches with the root cause the risk department recorded, open actions; written as HTML, PDF
and .xlsx."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.errors import ValidationFailed
from engine.reports import monthly, monthly_render
from engine.reports.monthly_themes import themes
from engine.timers.sla import sweep
from tests.paths import PROCESSES
from tests.unit.test_complaint_paths import file, work

DESCRIPTIONS = [
    "手机银行APP卡顿，转账一直失败",
    "APP卡顿严重，登录不上",
    "手机APP很卡顿，无法转账",
    "购买的理财产品收益与宣传不符",
    "理财收益不符，销售时承诺年化5%",
    "理财产品收益不符合预期",
]


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)


def test_themes_group_descriptions_by_their_words_and_are_named_by_the_top_ones():
    found = themes(list(enumerate([*DESCRIPTIONS, "信用卡年费被重复扣除", "年费重复扣了两次", "ATM吞卡"])))
    named = {frozenset(t.words[:2]): t.case_ids for t in found}
    assert named[frozenset({"app", "卡顿"})] == [0, 1, 2]
    assert {tuple(ids) for ids in named.values()} == {(0, 1, 2), (3, 4, 5), (6, 7)}
    assert found[-1].cases == 2  # largest first; the lone ATM complaint is no theme
    assert any("理财" in t.words and "收益" in t.words for t in found)


def test_themes_of_nothing_are_none():
    assert themes([]) == [] and themes([(1, "的了吗")]) == []


def test_the_month_against_the_previous_month_with_breaches_and_their_root_causes(
    engine, session, db, clock, make_user, tmp_path
):
    ann, rita = make_user("ann"), make_user("rita", departments=("risk",))
    file(engine, "上月的年费被重复扣除", "fee_dispute", amount=100, customer="C-0")  # March
    clock.advance(days=30)  # 1 April
    theft = file(engine, "我的卡被盗刷 5,000 元 card stolen", "card_theft", amount=5000, customer="C-1").case
    for n, text in enumerate(DESCRIPTIONS):
        file(engine, text, "service_attitude", customer=f"C-{n + 2}")
    session.commit()
    clock.advance(hours=3)  # the task force, safeguards and root-cause deadlines pass
    sweep(db.session, clock)
    work(engine, session, theft.id, "join_risk", rita, {"reachable_at": "ext. 7140"})
    work(
        engine,
        session,
        theft.id,
        "trace_funds",
        rita,
        {"root_cause": "Card skimmed at an ATM", "funds_traced": True},
    )
    work(engine, session, theft.id, "contact_customer", ann)

    review = monthly.build(session, 2026, 4, clock())
    assert (review.month, review.previous_month) == ("2026-04", "2026-03")
    received = next(m for m in review.measures if m.label.startswith("Complaints received"))
    assert (received.now, received.before, received.change) == (7, 1, 6)
    assert {"卡顿", "app"} <= set(review.themes[0].words) or {"卡顿", "app"} <= set(review.themes[1].words)
    steps = {b.step: b for b in review.breaches}
    assert len(steps) >= 3
    assert {b.reference for b in review.breaches} == {theft.reference}
    assert all(b.root_cause == "Card skimmed at an ATM" for b in review.breaches)
    open_tasks = {a.what for a in review.open_actions if a.kind == "task"}
    assert any("Join the task force (operations)" in what for what in open_tasks)  # operations never joined
    assert any(a.kind == "escalation" for a in review.open_actions)

    written = monthly_render.write(review, db_folder := tmp_path)
    assert sorted(p.suffix for p in written) == [".html", ".pdf", ".xlsx"]
    html = (db_folder / "monthly-review-2026-04.html").read_text(encoding="utf-8")
    assert "Card skimmed at an ATM" in html and theft.reference in html and "卡顿" in html
    assert (db_folder / "monthly-review-2026-04.pdf").read_bytes().startswith(b"%PDF")
    book = load_workbook(io.BytesIO((db_folder / "monthly-review-2026-04.xlsx").read_bytes()))
    figures = book["Figures"]
    assert [c.value for c in figures[1]] == ["Measure 指标", "2026-04", "2026-03", "Change 变化"]
    assert figures["B2"].value == "7" and figures["C2"].value == "1"
    breaches = book[book.sheetnames[5]]
    assert breaches.max_row == len(review.breaches) + 1


@pytest.mark.parametrize("text", ["2026-13", "2026/11", "11-2026", "", "1999-01"])
def test_a_month_that_is_not_yyyy_mm_is_refused(text):
    with pytest.raises(ValidationFailed):
        monthly.parse_month(text)


def test_an_empty_month_still_makes_a_review(session, clock):
    review = monthly.build(session, 2026, 1, datetime(2026, 2, 2, tzinfo=UTC) + timedelta(hours=1))
    assert review.themes == [] and review.breaches == [] and review.open_actions == []
    assert monthly_render.pdf(review).startswith(b"%PDF")
    assert "None this month" in monthly_render.html(review)


def test_the_review_is_written_once_on_the_first_working_day_of_the_month(session, tmp_path):
    settings = {"TIMEZONE": "Asia/Shanghai", "CALENDAR": "CN"}
    sunday = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)  # 1 November 2026 is a Sunday
    monday = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    assert monthly_render.write_if_due(session, sunday, settings, tmp_path) == []
    written = monthly_render.write_if_due(session, monday, settings, tmp_path)
    assert sorted(p.name for p in written) == [
        "monthly-review-2026-10.html",
        "monthly-review-2026-10.pdf",
        "monthly-review-2026-10.xlsx",
    ]
    assert monthly_render.write_if_due(session, monday + timedelta(hours=1), settings, tmp_path) == []
    assert monthly_render.write_if_due(session, monday + timedelta(days=1), settings, tmp_path) == []
    assert not list(tmp_path.glob("*.part"))
