"""The knowledge base through the CLI and the pages: `flask deploy processes/` deploys it, a process owner edits
and deploys entries with a reason on /owner/knowledge, agents look it up from a task page, and the customer's
advisory question is answered from the version deployed last."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.knowledge import base as knowledge
from engine.models import AuditEvent, KnowledgeVersion
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import start
from tests.paths import PROCESSES

WEEKEND = "What are your opening hours on weekends? Are you open on weekends?"
NEW_HOURS = "Every branch is now open on Saturdays, 9:00-16:00; see the app for Sundays."


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


@pytest.fixture
def deployed(app, api):
    result = app.test_cli_runner().invoke(args=["deploy", str(PROCESSES)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def person(app, api, who: str, language: str = "en") -> Browser:
    return Browser(app, language).as_user(api.users[who].id)


def versions(session) -> list[int]:
    fresh(session)
    return list(session.scalars(select(KnowledgeVersion.version).order_by(KnowledgeVersion.version)))


def entry_form(page: Browser, entry: str = "", **changes) -> dict:
    """The entry's form as the page shows it, with ``changes`` typed in."""
    html = page.get("/owner/knowledge/edit" + (f"?entry={entry}" if entry else "")).text
    form = {
        "original": re.search(r'name="original" value="([^"]*)"', html).group(1),
        "version": re.search(r'name="version" value="(\d+)"', html).group(1),
        "id": re.search(r'name="id" value="([^"]*)"', html).group(1),
        "language": re.search(r'<option value="(\w+)" selected', html).group(1),
        "keywords": re.search(r'name="keywords"[^>]*>([^<]*)</textarea>', html).group(1),
        "question": re.search(r'name="question"[^>]*>([^<]*)</textarea>', html).group(1),
        "answer": re.search(r'name="answer"[^>]*>([^<]*)</textarea>', html).group(1),
    }
    return {**form, **changes}


def test_flask_deploy_processes_deploys_the_knowledge_base_once(app, api, deployed, session):
    assert "deployed knowledge base v1 (13 entries)" in deployed.output
    again = app.test_cli_runner().invoke(args=["deploy", str(PROCESSES)], catch_exceptions=False)
    assert "unchanged knowledge base v1" in again.output
    assert versions(session) == [1]


def test_a_broken_knowledge_base_file_is_refused_by_the_cli_with_the_field(app, api, session, tmp_path):
    bad = tmp_path / "knowledge_base.toml"
    bad.write_text('[[entry]]\nid = "a"\nlanguage = "fr"\nkeywords = ["x"]\nanswer = "y"\n', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["deploy", str(bad)])
    assert result.exit_code == 1
    assert "entry[0].language: must be zh or en" in result.output
    assert versions(session) == []


def test_the_owner_sees_the_entries_and_versions(app, api, deployed):
    page = person(app, api, "pete").get("/owner/knowledge")
    assert page.status_code == 200
    assert "Version 1, deployed by cli" in page.text
    assert "opening-hours-en" in page.text and 'id="knowledge-versions"' in page.text
    assert 'href="/owner/knowledge"' in person(app, api, "pete").get("/owner/").text


def test_the_owner_edits_an_entry_and_the_customer_gets_the_new_answer(app, api, deployed, session):
    pete = person(app, api, "pete")
    form = entry_form(pete, "opening-hours-en", answer=NEW_HOURS, reason="Saturday opening from May")
    saved = pete.post("/owner/knowledge/edit", form)
    assert saved.status_code == 303
    assert (
        "The knowledge base was deployed with opening-hours-en. Version 2."
        in pete.get("/owner/knowledge").text
    )
    assert versions(session) == [1, 2]
    [event] = session.scalars(
        select(AuditEvent).where(AuditEvent.kind == knowledge.DEPLOYED, AuditEvent.actor == "pete")
    ).all()
    assert (
        event.payload["changed"] == ["opening-hours-en"]
        and event.payload["reason"] == "Saturday opening from May"
    )

    case = api.file(description=WEEKEND, category="business_inquiry", channel="app", customer="C-ADV")
    assert NEW_HOURS in Browser(app).get(f"/track/{case['tracking_code']}").text


