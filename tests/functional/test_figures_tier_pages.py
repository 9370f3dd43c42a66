"""Each tier's follow-up question on the dashboard: the counts and the rate of yes per question, each count
opening the cases behind it, in English and Chinese (the set of tests/unit/test_figures_tier_questions.py)."""

from __future__ import annotations

import re

import pytest

from tests.functional.pages_support import Browser
from tests.functional.test_pages_reports import link
from tests.unit.test_figures_tier_questions import build

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def set_up(app, session, make_user):
    ids = build(session, make_user)
    return ids, make_user("sue", role="supervisor", departments=("supervisor", "frontline"))


def row_of(html: str, label: str) -> str:
    [row] = [r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if label in r]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


def test_the_dashboard_shows_each_tiers_rate_and_each_count_opens_its_cases(app, set_up):
    _ids, sue = set_up
    browser = Browser(app).as_user(sue.id)
    html = browser.get("/reports/", query_string=NOVEMBER).text
    assert "Each tier&#39;s follow-up question" in html
    assert row_of(html, "Urgent: is the problem really solved?").endswith("5 4 1 80.0%")
    assert row_of(html, "General: any other needs?").endswith("3 1 2 33.3%")
    assert row_of(html, "Advisory: did the advice work?").endswith("2 2 0 100.0%")

    solved = browser.get(link(html, "tier_questions", "yes", "really_solved")).text
    listed = set(re.findall(r">(u\d)<", solved))
    assert listed == {"u1", "u2", "u3", "u4"}
    assert "Urgent: is the problem really solved?" in solved


def test_the_tier_questions_read_in_chinese(app, set_up):
    _ids, sue = set_up
    html = Browser(app, language="zh-CN").as_user(sue.id).get("/reports/", query_string=NOVEMBER).text
    assert "各级别回访问题" in html
    assert row_of(html, "紧急类：问题是否真正解决？").endswith("80.0%")
