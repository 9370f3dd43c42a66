"""The auditor's diagram pages in a real browser: a closed urgent demo case drawn on the version it ran on (the
golden-hour timer that fired and its escalation on their boundary event, the called tier path opened in place,
an element clicked shows its audit events); the heatmap of the general path over the demo data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from engine.cases import demo
from engine.deploy import deployment
from engine.models import Case, WorkItem
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


def test_the_heatmap_of_general_shows_counts_matching_the_demo_data(
    live_server, new_page, closed_case, session
):
    # What the demo data holds, counted from the cases and work items (not from the rows the heatmap reads).
    general_cases = session.scalar(select(func.count()).where(Case.tier == "general"))
    directions = session.execute(
        select(WorkItem.state, func.count())
        .join(Case, Case.id == WorkItem.case_id)
        .where(Case.tier == "general", WorkItem.spec_id == "tell_direction")
        .group_by(WorkItem.state)
    ).all()
    directions = dict(directions)
    assert general_cases == 5 and directions == {"completed": 1, "claimed": 1, "ready": 3}

    page = new_page("en-US")
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server, "auditor.xu")
    page.get_by_role("link", name="Heatmap of a process").click()
    page.select_option("#process", "general_path")
    page.locator("#heatmap-filters button[type=submit]").click()
    expect(page.locator("#heatmap")).to_have_attribute("data-ready", "true")
    assert page.locator("#heat-summary").inner_text().startswith(f"{general_cases} cases of general_path v1")

    start = page.locator(".heat-badge[data-element=start]")
    assert start.get_attribute("data-passed") == str(general_cases)
    assert "heat-5" in page.locator("#heatmap .djs-element[data-element-id=start]").get_attribute("class")
    flow = page.locator(".heat-badge[data-flow=flow_start_to_tell_direction]")
    assert flow.inner_text() == str(general_cases)
    direction = page.locator(".heat-badge[data-element=tell_direction]")
    assert direction.get_attribute("data-passed") == str(directions["completed"])
    assert f"⏳{directions['claimed'] + directions['ready']}" in direction.inner_text()
    row = page.locator("#heat-table tr[data-element=tell_direction]")
    assert row.get_attribute("data-cases") == str(directions["completed"])

    # A filter: the fee disputes only.
    page.select_option("#category", "fee_dispute")
    page.locator("#heatmap-filters button[type=submit]").click()
    expect(page.locator("#heatmap")).to_have_attribute("data-ready", "true")
    fees = session.scalar(select(func.count()).where(Case.tier == "general", Case.category == "fee_dispute"))
    assert page.locator(".heat-badge[data-element=start]").get_attribute("data-passed") == str(fees)
    assert not problems, problems
