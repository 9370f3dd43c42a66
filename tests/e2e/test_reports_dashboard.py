"""The figures' dashboard in a real browser: charts drawn from the tables, a number opened to its cases.

A supervisor and a manager sign in and open /reports/ over the days of some filed and worked complaints; the
charts are drawn (ECharts, under the page's Content-Security-Policy), and a number opens the list of the cases
behind it: with links to their traces for the supervisor, as bare references for the manager.
"""

from __future__ import annotations

import pytest

from engine import accounts
from engine.cases.engine import CaseEngine
from engine.cases.intake import file_complaint
from tests.functional.test_api_support import deploy_processes, submission

PASSWORD = "correct horse battery"
DAYS = "from=2026-03-01&to=2026-03-31"


@pytest.fixture
def cases(session, clock):
    deploy_processes(session, clock)
    accounts.ensure_departments(session)
    session.commit()
    for username, role in (("supervisor.liu", "supervisor"), ("manager.qian", "manager")):
        departments = ["frontline", "supervisor"] if role == "supervisor" else []
        accounts.create_user(
            session, clock, username=username, role=role, departments=departments, password=PASSWORD
        )
    engine = CaseEngine(session, clock)
    filed = [
        file_complaint(
            engine, submission(f"Annual fee charged twice ({n})", customer=f"C-{n}"), actor="tests"
        )
        for n in range(3)
    ]
    filed.append(
        file_complaint(
            engine,
            submission("My card was stolen and used abroad", customer="C-9", category="card_theft"),
            actor="tests",
        )
    )
    return [c.case.reference for c in filed]


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/signin" not in url)


def test_a_supervisor_sees_the_charts_and_opens_the_cases_behind_a_number(live_server, new_page, cases):
    page = new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, live_server, "supervisor.liu")
    page.goto(f"{live_server}/reports/?{DAYS}")
    assert page.locator("#t-volume_tier").is_visible()
    page.wait_for_selector(".chart.drawn svg")
    assert page.locator(".chart.drawn").count() >= 4
    assert not refused
    tiers = page.locator("#t-volume_tier")
    assert tiers.locator("tr", has_text="General").locator("td").first.inner_text() == "3"
    tiers.locator("tr", has_text="General").locator("a").first.click()
    page.wait_for_url("**/reports/cases?**")
    listed = page.locator("table.case-list tbody tr")
    assert listed.count() == 3
    assert sorted(listed.locator("a").all_inner_texts()) == sorted(cases[:3])


def test_a_manager_sees_the_figures_and_only_the_references(live_server, new_page, cases):
    page = new_page("zh-CN")
    sign_in(page, live_server, "manager.qian")
    page.goto(f"{live_server}/reports/?{DAYS}")
    page.wait_for_selector(".chart.drawn svg")
    assert page.get_by_role("heading", name="投诉数据").is_visible()
    page.locator("#t-volume_tier").locator("tr", has_text="紧急").locator("a").first.click()
    page.wait_for_url("**/reports/cases?**")
    rows = page.locator("table.case-list tbody tr")
    assert rows.all_inner_texts() == [cases[3]]
    assert page.locator("table.case-list a").count() == 0


def test_the_monthly_review_downloads_as_pdf_and_xlsx(live_server, new_page, cases, tmp_path):
    from openpyxl import load_workbook

    page = new_page()
    sign_in(page, live_server, "supervisor.liu")
    page.goto(f"{live_server}/reports/?{DAYS}")
    page.get_by_role("link", name="Monthly review").click()
    row = page.locator("tr", has_text="2026-03")
    with page.expect_download() as pdf:
        row.get_by_role("link", name="PDF").click()
    assert pdf.value.suggested_filename == "monthly-review-2026-03.pdf"
    pdf.value.save_as(tmp_path / "r.pdf")
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    with page.expect_download() as xlsx:
        row.get_by_role("link", name="XLSX").click()
    xlsx.value.save_as(tmp_path / "r.xlsx")
    assert load_workbook(tmp_path / "r.xlsx")["Figures"]["B2"].value == "4"
