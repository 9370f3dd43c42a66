"""Shared set-up for the service-standard tests: the shipped processes deployed, the people of every lane."""

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
    }


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)
