"""The auditor's case page says which knowledge-base version and article answered the case, in English and
Chinese; a case the knowledge base did not answer says nothing of it."""

from __future__ import annotations

import re

import pytest

from engine.knowledge import base as knowledge
from tests.functional.test_api_support import start
from tests.functional.test_pages_auditor import auditor
from tests.paths import PROCESSES

WEEKEND = "What are your opening hours on weekends? Are you open on weekends?"


@pytest.fixture
def api(app, session, clock):
    started = start(app, session, clock)
    knowledge.deploy_file(session, PROCESSES / knowledge.FILE_NAME, actor="ops", clock=clock)
    return started


def fact(html: str, term: str) -> str:
    found = re.search(rf"<dt>{re.escape(term)}</dt><dd>(.*?)</dd>", html, re.S)
    assert found, term
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_the_auditor_sees_the_version_and_article_that_answered(app, api):
    case = api.file(description=WEEKEND, category="business_inquiry", channel="app", customer="C-KB")
    english = auditor(app, api).get(f"/auditor/cases/{case['id']}").text
    assert fact(english, "Answered by the knowledge base") == "article opening-hours-en · version 1"
    chinese = auditor(app, api, "zh-CN").get(f"/auditor/cases/{case['id']}").text
    assert fact(chinese, "知识库答复") == "条目 opening-hours-en · 第 1 版"


def test_a_case_the_knowledge_base_did_not_answer_says_nothing_of_it(app, api):
    case = api.file(customer="C-FEE")
    page = auditor(app, api).get(f"/auditor/cases/{case['id']}").text
    assert "Answered by the knowledge base" not in page
