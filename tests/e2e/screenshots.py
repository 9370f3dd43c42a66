"""Screenshots of the main pages for the README, taken in Debian's Chromium from a demo database.

    .venv/bin/python -m tests.e2e.screenshots [--out docs/screenshots]

The demo data of ``make run`` is loaded into a throwaway SQLite file on a frozen clock (a Monday morning in
Shanghai), the clock is moved on six hours and one SLA sweep runs, so that the inboxes show work that is due,
near and late, and the supervisor has escalations to look at.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from werkzeug.serving import make_server

from engine import accounts
from engine.cases import demo
from engine.clock import FrozenClock
from engine.deploy import deployment
from engine.models import Case, WorkItem
from engine.store import schema
from engine.timers.sla import tick
from tests.e2e.screenshots_path import shoot_path
from tests.e2e.screenshots_studio import shoot_studio
from tests.paths import PROCESSES

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai


def build(directory: Path, clock: FrozenClock):
    from app import create_app

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{directory / 'demo.db'}",
            "CLOCK": clock,
            "DEMO_MODE": True,
            "SECRET_KEY": "screenshots",
        }
    )
    database = app.extensions["database"]
    schema.upgrade(database.engine)
    with database.session() as session:
        accounts.ensure_departments(session)
        session.commit()
        deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="demo", clock=clock)
        demo.seed(session, clock)
        demo.seed_complaints(session, clock)
    clock.advance(timedelta(hours=6))
    tick(database.session, clock, app.config)
    return app


def shoot(base: str, out: Path, app) -> list[Path]:
    from playwright.sync_api import sync_playwright

    with app.extensions["database"].session() as session:
        urgent = session.scalar(select(Case).where(Case.tier == "urgent").order_by(Case.id))
        general = session.scalar(select(Case).where(Case.tier == "general").order_by(Case.id))
        task = session.scalar(
            select(WorkItem)
            .where(WorkItem.case_id == general.id, WorkItem.state == "claimed")
            .order_by(WorkItem.id)
        )
    saved: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])

        def page_for(locale: str, username: str | None = None, phone: bool = False):
            size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 860}
            context = browser.new_context(
                locale=locale, viewport=size, is_mobile=phone, device_scale_factor=1
            )
            page = context.new_page()
            if username:
                page.goto(f"{base}/signin")
                page.fill("#username", username)
                page.fill("#password", demo.DEMO_PASSWORD)
                page.locator("form.form button[type=submit]").click()
                page.wait_for_load_state()
            return page

        def capture(page, path: str, name: str) -> None:
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            target = out / f"{name}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)

        capture(page_for("zh-CN", phone=True), "/complaints/new", "customer-file-zh-phone")
        capture(page_for("en-US", phone=True), f"/track/{general.tracking_code}", "customer-track-en-phone")
        capture(page_for("en-US"), "/signin", "signin-demo-en")
        agent_zh = page_for("zh-CN", "agent.li")
        capture(agent_zh, "/agent/", "agent-inbox-zh")
        agent_en = page_for("en-US", "agent.li")
        capture(agent_en, "/agent/", "agent-inbox-en")
        if task is not None:
            capture(agent_en, f"/agent/tasks/{task.id}", "agent-task-en")
            capture(agent_zh, f"/agent/tasks/{task.id}", "agent-task-zh")
        capture(agent_zh, "/agent/notices", "agent-notices-zh")  # after the inboxes: it marks them seen
        capture(agent_zh, f"/agent/cases/{urgent.id}", "agent-case-zh")
        supervisor = page_for("en-US", "supervisor.liu")
        capture(supervisor, "/supervisor/", "supervisor-escalations-en")
        auditor = page_for("zh-CN", "auditor.xu")
        capture(auditor, f"/auditor/cases/{urgent.id}", "auditor-trace-zh")
        capture(auditor, "/auditor/chain", "auditor-chain-zh")
        capture(page_for("en-US", "admin"), "/admin/users", "admin-users-en")
        capture(supervisor, "/reports/?from=2026-11-01&to=2026-11-30", "reports-dashboard-en")
        capture(
            page_for("zh-CN", "manager.qian"),
            "/reports/?from=2026-11-01&to=2026-11-30",
            "reports-dashboard-zh",
        )
        shoot_studio(base, app, page_for, capture, out, saved)
        shoot_path(base, app, page_for, capture, out, saved)
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        app = build(Path(directory), FrozenClock(START))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            for path in shoot(f"http://127.0.0.1:{server.server_port}", args.out, app):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        finally:
            server.shutdown()
            app.extensions["database"].engine.dispose()


if __name__ == "__main__":
    main()
