"""The service-standard tests' set-up: the shipped processes deployed, the people of every lane and rank."""

from __future__ import annotations

import pytest

from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from tests.paths import PROCESSES


@pytest.fixture
def people(make_user):
    return {
        "ann": make_user("ann"),
        "bob": make_user("bob"),
        "sue": make_user("sue", role="supervisor", departments=("supervisor", "frontline")),
        "sam": make_user("sam", role="supervisor", departments=("supervisor",)),
        "rita": make_user("rita", departments=("risk",)),
        "otto": make_user("otto", departments=("operations",)),
        "pia": make_user("pia", departments=("product",)),
        "cora": make_user("cora", departments=("compliance",)),
        "dora": make_user("dora", role="department_head", departments=("supervisor", "frontline")),
        "dan": make_user("dan", role="department_head", departments=("supervisor",)),
        "max": make_user("max", role="senior_manager", departments=("supervisor",)),
    }


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)
