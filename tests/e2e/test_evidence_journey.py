"""Evidence and the knowledge base in a real browser: the customer sends a screenshot from the tracking page on a
phone (and is told why a disguised file is refused), the agent finds it on the case workspace, downloads it as
a file, attaches one of their own, and looks an answer up in the knowledge base from the task page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import accounts
from engine.cases.engine import CaseEngine
from engine.models import Attachment, WorkItem
from tests.conftest import fresh
from tests.functional.test_api_support import deploy_processes
from tests.unit.test_complaint_paths import file
from tests.unit.test_evidence import jpeg_with_location, png

PASSWORD = "correct horse battery"


@pytest.fixture
def filed(session, clock):
    deploy_processes(session, clock)
    accounts.ensure_departments(session)
    session.commit()
    accounts.create_user(
        session, clock, username="agent.li", role="agent", departments=["frontline"], password=PASSWORD
    )
    return file(CaseEngine(session, clock), "Charged twice for the annual fee", "fee_dispute", amount=120)


def test_the_customer_sends_a_screenshot_and_the_agent_downloads_it(
    live_server, new_page, filed, session, tmp_path
):
    case = filed.case
    code = case.tracking_code

    customer = new_page("en-US", phone=True)
    customer.goto(f"{live_server}/track/{code}")
    customer.set_input_files(
        "#file",
        files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": b"<html>not an image</html>"}],
    )
    customer.get_by_role("button", name="Send the file").click()
    customer.get_by_text("This kind of file is not accepted.").wait_for()
    customer.set_input_files(
        "#file", files=[{"name": "转账截图.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_location()}]
    )
    customer.get_by_role("button", name="Send the file").click()
    customer.get_by_text("Thank you. 转账截图.jpg was added to your complaint.").wait_for()
    assert "转账截图.jpg" in customer.locator("#evidence").inner_text()

    agent = new_page("en-US")
    agent.goto(f"{live_server}/signin")
    agent.fill("#username", "agent.li")
    agent.fill("#password", PASSWORD)
    agent.get_by_role("button", name="Sign in", exact=True).click()
    agent.wait_for_url(re.compile(r"/agent/"))
    agent.goto(f"{live_server}/agent/cases/{case.id}")
    section = agent.locator("#evidence")
    assert "Sent by the customer" in section.inner_text()
    with agent.expect_download() as info:
        section.get_by_role("link", name="转账截图.jpg").click()
    download = info.value
    assert download.suggested_filename == "转账截图.jpg"
    saved = tmp_path / "downloaded.jpg"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"\xff\xd8\xff") and b"SpyCam" not in saved.read_bytes()

    own = tmp_path / "call-notes.png"
    own.write_bytes(png())
    agent.set_input_files("#evidence-file", str(own))
    agent.get_by_role("button", name="Attach", exact=True).click()
    agent.get_by_text("call-notes.png was attached to the case.").wait_for()
    fresh(session)
    names = session.scalars(select(Attachment.filename).order_by(Attachment.id)).all()
    assert names == ["转账截图.jpg", "call-notes.png"]
    assert Path(saved).stat().st_size > 0


def test_the_agent_looks_up_the_knowledge_base_from_a_task(live_server, new_page, filed, session):
    fresh(session)
    task = session.scalars(select(WorkItem).where(WorkItem.case_id == filed.case.id)).first()
    agent = new_page("zh-CN")
    agent.goto(f"{live_server}/signin")
    agent.fill("#username", "agent.li")
    agent.fill("#password", PASSWORD)
    agent.get_by_role("button", name="登录", exact=True).click()
    agent.wait_for_url(re.compile(r"/agent/"))
    agent.goto(f"{live_server}/agent/tasks/{task.id}")
    agent.fill("#knowledge-q", "转账限额")
    agent.locator("#knowledge-search").get_by_role("button").click()
    agent.wait_for_url(re.compile(r"/agent/knowledge\?"))
    results = agent.locator("#knowledge-results")
    assert "transfer-limits-zh" in results.inner_text()
    agent.get_by_role("link", name=re.compile("←")).click()
    agent.wait_for_url(re.compile(rf"/agent/tasks/{task.id}$"))
