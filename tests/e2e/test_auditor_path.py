"""The auditor's path on the diagram, in a real browser: a closed urgent demo case, drawn on the version it ran
on; the golden-hour timer that fired and its escalation on their boundary event; the called tier path opened in
place; an element clicked shows its audit events.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from engine.cases import demo
from engine.deploy import deployment
from engine.reports.demo import seed_closed_case
from tests.paths import PROCESSES

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "web" / "static" / "build" / "auditor-path.js"


@pytest.fixture
def closed_case(session, clock):
    if not BUILD.exists():
        pytest.fail("the diagram pages' scripts are not built: run 'make frontend' (make test does)")
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="demo", clock=clock)
    demo.seed(session, clock)
    demo.seed_complaints(session, clock)
    return seed_closed_case(session, clock)


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("#username", username)
    page.fill("#password", demo.DEMO_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(lambda url: "/signin" not in url)


def element(page, element_id: str):
    return page.locator(f"#path .djs-element[data-element-id={element_id}]")


def test_an_auditor_sees_a_closed_urgent_case_on_its_diagram_with_the_golden_hour_timer_fired(
    live_server, new_page, closed_case
):
    page = new_page("en-US")
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server, "auditor.xu")
    page.goto(f"{live_server}/auditor/cases/{closed_case.id}")
    page.get_by_role("link", name="See the path on the diagram").click()
    expect(page.locator("#path")).to_have_attribute("data-ready", "true")

    # The intake process: every element on the way done, the flows taken drawn, the urgent path among them.
    assert page.locator("#path").get_attribute("data-process") == "complaint"
    for done in ("triage", "which_tier", "run_urgent_path", "run_result_and_follow_up", "end"):
        assert "path-done" in element(page, done).get_attribute("class"), done
    assert "path-flow" in element(page, "flow_which_tier_to_run_urgent_path").get_attribute("class")
    assert "path-flow" not in element(page, "flow_which_tier_to_run_general_path").get_attribute("class")
    assert "path-done" not in element(page, "run_general_path").get_attribute("class")

    # The urgent path opens in place: the one-hour safeguard was late, its timer fired and escalated.
    element(page, "run_urgent_path").click()
    expect(page.locator("#path")).to_have_attribute("data-process", "urgent_path")
    expect(page.locator("#path")).to_have_attribute("data-ready", "true")
    golden = element(page, "apply_safeguards_deadline")
    assert "path-fired" in golden.get_attribute("class")
    assert "path-fired" not in element(page, "contact_customer_deadline").get_attribute(
        "class"
    )  # kept its time
    overlays = page.locator(".djs-overlays[data-container-id=apply_safeguards_deadline] .path-badge")
    assert overlays.filter(has_text="⚠ 1").count() == 1
    golden.click()
    panel = page.locator(".element-panel")
    expect(panel).to_have_attribute("data-element", "apply_safeguards_deadline")
    assert "timer fired" in panel.inner_text()
    assert "timer.fired" in panel.inner_text() and "Escalations" in panel.inner_text()

    # Each element clicks to its audit events: who did the safeguard, when, what they entered, how late.
    element(page, "apply_safeguards").click()
    expect(panel).to_have_attribute("data-element", "apply_safeguards")
    text = panel.inner_text()
    assert "ops.chen" in text and "task.completed" in text and "late by" in text
    assert "freeze" in text  # the data submitted

    # Back to the intake process by the trail.
    page.locator(".path-crumbs button[data-process=complaint]").click()
    expect(page.locator("#path")).to_have_attribute("data-process", "complaint")
    assert not problems, problems


def test_a_supervisor_reaches_the_same_page_from_the_case_workspace(live_server, new_page, closed_case):
    page = new_page("en-US")
    sign_in(page, live_server, "supervisor.liu")
    page.goto(f"{live_server}/agent/cases/{closed_case.id}")
    page.get_by_role("link", name="See the path on the diagram").click()
    expect(page.locator("#path")).to_have_attribute("data-ready", "true")
    assert "path-done" in element(page, "run_urgent_path").get_attribute("class")
