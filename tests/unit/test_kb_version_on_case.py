"""A case the knowledge base answered records which deployed version and which article answered it, through
the real engine: a later deployment does not change what an earlier case says, a question without an answer
records nothing, and the case's exported record (JSON and PDF) carries both."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.knowledge import base as knowledge
from engine.models import AuditEvent, Case
from engine.reports.export import case_record
from engine.reports.export_pdf import record_pdf
from tests.conftest import fresh
from tests.paths import PROCESSES
from tests.unit.test_complaint_paths import file
from tests.unit.test_reports_export import pdf_text

WEEKEND = "What are your opening hours on weekends? Are you open on weekends?"
GOLD = {
    "id": "gold-bars-en",
    "language": "en",
    "keywords": ["gold bar", "buy gold"],
    "question": "Can I buy gold bars at a branch?",
    "answer": "Gold bars can be bought at larger branches; bring your ID.",
}


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)


def stored(session, case_id) -> Case:
    fresh(session)
    return session.get(Case, case_id)


def ask(engine, question: str, customer: str) -> Case:
    return file(engine, question, "business_inquiry", customer=customer).case


def test_the_answering_version_and_article_stay_on_the_case_when_a_new_version_is_deployed(
    engine, session, clock
):
    knowledge.deploy_file(session, PROCESSES / knowledge.FILE_NAME, actor="ops", clock=clock)
    first = ask(engine, WEEKEND, "C-1")
    assert (stored(session, first.id).kb_version, stored(session, first.id).kb_article) == (
        1,
        "opening-hours-en",
    )
    entries = [*knowledge.latest(session).entries, GOLD]
    knowledge.deploy(session, entries, actor="ops", clock=clock, reason="gold bars", source="editor")

    second = ask(engine, "Can I buy gold bars at your branch? I want to buy gold.", "C-2")
    assert (stored(session, second.id).kb_version, stored(session, second.id).kb_article) == (
        2,
        "gold-bars-en",
    )
    assert (stored(session, first.id).kb_version, stored(session, first.id).kb_article) == (
        1,
        "opening-hours-en",
    )
    # Each is an audit event of the step that answered, in the case's own trail.
    fields = session.scalars(
        select(AuditEvent.payload).where(AuditEvent.case_id == second.id, AuditEvent.kind == "case.updated")
    ).all()
    assert {"field": "kb_version", "value": 2} in fields and {
        "field": "kb_article",
        "value": "gold-bars-en",
    } in fields


def test_a_question_the_knowledge_base_cannot_answer_records_no_version(engine, session, clock):
    knowledge.deploy_file(session, PROCESSES / knowledge.FILE_NAME, actor="ops", clock=clock)
    case = ask(engine, "Why was my mortgage rate changed without notice?", "C-3")
    assert (stored(session, case.id).kb_version, stored(session, case.id).kb_article) == (None, None)


def test_before_any_deployment_the_shipped_file_answers_with_no_version(engine, session):
    case = ask(engine, WEEKEND, "C-4")
    assert (stored(session, case.id).kb_version, stored(session, case.id).kb_article) == (
        None,
        "opening-hours-en",
    )


def test_the_exported_record_names_the_version_and_article_in_json_and_pdf(engine, session, clock):
    knowledge.deploy_file(session, PROCESSES / knowledge.FILE_NAME, actor="ops", clock=clock)
    case = ask(engine, WEEKEND, "C-5")
    record = case_record(session, case.id, now=clock(), exported_by="auditor.xu")
    assert (record["case"]["knowledge_base_version"], record["case"]["knowledge_base_article"]) == (
        1,
        "opening-hours-en",
    )
    text = pdf_text(record_pdf(record))
    assert "knowledge_base_article" in text and "opening-hours-en" in text
