"""Messages and signals thrown by a case go nowhere, and nothing starts a case from them: such diagrams are
refused at deploy, each element named; and what a stored case had thrown is emptied from its state."""

from __future__ import annotations

import pytest

from engine.deploy import deployment
from engine.errors import DeploymentRejected

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
    targetNamespace="http://example.org/complaints">
  <bpmn:message id="update" name="Case update"/>
  <bpmn:signal id="alarm" name="Alarm"/>
  <bpmn:process id="events" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="l" name="frontline">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>middle</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" name="Begin"><bpmn:outgoing>f1</bpmn:outgoing>{start}</bpmn:startEvent>
    {middle}
    <bpmn:endEvent id="end" name="Finish"><bpmn:incoming>f2</bpmn:incoming>{end}</bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="middle"/>
    <bpmn:sequenceFlow id="f2" sourceRef="middle" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
PLAIN_MIDDLE = (
    '<bpmn:userTask id="middle" name="Look">'
    "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>"
)
MESSAGE = '<bpmn:messageEventDefinition id="{id}" messageRef="update"/>'
SIGNAL = '<bpmn:signalEventDefinition id="{id}" signalRef="alarm"/>'


def _event(tag: str, name: str, definition: str) -> str:
    return (
        f'<bpmn:{tag} id="middle" name="{name}">'
        f"<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>{definition}</bpmn:{tag}>"
    )


CASES = {
    "message start": (
        {"start": MESSAGE.format(id="m1")},
        'start event "Begin" starts the process on a message',
    ),
    "signal start": (
        {"start": SIGNAL.format(id="s1")},
        'start event "Begin" starts the process on a signal',
    ),
    "message throw": (
        {"middle": _event("intermediateThrowEvent", "Tell the branch", MESSAGE.format(id="m2"))},
        'intermediate throw event "Tell the branch" throws a message',
    ),
    "signal throw": (
        {"middle": _event("intermediateThrowEvent", "Raise the alarm", SIGNAL.format(id="s2"))},
        'intermediate throw event "Raise the alarm" throws a signal',
    ),
    "message end": (
        {"end": MESSAGE.format(id="m3")},
        'end event "Finish" throws a message',
    ),
    "send task": (
        {"middle": _event("sendTask", "Send the letter", "")},
        'send task "Send the letter" throws a message',
    ),
    "signal wait": (
        {"middle": _event("intermediateCatchEvent", "Wait for the alarm", SIGNAL.format(id="s3"))},
        'intermediate catch event "Wait for the alarm" waits for a signal',
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_diagram_that_throws_starts_on_or_waits_for_what_nothing_routes_is_refused(session, clock, case):
    parts, expected = CASES[case]
    xml = PROCESS.format(
        start=parts.get("start", ""), middle=parts.get("middle", PLAIN_MIDDLE), end=parts.get("end", "")
    )

    with pytest.raises(DeploymentRejected) as refused:
        deployment.deploy(session, [("events.bpmn", xml.encode())], actor="tests", clock=clock)

    messages = [p.message for p in refused.value.problems]
    assert any(expected in m for m in messages), messages
    assert not any("not expected" in m for m in messages), messages  # refused for this, not the XML's shape


def test_a_diagram_waiting_for_a_message_from_outside_is_accepted(session, clock):
    middle = _event("intermediateCatchEvent", "Wait for the reply", MESSAGE.format(id="m4"))
    xml = PROCESS.format(start="", middle=middle, end="")

    result = deployment.deploy(session, [("events.bpmn", xml.encode())], actor="tests", clock=clock)

    assert [v.process_key for v in result.deployed] == ["events"]


def test_events_a_stored_case_had_thrown_are_emptied_with_an_audit_event(deploy, session, clock, make_user):
    from SpiffWorkflow.bpmn.util.event import BpmnEvent
    from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
    from sqlalchemy import select, update

    from engine.cases.engine import CaseEngine
    from engine.models import AuditEvent, Case, WorkItem
    from engine.store.serialization import SERIALIZER
    from tests.conftest import fresh

    deploy("engine/five_tasks.bpmn")
    engine = CaseEngine(session, clock)
    case = engine.start_case("five_tasks", {}, actor="t")
    # A case of a version deployed before the check, whose workflow threw a message nothing received.
    workflow = engine.load_workflow(case)
    workflow.bpmn_events.append(BpmnEvent(MessageEventDefinition("Case update"), {"x": 1}))
    session.execute(update(Case).where(Case.id == case.id).values(state=SERIALIZER.dump_state(workflow)))
    session.commit()
    user = make_user("agent.events")
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).first()
    engine.claim(item.id, user)

    engine.complete(item.id, user, {})

    fresh(session)
    assert engine.load_workflow(session.get(Case, case.id)).bpmn_events == []
    dropped = session.scalars(select(AuditEvent).where(AuditEvent.kind == "events.dropped")).one()
    assert dropped.case_id == case.id and dropped.payload["events"] == ["message Case update"]
