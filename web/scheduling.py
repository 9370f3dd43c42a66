"""Run the SLA sweep, the outbox dispatcher and the housekeeping in the app process with APScheduler
(``SCHEDULER_ENABLED``).

Each job is a row of ``JOBS``: what it runs (on the app's database sessions, clock and settings), how often,
whether it runs at once when the node starts, and what the log says when a run fails. A failed run (a
database outage, say) is logged and the next run tries again; one job never stops another.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from engine.messaging import outbox
from engine.reports import monthly_render, rollup
from engine.store.housekeeping import purge_idempotency_keys
from engine.timers.ladder import warn_unreached
from engine.timers.sla import tick
from web.auditor.chain import sign_head


@dataclass(frozen=True)
class Job:
    id: str
    run: Callable[[Flask], Any]
    every: Callable[[dict], dict]  # the app's config -> the interval trigger's arguments
    at_start: bool  # run at once when the node starts
    failure: str  # what the log says when a run fails


def _database(app: Flask):
    return app.extensions["database"]


def _sign_audit_head(app: Flask) -> None:
    with _database(app).session() as session:
        interval = timedelta(minutes=app.config["AUDIT_CHECKPOINT_MINUTES"])
        sign_head(session, app.config["CLOCK"], app.config, unless_younger_than=interval)


def _checked(app: Flask, check: Callable) -> Any:
    with _database(app).session() as session:
        return check(session)


JOBS = (
    # Sweep at once on start: timers that fell due while the node was down fire now, in due order.
    Job(
        "sla-sweep",
        lambda app: tick(_database(app).session, app.config["CLOCK"], app.config),
        lambda config: {"seconds": config["SLA_SWEEP_SECONDS"]},
        True,
        "SLA sweep failed; retrying on the next tick",
    ),
    Job(
        "outbox",
        lambda app: outbox.dispatch(_database(app).session, app.config["CLOCK"], app.config["NOTIFIER"]),
        lambda config: {"seconds": config["OUTBOX_SECONDS"]},
        True,
        "outbox dispatch failed; retrying on the next run",
    ),
    # Sign the audit chain's head (engine/audit/checkpoints.py); skipped while the newest checkpoint already
    # signs it and is younger than the interval, so several nodes do not each add one.
    Job(
        "audit-checkpoint",
        lambda app: _sign_audit_head(app),
        lambda config: {"minutes": config["AUDIT_CHECKPOINT_MINUTES"]},
        False,
        "signing the audit chain's head failed; retrying on the next run",
    ),
    # On start and daily: a warning for each department whose head rung would reach nobody.
    Job(
        "ladder-check",
        lambda app: _checked(app, warn_unreached),
        lambda config: {"hours": 24},
        True,
        "the escalation ladder check failed; retrying tomorrow",
    ),
    Job(
        "housekeeping",
        lambda app: purge_idempotency_keys(_database(app).session, app.config["CLOCK"], app.config),
        lambda config: {"hours": 1},
        False,
        "housekeeping failed; retrying in an hour",
    ),
    # The figures' daily roll-up: the days changed since the last run (a late survey, a case closed), and
    # yesterday once the day is over. Several nodes may run it; each stretch of days is rebuilt by one at a time.
    Job(
        "figures-rollup",
        lambda app: rollup.refresh(_database(app).session, app.config["CLOCK"](), app.config["TIMEZONE"]),
        lambda config: {"minutes": config["ROLLUP_MINUTES"]},
        True,
        "the figures' roll-up failed; retrying on the next run",
    ),
    Job(
        "monthly-review",
        lambda app: _monthly_review(app),
        lambda config: {"hours": 1},
        True,
        "monthly review failed; retrying in an hour",
    ),
)


def _monthly_review(app: Flask) -> None:
    """Last month's review, written on the first working day of the month (once; see write_if_due)."""
    clock = app.config["CLOCK"]
    with _database(app).session() as session:
        written = monthly_render.write_if_due(session, clock(), app.config, Path(app.config["REPORTS_DIR"]))
    for path in written:
        app.logger.info("monthly review written: %s", path)


def _guarded(app: Flask, job: Job) -> Callable[[], None]:
    def run() -> None:
        try:
            job.run(app)
        except Exception:
            app.logger.exception(job.failure)

    return run


def start_scheduler(app: Flask) -> BackgroundScheduler | None:
    # Under the reloader the parent process only watches files; the child (WERKZEUG_RUN_MAIN) serves.
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return None
    scheduler = BackgroundScheduler(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(
            _guarded(app, job),
            "interval",
            **job.every(app.config),
            id=job.id,
            max_instances=1,
            coalesce=True,
            **({"next_run_time": datetime.now(UTC)} if job.at_start else {}),
        )
    scheduler.start()
    atexit.register(lambda: scheduler.shutdown(wait=False) if scheduler.running else None)
    app.extensions["scheduler"] = scheduler
    return scheduler
