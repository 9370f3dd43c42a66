"""The heatmap's figures (engine/reports/heatmap.py) on a small constructed set of cases with known answers,
through the real engine and database (the percentiles by SQL on PostgreSQL, in Python on SQLite: same answers).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.models import ProcessVersion
from engine.reports.heatmap import Filter, heatmap, percentile
from tests.paths import PROCESSES
from tests.unit.test_complaint_paths import file, work

HOUR = 3600.0


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)


def general(session, number: int = 1) -> ProcessVersion:
    return session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_key == "general_path", ProcessVersion.version == number
        )
    )


@pytest.fixture
def three_cases(engine, session, clock, make_user):
    """Three general complaints received together: the direction given after 1 h, after 5 h (late: the limit
    is 4 h from receipt), and not yet; the figures are read 6 h after receipt."""
    ann = make_user("ann")
    start = clock()
    cases = [
        file(engine, "The clerk was rude", "service_attitude", customer="C-1").case,
        file(engine, "Fee charged twice", "fee_dispute", amount=20, customer="C-2").case,
        file(engine, "The app is slow", "service_attitude", customer="C-3", channel="app").case,
    ]
    clock.set(start + timedelta(hours=1))
    work(engine, session, cases[0].id, "tell_direction", ann)
    clock.set(start + timedelta(hours=5))
    work(engine, session, cases[1].id, "tell_direction", ann)
    clock.set(start + timedelta(hours=6))
    return start, cases


def test_counts_times_and_breaches_of_each_element(session, clock, three_cases):
    found = heatmap(session, general(session), Filter(), clock())
    assert found.cases == 3
    assert found.elements["start"].cases == 3
    direction = found.elements["tell_direction"]
    assert (direction.cases, direction.times, direction.open, direction.done) == (2, 2, 1, 2)
    assert direction.median_seconds == pytest.approx(3 * HOUR)  # of 1 h and 5 h
    assert direction.p90_seconds == pytest.approx(4.6 * HOUR)  # 1 h + 0.9 × (5 h − 1 h)
    assert direction.breaches == 2  # done after 5 h, and still open at 6 h: both past the 4-hour limit
    assert found.flows["flow_start_to_tell_direction"] == 3
    assert found.flows["flow_tell_direction_to_in_parallel"] == 2
    assert "propose_settlement" in found.elements and found.elements["propose_settlement"].open == 2


def test_the_filters_choose_the_cases(session, clock, three_cases):
    start, _cases = three_cases
    by_app = heatmap(session, general(session), Filter(channel="app"), clock())
    assert by_app.cases == 1 and by_app.elements["tell_direction"].open == 1
    assert by_app.elements["tell_direction"].cases == 0
    fees = heatmap(session, general(session), Filter(category="fee_dispute"), clock())
    assert fees.elements["tell_direction"].cases == 1 and fees.elements["tell_direction"].breaches == 1
    later = heatmap(session, general(session), Filter(received_from=start + timedelta(minutes=1)), clock())
    assert later.cases == 0 and later.elements == {}
    urgent = heatmap(session, general(session), Filter(tier="urgent"), clock())
    assert urgent.cases == 0


def test_a_new_version_counts_only_the_cases_that_ran_on_it(session, clock, three_cases):
    changed = (
        (PROCESSES / "general.bpmn")
        .read_text(encoding="utf-8")
        .replace('name="General"', 'name="General (v2)"', 1)
    )
    files = [
        (name, changed.encode() if name == "general.bpmn" else content)
        for name, content in deployment.read_paths([PROCESSES])
    ]
    deployment.deploy(session, files, actor="tests", clock=clock)
    later = CaseEngine(session, clock)  # (an engine caches what it read, the latest version among it)
    case = file(later, "Another rude clerk", "service_attitude", customer="C-9").case
    assert case.process_version_id != three_cases[1][0].process_version_id
    assert heatmap(session, general(session, 1), Filter(), clock()).cases == 3
    newer = heatmap(session, general(session, 2), Filter(), clock())
    assert newer.cases == 1 and newer.elements["start"].cases == 1


def test_percentiles_interpolate_between_ranks_as_postgresql_does():
    assert percentile([10.0], 0.9) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([0.0, 10.0], 0.9) == pytest.approx(9.0)
