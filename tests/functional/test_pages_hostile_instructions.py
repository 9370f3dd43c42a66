"""A task whose instructions would build a huge text from the case's data still opens: the page shows the
instructions as written instead of spending the request (and the worker) on them."""

from __future__ import annotations

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
