"""Hostile or careless diagrams seen from the outside: a task whose instructions would build a huge text from
the case's data still opens (the page shows them as written instead of spending the worker on them), and a
diagram with a broken layout deploys, the deploy command and the upload page saying so."""

from __future__ import annotations

import io

from sqlalchemy import select

from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.models import WorkItem
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import start

TEMPLATE = (
    "Call the customer. {{ 'x'.ljust(width) }}{% for a in rows %}{% for b in rows %}.{% endfor %}{% endfor %}"
)
DIAGRAM = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">'
    '<bpmn:process id="guide" isExecutable="true"><bpmn:laneSet id="ls"><bpmn:lane id="l" name="frontline">'
    '<bpmn:flowNodeRef>read</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet><bpmn:startEvent id="start"/>'
    '<bpmn:userTask id="read" name="Read the file"><bpmn:extensionElements><spiffworkflow:instructionsForEndUser>'
    f"{TEMPLATE}</spiffworkflow:instructionsForEndUser></bpmn:extensionElements></bpmn:userTask>"
    '<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="read"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="read" targetRef="end"/></bpmn:process></bpmn:definitions>'
)


def test_the_task_page_shows_instructions_it_cannot_render_as_written(app, session, clock):
    api = start(app, session, clock, deploy=False)
    deployment.deploy(session, [("guide.bpmn", DIAGRAM.encode())], actor="t", clock=clock)
    data = {"width": 10**8, "rows": list(range(5000))}
    case = CaseEngine(session, clock).start_case("guide", data, actor="t")
    item = session.scalars(select(WorkItem.id).where(WorkItem.case_id == case.id)).one()
    page = Browser(app).as_user(api.users["ann"].id)
    assert page.post(f"/agent/tasks/{item}/claim").status_code in (302, 303)
    response = page.get(f"/agent/tasks/{item}")
    assert response.status_code == 200
    assert "Call the customer. {{ &#39;x&#39;.ljust(width) }}" in response.text
    assert len(response.text) < 200_000


def test_the_deploy_command_prints_layout_warnings_and_deploys(app, tmp_path, corpus):
    source = corpus / "bpmn" / "camunda-modeler-exports" / "A.4.1-export.bpmn"
    text = source.read_text(encoding="utf-8").replace('<dc:Bounds x="', '<dc:Bounds x="left-', 1)
    (tmp_path / source.name).write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["deploy", str(tmp_path / source.name)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "deployed Process_0h42ymn v1" in result.stdout
    assert "warning: A.4.1-export.bpmn [" in result.stderr and "layout error" in result.stderr


def test_the_upload_page_deploys_a_broken_layout_and_says_so(app, session, clock, corpus):
    api = start(app, session, clock, deploy=False)
    source = corpus / "bpmn" / "camunda-modeler-exports" / "A.4.1-export.bpmn"
    text = source.read_text(encoding="utf-8").replace('<dc:Bounds x="', '<dc:Bounds x="left-', 1)
    browser = Browser(app).as_user(api.users["pete"].id)
    answer = browser.post(
        "/admin/processes",
        {"files": [(io.BytesIO(text.encode()), source.name)]},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    page = browser.get("/admin/processes").text
    assert "Deployed Process_0h42ymn v1" in page
    assert "Deployed despite a layout error: A.4.1-export.bpmn [" in page
