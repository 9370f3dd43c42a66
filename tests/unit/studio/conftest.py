"""What the studio's unit tests share: the shipped processes deployed, demo complaints filed and worked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases import demo
from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.models import ProcessVersion
from tests.paths import PROCESSES

TELL_DIRECTION_CONDITION = (
    b'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">route == "none"</bpmn:conditionExpression>'
)


def shipped() -> list[tuple[str, bytes]]:
    return deployment.read_paths([PROCESSES])


def edited(files, name: str, old: bytes, new: bytes) -> list[tuple[str, bytes]]:
    """The bundle with one replacement made in one file (which must contain ``old``)."""
    out = []
    for file_name, content in files:
        if file_name == name:
            assert old in content, f"{old!r} is not in {name}"
            content = content.replace(old, new)
        out.append((file_name, content))
    return out


def shorter_direction_deadline(files):
    """The general path's direction deadline from 4 hours to 1 hour."""
    return edited(files, "general.bpmn", b'"PT4H"', b'"PT1H"')


@pytest.fixture
def deployed(session, clock):
    deployment.deploy(session, shipped(), actor="tests", clock=clock)
    return session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "complaint"))


@pytest.fixture
def demo_cases(session, clock, deployed):
    """The dozen demo complaints of ``make run``, some tasks worked, received at the fixture clock's time."""
    demo.seed(session, clock)
    demo.seed_complaints(session, clock)
    return deployed


@pytest.fixture
def engine(session, clock):
    return CaseEngine(session, clock)
