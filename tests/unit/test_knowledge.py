"""The knowledge base as versioned data: deployed from the shipped file or from edited entries, checked, each
version an audit event, and the advisory path answering from the newest deployed version."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases import customer_updates
from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.errors import ValidationFailed
from engine.knowledge import base as knowledge
from engine.models import AuditEvent, KnowledgeVersion, WorkItem
from tests.conftest import fresh
from tests.paths import PROCESSES
from tests.unit.test_complaint_paths import file

GOLD = {
    "id": "gold-bars-en",
    "language": "en",
    "keywords": ["gold bar", "buy gold"],
    "question": "Can I buy gold bars at a branch?",
    "answer": "Gold bars can be bought at larger branches; bring your ID.",
}
WEEKEND = "What are your opening hours on weekends? Are you open on weekends?"


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)


def deployed_events(session):
    fresh(session)
    return session.scalars(
        select(AuditEvent).where(AuditEvent.kind == knowledge.DEPLOYED).order_by(AuditEvent.seq)
    ).all()


def test_the_shipped_file_deploys_as_version_one_and_again_as_nothing_new(session, clock):
    first = knowledge.deploy_file(session, PROCESSES / knowledge.FILE_NAME, actor="ops", clock=clock)
    assert first.created and first.version.version == 1
    assert first.version.entry_count == 13 and first.version.source == "knowledge_base.toml"
    again = knowledge.deploy_file(session, PROCESSES / knowledge.FILE_NAME, actor="ops", clock=clock)
    assert not again.created and again.version.version == 1
    [event] = deployed_events(session)
    assert event.actor == "ops" and event.case_id is None
    assert event.payload["version"] == 1 and "opening-hours-zh" in event.payload["added"]
    assert event.payload["reason"] == "deployed from knowledge_base.toml"


def test_an_edit_is_a_new_version_recording_what_changed_and_why(session, clock):
    knowledge.deploy(session, [GOLD], actor="pete", clock=clock, reason="gold bars", source="editor")
    edited = {**GOLD, "answer": "Gold bars are sold at the main branch only."}
    other = {**GOLD, "id": "gold-bars-zh", "language": "zh", "keywords": ["金条"]}
    done = knowledge.deploy(
        session, [edited, other], actor="pete", clock=clock, reason="main branch", source="editor"
    )
    assert done.created and done.version.version == 2
    removed = knowledge.deploy(session, [other], actor="pete", clock=clock, reason="no more", source="editor")
    events = deployed_events(session)
    assert [e.payload["version"] for e in events] == [1, 2, 3]
    assert (events[1].payload["added"], events[1].payload["changed"]) == (["gold-bars-zh"], ["gold-bars-en"])
    assert events[2].payload["removed"] == ["gold-bars-en"] and events[2].payload["reason"] == "no more"
    fresh(session)
    # Earlier versions stay as they were.
    versions = {v.version: v for v in session.scalars(select(KnowledgeVersion))}
    assert versions[1].entries == [GOLD] and versions[3].entries == removed.version.entries


def test_bad_entries_are_refused_each_named_and_nothing_is_deployed(session, clock):
    bad = [
        {**GOLD, "id": "Gold Bars!"},
        {**GOLD, "language": "fr"},
        {**GOLD, "id": "x", "keywords": []},
        {**GOLD, "id": "y", "answer": "  "},
        {**GOLD, "id": "x"},
    ]
    with pytest.raises(ValidationFailed) as refused:
        knowledge.deploy(session, bad, actor="pete", clock=clock, reason="r", source="editor")
    assert set(refused.value.errors) == {
        "entry[0].id",
        "entry[1].language",
        "entry[2].keywords",
        "entry[3].answer",
        "entry[4].id",
    }
    with pytest.raises(ValidationFailed, match="why"):
        knowledge.deploy(session, [GOLD], actor="pete", clock=clock, reason="  ", source="editor")
    with pytest.raises(ValidationFailed, match="TOML"):
        knowledge.parse_toml("[[entry]\nid = ")
    fresh(session)
    assert knowledge.latest(session) is None and deployed_events(session) == []


def test_keywords_may_be_typed_as_a_list_in_a_text_box():
    assert knowledge.keyword_list("Gold bar， buy gold\n金条,,") == ["gold bar", "buy gold", "金条"]


def test_the_advisory_path_answers_from_the_newest_deployed_version(engine, session, clock):
    # Before any version: the shipped file answers, as before.
    case = file(engine, WEEKEND, "business_inquiry").case
    assert customer_updates.knowledge_base_answer(session, case.id)["article"] == "opening-hours-en"

    knowledge.deploy(session, [GOLD], actor="pete", clock=clock, reason="only gold", source="editor")
    gold = file(engine, "Where can I buy a gold bar?", "business_inquiry", customer="C-2").case
    assert customer_updates.knowledge_base_answer(session, gold.id)["answer"] == GOLD["answer"]
    # The deployed version no longer has the opening hours: a person answers.
    weekend = file(engine, WEEKEND, "business_inquiry", customer="C-3").case
    assert customer_updates.knowledge_base_answer(session, weekend.id) is None
    fresh(session)
    assert session.scalars(select(WorkItem).where(WorkItem.case_id == weekend.id)).all()

    changed = {**GOLD, "answer": "Ask at the main branch for gold bars."}
    knowledge.deploy(session, [changed], actor="pete", clock=clock, reason="reworded", source="editor")
    again = file(engine, "How do I buy gold?", "business_inquiry", customer="C-4").case
    assert customer_updates.knowledge_base_answer(session, again.id)["answer"] == changed["answer"]


def test_an_agents_search_ranks_keyword_hits_first():
    entries = knowledge.parse_toml((PROCESSES / knowledge.FILE_NAME).read_text(encoding="utf-8"))
    found = knowledge.search(entries, "转账限额")
    assert found[0]["id"] == "transfer-limits-zh"
    assert [e["id"] for e in knowledge.search(entries, "activate new card")][:1] == ["card-activation-en"]
    assert knowledge.search(entries, "   ") == [] and knowledge.search(entries, "zzzz-nothing") == []
