"""The in-process SLA scheduler: it sweeps at once on start (catch-up), keeps sweeping, and stops cleanly."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from app import create_app
from engine.cases.engine import CaseEngine
from engine.models import Timer, TimerStatus
from tests.conftest import fresh
from web.scheduling import start_scheduler


def fired(session):
    fresh(session)
    return session.scalar(select(func.count()).where(Timer.status == TimerStatus.FIRED))


def wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_timers_that_fell_due_while_down_fire_when_the_scheduler_starts(database_url, deploy, session, clock):
    deploy("engine/review.bpmn", "engine/review.schema.json")
    CaseEngine(session, clock).start_case("review", {"category": "fees", "amount": 1}, actor="t")
    session.commit()
    clock.advance(hours=3)  # the node was down while the timer fell due

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SCHEDULER_ENABLED": True,
            "CLOCK": clock,
            "SLA_SWEEP_SECONDS": 60,
            "SECRET_KEY": "test",
        }
    )  # a long interval: only the start-up sweep can fire it
    scheduler = app.extensions["scheduler"]
    try:
        assert wait_for(lambda: fired(session) == 1)
        CaseEngine(session, clock).start_case("review", {"category": "fees", "amount": 1}, actor="t")
        session.commit()
        clock.advance(hours=2)

        def next_tick_fired() -> bool:
            # Run the next interval now; asked again until it runs, because a run asked for while the start-up
            # tick is still busy (the ladder and regulatory sweeps come after the timers) is skipped.
            if fired(session) == 2:
                return True
            scheduler.modify_job("sla-sweep", next_run_time=datetime.now(UTC))
            return False

        assert wait_for(next_tick_fired)
    finally:
        scheduler.shutdown(wait=True)
        app.extensions["database"].engine.dispose()
    assert not scheduler.running


def test_the_reloaders_watcher_process_does_not_start_a_scheduler(app, monkeypatch):
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    app.debug = True
    assert start_scheduler(app) is None


def test_the_audit_checkpoint_job_signs_the_head_once_per_interval(app, session, clock):
    from engine import audit
    from engine.models import AuditCheckpoint
    from engine.store.db import begin_write
    from web.scheduling import JOBS

    [job] = [j for j in JOBS if j.id == "audit-checkpoint"]
    assert job.every(app.config) == {"minutes": 15.0}
    begin_write(session)
    audit.append(session, [audit.PendingEvent(clock(), "t", "note", None, {})])
    session.commit()
    job.run(app)
    job.run(app)  # a second node, or the next run, within the interval: nothing new to sign
    clock.advance(minutes=16)
    job.run(app)
    session.rollback()
    assert [(c.n, c.seq) for c in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.n))] == [
        (1, 1),
        (2, 1),
    ]


def test_the_figures_rollup_job_runs_every_15_minutes_and_rebuilds_a_day_changed_late(
    app, deploy, session, clock
):
    from engine.models.figures import FigureBuilt, FigureDirty
    from engine.reports import figures_kpis, rollup_read
    from engine.reports.figures import Filters
    from web.scheduling import JOBS

    [job] = [j for j in JOBS if j.id == "figures-rollup"]
    assert job.every(app.config) == {"minutes": 15.0} and job.at_start
    deploy("engine/review.bpmn", "engine/review.schema.json")
    case = CaseEngine(session, clock).start_case("review", {"category": "fees", "amount": 1}, actor="t")
    case.received_at, case.channel = clock(), "app"  # what intake records (this diagram has no intake)
    session.commit()
    clock.advance(days=1)
    job.run(app)
    fresh(session)
    assert session.scalar(
        select(func.count()).select_from(FigureBuilt).where(FigureBuilt.day == "2026-03-02")
    )
    assert session.scalar(select(func.count()).select_from(FigureDirty)) == 0
    # a late change to that day: computed live until the next run rebuilds the day
    session.get(type(case), case.id).channel = "phone"
    session.commit()
    march_2 = Filters.for_days(date(2026, 3, 2), date(2026, 3, 2))  # 09:00 in Shanghai
    assert rollup_read.plan(session, figures_kpis.VOLUME_BY_CHANNEL, march_2) is None
    assert rollup_read.compute(session, figures_kpis.VOLUME_BY_CHANNEL, march_2).row("phone").counts == {
        "cases": 1
    }
    job.run(app)
    fresh(session)
    plan = rollup_read.plan(session, figures_kpis.VOLUME_BY_CHANNEL, march_2)
    assert plan is not None and plan.live == []
    assert rollup_read.compute(session, figures_kpis.VOLUME_BY_CHANNEL, march_2).row("phone").counts == {
        "cases": 1
    }
