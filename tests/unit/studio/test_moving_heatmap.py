"""Moving waiting cases to a new version moves them in the heatmap's summaries too: each version's heatmap from
the summaries is the live one, before and after the move (engine/runtime/summaries.py, a changed version)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.deploy import deployment
from engine.models import ProcessVersion, VisitSummary, WorkItem
from engine.reports.heatmap import Filter, heatmap
from engine.studio import moving
from tests.unit.studio.conftest import shipped
from tests.unit.test_heatmap_summaries import assert_same


def test_the_moved_cases_count_under_their_new_version(session, clock, engine, demo_cases):
    clock.advance(timedelta(hours=1))
    deployment.deploy(
        session, [(n, c.replace(b'"PT4H"', b'"PT2H"')) for n, c in shipped()], actor="tests", clock=clock
    )
    v1, v2 = (
        session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_key == "complaint", ProcessVersion.version == n
            )
        )
        for n in (1, 2)
    )
    waiting = sorted(
        session.scalars(
            select(WorkItem.case_id).where(
                WorkItem.spec_id == "tell_direction", WorkItem.state != "completed"
            )
        )
    )
    report = moving.move(engine, v1.id, v2.id, waiting, actor="pete")
    assert report.movable == len(waiting) == 4
    session.rollback()
    clock.advance(timedelta(hours=3))
    everything, week = Filter(), Filter(received_from=clock() - timedelta(days=3), received_before=clock())
    for version in session.scalars(select(ProcessVersion).order_by(ProcessVersion.id)):
        for wanted in (everything, week, Filter(tier="general"), Filter(channel="phone")):
            assert_same(session, version, wanted, clock())
    complaint_v2 = heatmap(session, v2, everything, clock())
    assert complaint_v2.cases == 4  # the moved cases, with the path they took on version 1
    kept = session.scalars(
        select(VisitSummary).where(VisitSummary.version_id == v1.id, VisitSummary.cases != 0)
    )
    assert all(row.cases > 0 for row in kept)  # nothing taken away twice
