"""Run the SLA sweep, the outbox dispatcher and the housekeeping in the app process with APScheduler
(``SCHEDULER_ENABLED``)."""

from __future__ import annotations

import atexit
import os
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from engine.messaging import outbox
from engine.store.housekeeping import purge_idempotency_keys
from engine.timers.sla import tick


def start_scheduler(app: Flask) -> BackgroundScheduler | None:
    # Under the reloader the parent process only watches files; the child (WERKZEUG_RUN_MAIN) serves.
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return None
    database = app.extensions["database"]
    clock = app.config["CLOCK"]

    def run_tick() -> None:
        try:
            tick(database.session, clock, app.config)
        except Exception:  # a database outage: log it, the next tick tries again
            app.logger.exception("SLA sweep failed; retrying on the next tick")

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        run_tick,
        "interval",
        seconds=app.config["SLA_SWEEP_SECONDS"],
        id="sla-sweep",
        max_instances=1,
        coalesce=True,
        # Sweep at once on start: timers that fell due while the node was down fire now, in due order.
        next_run_time=datetime.now(UTC),
    )
    notifier = app.config["NOTIFIER"]

    def send_notices() -> None:
        try:
            outbox.dispatch(database.session, clock, notifier)
        except Exception:
            app.logger.exception("outbox dispatch failed; retrying on the next run")

    scheduler.add_job(
        send_notices,
        "interval",
        seconds=app.config["OUTBOX_SECONDS"],
        id="outbox",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )

    def housekeeping() -> None:
        try:
            purge_idempotency_keys(database.session, clock, app.config)
        except Exception:
            app.logger.exception("housekeeping failed; retrying in an hour")

    scheduler.add_job(housekeeping, "interval", hours=1, id="housekeeping", max_instances=1, coalesce=True)
    scheduler.start()
    atexit.register(lambda: scheduler.shutdown(wait=False) if scheduler.running else None)
    app.extensions["scheduler"] = scheduler
    return scheduler
