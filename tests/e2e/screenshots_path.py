"""The pictures of the auditor's diagram pages for the README: a closed urgent case's path, drilled into its
urgent path with the golden-hour timer selected, and the heatmap of the general path over the demo data.

Called by ``screenshots.py`` with its browser and demo database; also runs alone, taking only these pictures:

    .venv/bin/python -m tests.e2e.screenshots_path [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

from engine.reports.demo import CUSTOMER, seed_closed_case

ROOT = Path(__file__).resolve().parents[2]


def shoot_path(base: str, app, page_for, capture, out: Path, saved: list) -> None:
    from sqlalchemy import select

    from engine.models import Case, Customer

    with app.extensions["database"].session() as session:
        case = seed_closed_case(session, app.config["CLOCK"]) or session.scalar(
            select(Case)
            .join(Customer, Customer.id == Case.customer_id)
            .where(Customer.external_id == CUSTOMER)
        )
        case_id = case.id
    for locale, name in (("en-US", "auditor-path-en"), ("zh-CN", "auditor-path-zh")):
        page = page_for(locale, "auditor.xu")
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(f"{base}/auditor/cases/{case_id}/diagram")
        page.wait_for_selector("#path[data-ready=true]")
        page.locator("#path .djs-element[data-element-id=run_urgent_path]").click()
        page.wait_for_selector("#path[data-process=urgent_path][data-ready=true]")
        page.locator("#path .djs-element[data-element-id=apply_safeguards_deadline]").click()
        page.wait_for_selector(".element-panel[data-element=apply_safeguards_deadline]")
        target = out / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        saved.append(target)
    page = page_for("en-US", "auditor.xu")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{base}/auditor/heatmap?process=general_path")
    page.wait_for_selector("#heatmap[data-ready=true]")
    target = out / "auditor-heatmap-en.png"
    page.screenshot(path=str(target), full_page=True)
    saved.append(target)


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    from engine.clock import FrozenClock
    from tests.e2e import screenshots

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        app = screenshots.build(Path(directory), FrozenClock(screenshots.START))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        saved: list[Path] = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=["--no-sandbox"]
                )

                def page_for(locale: str, username: str):
                    page = browser.new_context(locale=locale, device_scale_factor=1).new_page()
                    page.goto(f"{base}/signin")
                    page.fill("#username", username)
                    page.fill("#password", "demo-password")
                    page.locator("form.form button[type=submit]").click()
                    page.wait_for_load_state()
                    return page

                shoot_path(base, app, page_for, None, args.out, saved)
                browser.close()
            for path in saved:
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        finally:
            server.shutdown()
            app.extensions["database"].engine.dispose()


if __name__ == "__main__":
    main()
