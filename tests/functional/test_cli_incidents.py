"""The operator's commands for incidents: ``cases incidents`` lists them, ``cases retry REFERENCE`` runs a
case again and says whether it is out of incident (exit status 0) or still in it (1); and ``cases
backfill-visits``, which rebuilds the heatmap's summaries."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select, update

from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.models import Case, CaseStatus, Incident, Timer, TimerStatus, VisitSummary
from engine.timers.sla import sweep
from tests.conftest import fresh
from tests.paths import DATA, PROCESSES
from tests.unit.test_complaint_paths import file


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_no_incidents_says_so(app):
    result = run(app, "cases", "incidents")
    assert result.exit_code == 0 and "no open incidents" in result.output


def test_a_failing_case_is_listed_and_a_retry_that_fails_again_exits_1(app, session, clock):
    files = [
        ("bad_values.bpmn", (DATA / "faults/bad_values.bpmn").read_bytes()),
        ("intake.schema.json", (Path(PROCESSES) / "forms/intake.schema.json").read_bytes()),
        ("choice.schema.json", (DATA / "faults/choice.schema.json").read_bytes()),
    ]
    deployment.deploy(session, files, actor="tests", clock=clock)
    case = CaseEngine(session, clock).start_case(
        "bad_values", {"complaint": {"description": "bytes"}}, actor="t"
    )

    listed = run(app, "cases", "incidents")
    assert listed.exit_code == 0
    assert (
        case.reference in listed.output
        and "Keep a value" in listed.output
        and "variable 'kept'" in listed.output
    )

    retried = run(app, "cases", "retry", case.reference)
    assert retried.exit_code == 1 and "still in incident" in retried.stderr
    fresh(session)
    assert session.scalars(select(Incident.attempts)).one() == 2


def test_a_retry_of_a_repaired_case_releases_its_held_timers_and_exits_0(app, deploy, session, db, clock):
    deploy("faults/plain_timer.bpmn")
    case = CaseEngine(session, clock).start_case("plain_timer", {}, actor="t")
    good = session.scalar(select(Case.state).where(Case.id == case.id))
    session.execute(update(Case).where(Case.id == case.id).values(state="{broken"))
    session.commit()
    clock.advance(hours=2)
    sweep(db.session, clock)
    assert "1 timer(s) held" in run(app, "cases", "incidents").output
    session.execute(update(Case).where(Case.id == case.id).values(state=good))  # the operator's repair
    session.commit()

    retried = run(app, "cases", "retry", case.reference, "--actor", "ops.chen")

    assert retried.exit_code == 0 and "now open" in retried.output
    fresh(session)
    assert session.get(Case, case.id).status == CaseStatus.OPEN
    assert session.scalars(select(Timer.status)).all() == [TimerStatus.FIRED]
    assert session.scalars(select(Incident.resolved_by)).one() == "cli:ops.chen"
    assert run(app, "cases", "retry", "C000").exit_code == 1  # an unknown reference: a clear error


def test_backfill_visits_rebuilds_the_heatmap_summaries_and_may_run_again(app, session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    file(CaseEngine(session, clock), "The clerk was rude", "service_attitude")
    kept = sorted(tuple(r) for r in session.execute(select(VisitSummary.element_id, VisitSummary.times)))
    assert kept
    session.execute(delete(VisitSummary))
    session.commit()
    first, second = run(app, "cases", "backfill-visits"), run(app, "cases", "backfill-visits", "--batch", "1")
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert first.output.startswith("1 case(s), ") and "visit summary row(s)" in second.output
    fresh(session)
    assert (
        sorted(tuple(r) for r in session.execute(select(VisitSummary.element_id, VisitSummary.times))) == kept
    )
