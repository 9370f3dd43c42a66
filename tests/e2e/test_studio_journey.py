"""The process owner's studio in a real browser: open the shipped general.bpmn, change the direction deadline,
see a check fail for a flow without a condition and fix it, compare with the deployed version, try the draft
on the recorded demo cases and see the differing ones, deploy with a reason, and move the waiting cases.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.cases import demo
from engine.deploy import deployment
from engine.models import AuditEvent, Case, ProcessVersion
from engine.timers import sla
from tests.conftest import fresh
from tests.paths import PROCESSES

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "web" / "static" / "build" / "studio-editor.js"
NEW_DEADLINE = 'after(complaint["received_at"], "PT1H")'


@pytest.fixture
def recorded(app, session, clock, db):
    """The shipped processes, the demo people and complaints, two hours on (the sweep caught up)."""
    if not BUILD.exists():
        pytest.fail("the studio's scripts are not built: run 'make frontend' (make test does)")
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="demo", clock=clock)
    demo.seed(session, clock)
    demo.seed_complaints(session, clock)
    clock.advance(timedelta(hours=2))
    sla.tick(db.session, clock, app.config)


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("#username", "owner.huang")
    page.fill("#password", demo.DEMO_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(f"{base}/owner/")


def open_element(page, url: str, element: str) -> None:
    """The editor with ``element`` selected, and the engine's properties group open."""
    page.goto(f"{url}?file=general.bpmn&element={element}")
    page.wait_for_selector("#studio[data-ready=true]")
    page.locator(".bio-properties-panel-group-header", has_text="What the engine reads").click()


def save(page) -> None:
    page.locator("#save").click()
    # (Playwright's wait_for_function evaluates a string, which the page's CSP forbids: locators only.)
    expect(page.locator("#status")).to_have_text(re.compile("^Saved"))


def test_a_process_owner_changes_a_deadline_tries_deploys_and_moves_the_waiting_cases(
    live_server, new_page, recorded, session
):
    page = new_page("en-US")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server)

    # Open the shipped general.bpmn as a draft.
    page.locator("tr[data-process=general_path] button", has_text="Open as a draft").click()
    page.wait_for_selector("#studio[data-ready=true]")
    editor = page.url.split("?")[0]
    assert page.locator(".djs-element[data-element-id=tell_direction]").count() == 1

    # Change the direction deadline in the properties panel.
    open_element(page, editor, "tell_direction_deadline")
    timer = page.locator("#bio-properties-panel-studio-timer-value")
    assert '"PT4H"' in timer.input_value()
    timer.fill(NEW_DEADLINE)
    expect(page.locator("#save")).to_be_enabled()
    save(page)
    assert page.locator("#problems").inner_text().startswith("The checks pass")

    # Remove a flow's condition: the deploy check fails on that flow, drawn on it.
    open_element(page, editor, "flow_which_route_to_settled")
    condition = page.locator("#bio-properties-panel-studio-condition")
    assert condition.input_value() == 'route == "none"'
    condition.fill("")
    expect(page.locator("#save")).to_be_enabled()
    save(page)
    problem = page.locator("#problems li[data-element=flow_which_route_to_settled]")
    assert "without a condition" in problem.inner_text()
    flow = page.locator(".djs-element[data-element-id=flow_which_route_to_settled]")
    assert "studio-marker-problem" in flow.get_attribute("class")

    # Fix it.
    page.locator("#bio-properties-panel-studio-condition").fill('route == "none"')
    expect(page.locator("#save")).to_be_enabled()
    save(page)
    assert page.locator("#problems").inner_text().startswith("The checks pass")
    assert "studio-marker-problem" not in flow.get_attribute("class")

    # Compare with the deployed version: one change, drawn on both diagrams and listed.
    page.get_by_role("link", name="Compare", exact=True).click()
    page.wait_for_selector("#compare[data-ready=true]")
    rows = page.locator("#changes tr[data-element]")
    assert rows.count() == 1 and rows.first.get_attribute("data-element") == "tell_direction_deadline"
    changed = page.locator("#after .djs-element[data-element-id=tell_direction_deadline]")
    assert "diff-changed" in changed.get_attribute("class")

    # Try the draft on the recorded demo cases: the ones still waiting for their direction differ.
    page.get_by_role("link", name="Try on recorded cases").click()
    page.locator("#try").click()
    page.wait_for_selector("#try-report")
    different = page.locator("#outcomes tr[data-result=different]")
    assert different.count() == 4
    assert "tell_direction_deadline" in different.first.inner_text()

    # Deploy, with a reason.
    page.get_by_role("link", name="Deploy", exact=True).click()
    page.fill("#reason", "Tell the customer the direction within one hour")
    page.locator("#deploy").click()
    page.wait_for_url(f"{live_server}/owner/")
    assert "Deployed" in page.locator(".flash").inner_text()

    # Move the waiting cases of complaint v1 to v2: a dry run first, then the move.
    page.locator("tr[data-process=complaint][data-version='1'] a", has_text="Move waiting cases").click()
    page.locator("#dry-run").click()
    movable = page.locator("#migration tr[data-movable=true]")
    assert movable.count() == 12
    page.locator("#move").click()
    page.wait_for_selector(".flash-success")
    assert "12 of 12 case(s) moved" in page.locator("#migration h2").inner_text()

    fresh(session)
    v2 = session.scalar(
        select(ProcessVersion.id).where(
            ProcessVersion.process_key == "complaint", ProcessVersion.version == 2
        )
    )
    assert set(session.scalars(select(Case.process_version_id))) == {v2}
    reasons = session.scalars(select(AuditEvent.payload).where(AuditEvent.kind == "process.deployed")).all()
    assert reasons[-1]["reason"] == "Tell the customer the direction within one hour"
    assert len(session.scalars(select(AuditEvent.seq).where(AuditEvent.kind == "case.migrated")).all()) == 12
    assert [p for p in problems if "favicon" not in p and "404" not in p] == []