def test_a_save_without_a_reason_or_with_a_bad_id_comes_back_as_typed(app, api, deployed, session):
    pete = person(app, api, "pete")
    missing = pete.post("/owner/knowledge/edit", entry_form(pete, "opening-hours-en", answer=NEW_HOURS))
    assert missing.status_code == 422
    assert "Say why the knowledge base changes." in missing.text and NEW_HOURS in missing.text
    bad = pete.post("/owner/knowledge/edit", entry_form(pete, id="Opening Hours!", keywords="", reason="new"))
    assert bad.status_code == 422
    assert "Use lower-case letters, digits" in bad.text and "Give at least one keyword" in bad.text
    taken = pete.post(
        "/owner/knowledge/edit",
        entry_form(pete, id="opening-hours-zh", keywords="x", answer="y", reason="dup"),
    )
    assert taken.status_code == 422 and "different from every other entry" in taken.text
    assert versions(session) == [1]


def test_a_save_on_an_older_version_is_refused_and_kept(app, api, deployed, session):
    pete, adam = person(app, api, "pete"), person(app, api, "adam")
    stale = entry_form(pete, "opening-hours-en", answer=NEW_HOURS, reason="mine")
    adam.post(
        "/owner/knowledge/edit", entry_form(adam, "card-activation-en", answer="Call us.", reason="his")
    )
    refused = pete.post("/owner/knowledge/edit", stale)
    assert refused.status_code == 409
    assert "Someone deployed another version" in refused.text and NEW_HOURS in refused.text
    assert versions(session) == [1, 2]


def test_the_owner_adds_and_removes_an_entry(app, api, deployed, session):
    pete = person(app, api, "pete")
    new = entry_form(
        pete,
        id="gold-bars-en",
        language="en",
        keywords="gold bar\nbuy gold",
        question="Can I buy gold bars?",
        answer="At larger branches, with your ID.",
        reason="new product",
    )
    assert pete.post("/owner/knowledge/edit", new).status_code == 303
    fresh(session)
    assert knowledge.latest(session).entries[-1]["keywords"] == ["gold bar", "buy gold"]
    page = pete.get("/owner/knowledge/edit?entry=gold-bars-en").text
    version = re.search(r'id="knowledge-remove".*?name="version" value="(\d+)"', page, re.S).group(1)
    gone = pete.post(
        "/owner/knowledge/remove", {"original": "gold-bars-en", "version": version, "reason": "withdrawn"}
    )
    assert gone.status_code == 303
    fresh(session)
    assert [e["id"] for e in knowledge.latest(session).entries if e["id"].startswith("gold")] == []
    assert versions(session) == [1, 2, 3]
    assert pete.get("/owner/knowledge/edit?entry=gold-bars-en").status_code == 404


def test_an_agent_looks_up_the_knowledge_base_from_the_task_page(app, api, deployed):
    case = api.file()
    [task] = api.tasks("ann", case_id=case["id"])
    ann = person(app, api, "ann")
    page = ann.get(f"/agent/tasks/{task['id']}")
    assert 'id="knowledge-search"' in page.text and 'action="/agent/knowledge"' in page.text
    found = ann.get(f"/agent/knowledge?q=激活&task={task['id']}")
    assert found.status_code == 200
    assert "card-activation-zh" in found.text and f'href="/agent/tasks/{task["id"]}"' in found.text
    nothing = ann.get("/agent/knowledge?q=zzzz-nothing")
    assert "Nothing in the knowledge base matches." in nothing.text


def test_the_agent_sees_the_owners_change(app, api, deployed):
    pete = person(app, api, "pete")
    pete.post("/owner/knowledge/edit", entry_form(pete, "opening-hours-en", answer=NEW_HOURS, reason="May"))
    found = person(app, api, "ann").get("/agent/knowledge?q=opening hours")
    assert NEW_HOURS in found.text and "Version 2" in found.text


def test_a_first_edit_before_any_deployment_keeps_the_entries_the_path_reads(app, api, session):
    pete = person(app, api, "pete")
    home = pete.get("/owner/knowledge").text
    assert "No version is deployed yet" in home and "opening-hours-en" in home
    form = entry_form(pete, "opening-hours-en", answer=NEW_HOURS, reason="first edit")
    assert pete.post("/owner/knowledge/edit", form).status_code == 303
    fresh(session)
    version = knowledge.latest(session)
    assert version.version == 1 and version.entry_count == 13
    assert next(e for e in version.entries if e["id"] == "opening-hours-en")["answer"] == NEW_HOURS
