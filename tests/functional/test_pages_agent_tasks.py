"""A task's page (instructions, masked customer details, its form) and completing it; the case workspace."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import Case, CaseNote, WorkItem
from tests.conftest import fresh
from tests.functional.test_api_support import start
from tests.functional.test_pages_agent import THEFT, browser, claim, task_id
from web.agent.tasks import render_instructions

DIRECTION = {"direction": "We check the fee and call you back tomorrow."}


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def claimed(app, api, who: str, case_id: int, name_part: str):
    item = task_id(api, who, case_id, name_part)
    page = browser(app, api, who)
    claim(page, item)
    return page, item


def joined(app, api, who: str, case_id: int, lane: str):
    """``who`` joins the urgent case's task force for ``lane`` on the task page."""
    page, item = claimed(app, api, who, case_id, f"join the task force ({lane})")
    assert page.post(f"/agent/tasks/{item}", {"reachable_at": "ext. 6021"}).status_code == 302
    return page


# ------------------------------------------------------------------ the task page


def test_a_task_page_shows_the_instructions_rendered_with_the_case_data(app, api):
    case = api.file(**THEFT)
    page, item = claimed(app, api, "ann", case["id"], "contact")
    html = page.get(f"/agent/tasks/{item}").text
    assert "Instructions" in html
    assert f"Case {case['reference']}: Card stolen or fraudulent transactions / Bank card, via Phone" in html
    assert "received 2026-03-02 09:00" in html  # the bank's time zone, not raw ISO text
    assert "Complaint: My card was stolen and money taken" in html
    assert "{{" not in html and "{%" not in html
    assert "办理时限" not in html and "--- 中文 ---" not in html  # the Chinese half is for Chinese pages


def test_contact_tasks_show_the_phone_and_back_office_tasks_mask_it(app, api):
    case = api.file(**THEFT)
    page, contact = claimed(app, api, "ann", case["id"], "contact")
    html = page.get(f"/agent/tasks/{contact}").text
    assert "13812345678" in html  # ann calls the customer
    joined(app, api, "rita", case["id"], "risk")
    risk, trace = claimed(app, api, "rita", case["id"], "trace")
    html = risk.get(f"/agent/tasks/{trace}").text
    assert "13812345678" not in html and "138****5678" in html  # in the facts and in the instructions
    assert "(masked)" in html
    joined(app, api, "otto", case["id"], "operations")
    ops, safeguards = claimed(app, api, "otto", case["id"], "safeguards")
    html = ops.get(f"/agent/tasks/{safeguards}").text
    assert "C-001" in html  # operations looks the customer's accounts up
    assert "13812345678" not in html
    workspace = page.get(f"/agent/cases/{case['id']}").text
    assert "13812345678" not in workspace and "138****5678" in workspace


def test_a_ready_task_offers_claiming_before_its_form(app, api):
    case = api.file()
    item = task_id(api, "ann", case["id"], "direction")
    html = browser(app, api, "ann").get(f"/agent/tasks/{item}").text
    assert 'name="direction"' not in html and f'action="/agent/tasks/{item}/claim"' in html
    assert "you become its owner" in html


def test_someone_elses_claimed_task_is_read_only(app, api):
    case = api.file()
    claimed(app, api, "bob", case["id"], "direction")
    item = task_id(api, "bob", case["id"], "direction")
    html = browser(app, api, "ann").get(f"/agent/tasks/{item}").text
    assert "Bob Stone is working on this task." in html and 'name="direction"' not in html


def test_tasks_of_other_lanes_and_unknown_tasks_are_not_found(app, api):
    case = api.file(**THEFT)
    trace = task_id(api, "rita", case["id"], "join the task force (risk)")
    ann = browser(app, api, "ann")
    assert ann.get(f"/agent/tasks/{trace}").status_code == 404
    assert ann.post(f"/agent/tasks/{trace}", {"reachable_at": "x"}).status_code == 404
    assert ann.get("/agent/tasks/424242").status_code == 404
    assert browser(app, api, "sue").get(f"/agent/tasks/{trace}").status_code == 200  # supervisors read all


# ------------------------------------------------------------------ completing


def test_completing_a_task_runs_the_case_on_and_opens_my_next_task(app, api, session):
    case = api.file()
    page, item = claimed(app, api, "ann", case["id"], "direction")
    answer = page.post(f"/agent/tasks/{item}", DIRECTION)
    assert answer.status_code == 302
    fresh(session)
    done = session.get(WorkItem, item)
    assert (done.state, done.completed_by_id) == ("completed", api.users["ann"].id)
    following = session.scalars(
        select(WorkItem).where(WorkItem.case_id == case["id"], WorkItem.state == "claimed")
    ).one()
    assert following.name.startswith(
        "Propose a settlement"
    )  # the owner's next customer-facing task came to ann
    assert answer.headers["Location"] == f"/agent/tasks/{following.id}"
    html = page.get(answer.headers["Location"]).text
    assert "Completed “Tell the customer the handling direction”." in html
    assert 'name="compensation_amount"' in html


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({}, "direction", "This field is required."),
        ({"direction": "   "}, "direction", "This field is required."),
        ({"direction": "x" * 5000}, "direction", "Use at most"),
    ],
)
def test_bad_input_is_shown_by_field_with_status_422(app, api, session, form, field, message):
    case = api.file()
    page, item = claimed(app, api, "ann", case["id"], "direction")
    answer = page.post(f"/agent/tasks/{item}", form)
    assert answer.status_code == 422
    assert "Please correct the fields marked below." in answer.text
    assert f'id="{field}-error">{message}' in answer.text
    if form.get(field):
        assert form[field][:50] in answer.text  # what was typed is kept
    fresh(session)
    assert session.get(WorkItem, item).state == "claimed"


def test_wrong_types_and_unknown_options_are_refused(app, api, session):
    case = api.file()
    page, direction = claimed(app, api, "ann", case["id"], "direction")
    page.post(f"/agent/tasks/{direction}", DIRECTION)
    settle = task_id(api, "ann", case["id"], "settlement")
    bad = page.post(
        f"/agent/tasks/{settle}", {"compensation_amount": "a lot", "apology": "Sorry", "account": "6222"}
    )
    assert bad.status_code == 422 and 'id="compensation_amount-error">Enter a number.' in bad.text
    negative = page.post(
        f"/agent/tasks/{settle}", {"compensation_amount": "-5", "apology": "Sorry", "account": "6222"}
    )
    assert negative.status_code == 422 and "compensation_amount-error" in negative.text
    fresh(session)
    assert session.get(WorkItem, settle).state == "claimed"


def test_completing_twice_or_someone_elses_task_keeps_what_was_typed_and_says_why(app, api, session):
    case = api.file()
    page, item = claimed(app, api, "ann", case["id"], "direction")
    assert page.post(f"/agent/tasks/{item}", DIRECTION).status_code == 302
    again = page.post(f"/agent/tasks/{item}", {"direction": "A second answer"})
    assert again.status_code == 409
    assert "already completed by Ann Lee" in again.text and "A second answer" in again.text

    other = api.file(customer="C-9")
    _bobs, bobs_item = claimed(app, api, "bob", other["id"], "direction")
    taken = browser(app, api, "ann").post(f"/agent/tasks/{bobs_item}", {"direction": "Mine now"})
    assert taken.status_code == 409 and "claimed by Bob Stone" in taken.text and "Mine now" in taken.text
    fresh(session)
    assert session.get(WorkItem, bobs_item).state == "claimed"


def test_a_ready_task_must_be_claimed_before_completing(app, api, session):
    case = api.file()
    item = task_id(api, "ann", case["id"], "direction")
    answer = browser(app, api, "ann").post(f"/agent/tasks/{item}", DIRECTION)
    assert answer.status_code == 409 and "Claim this task before completing it" in answer.text
    fresh(session)
    assert session.get(WorkItem, item).state == "ready"


def test_a_supervisor_approves_a_settlement_above_the_agents_authority(app, api, session):
    case = api.file(amount=2000)
    page, direction = claimed(app, api, "ann", case["id"], "direction")
    page.post(f"/agent/tasks/{direction}", DIRECTION)
    settle = task_id(api, "ann", case["id"], "settlement")
    page.post(
        f"/agent/tasks/{settle}", {"compensation_amount": "1500", "apology": "Sorry", "account": "6222"}
    )
    sue, approval = claimed(app, api, "sue", case["id"], "approve the settlement (supervisor)")
    html = sue.get(f"/agent/tasks/{approval}").text
    assert 'name="approved"' in html
    assert sue.post(f"/agent/tasks/{approval}", {"approved": "maybe"}).status_code == 422
    assert sue.post(f"/agent/tasks/{approval}", {"approved": "true", "comment": "Fine"}).status_code == 302
    fresh(session)
    assert session.get(WorkItem, approval).completed_by_id == api.users["sue"].id


# ------------------------------------------------------------------ instructions, safely


def test_instructions_are_plain_text_in_a_sandbox():
    blocks = render_instructions(
        "Hello {{ customer.name }}<b>!</b>\n- one\n- two\n\n{{ ''.__class__.__mro__ }}",
        {"customer": {"name": "<script>alert(1)</script>"}},
        "Asia/Shanghai",
    )
    # Plain text (the page escapes it whole); Python's internals stay out of reach of the template.
    assert [(b.kind, b.lines) for b in blocks][:2] == [
        ("p", ["Hello <script>alert(1)</script><b>!</b>"]),
        ("ul", ["one", "two"]),
    ]
    assert "object" not in str(blocks)
    ok = render_instructions(
        "Hi {{ customer.name }} {{ missing.deeper }}\n* a", {"customer": {"name": "<i>"}}, "UTC"
    )
    assert [(b.kind, b.lines) for b in ok] == [("p", ["Hi <i>"]), ("ul", ["a"])]
    assert render_instructions("  ", {}, "UTC") is None


def test_bilingual_instructions_show_the_half_in_the_page_language():
    template = "Call {{ customer.name }} today.\n--- 中文 ---\n今天致电{{ customer.name }}。"
    data = {"customer": {"name": "张三"}}
    assert render_instructions(template, data, "UTC", "en")[0].lines == ["Call 张三 today."]
    assert render_instructions(template, data, "UTC", "zh_CN")[0].lines == ["今天致电张三。"]
    # One language only: shown whatever the page's; an empty half falls back to the other.
    assert render_instructions("Call today.", {}, "UTC", "zh_CN")[0].lines == ["Call today."]
    assert render_instructions("Call today.\n--- 中文 ---\n  ", {}, "UTC", "zh_CN")[0].lines == [
        "Call today."
    ]


def test_markup_in_the_case_data_is_shown_as_text(app, api):
    case = api.file(description="<script>alert(1)</script> fee", customer="C-7")
    page, item = claimed(app, api, "ann", case["id"], "direction")
    html = page.get(f"/agent/tasks/{item}").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ------------------------------------------------------------------ the workspace


def test_the_workspace_shows_history_steps_other_lanes_notes_notices_and_deadlines(app, api, session, clock):
    first = api.file(customer="C-5", category="service_attitude", description="Rude staff at the branch")
    clock.advance(days=40)
    case = api.file(customer="C-5", **THEFT)
    joined(app, api, "otto", case["id"], "operations")
    ops, safeguards = claimed(app, api, "otto", case["id"], "safeguards")
    ops.post(
        f"/agent/tasks/{safeguards}", {"action": "freeze", "account": "6222 0000 1111", "note": "Froze it"}
    )
    session.add(
        CaseNote(
            case_id=case["id"],
            kind="customer_information",
            author="customer",
            text="I also lost my ID card",
            created_at=clock(),
        )
    )
    session.commit()
    ann = browser(app, api, "ann")
    contact = task_id(api, "ann", case["id"], "contact")
    claim(ann, contact)
    ann.post(f"/agent/tasks/{contact}", {"reached": "true", "note": "Called"})
    tell = task_id(api, "ann", case["id"], "safeguards are in place")
    assert ann.post(f"/agent/tasks/{tell}", {"reached": "true", "note": "Told"}).status_code == 302
    html = ann.get(f"/agent/cases/{case['id']}").text
    assert first["reference"] in html and "Service attitude" in html  # the earlier complaint
    assert (
        "Work by other departments" in html
        and "Apply temporary safeguards" in html
        and "6222 0000 1111" in html
    )
    assert "I also lost my ID card" in html and "Added by the customer" in html
    assert "Notice of the safeguards in place" in html  # the SMS to the customer
    assert "Deadlines ahead" in html and "Regulatory decision" in html and "15 calendar days" in html
    assert "Complaint received, case opened" in html and "Task completed" in html  # the audit trail
    assert "Otto Brandt" in html or "otto" in html
    # The earlier case is ann's to open only if she is involved in it: she is not (nobody took it yet, but it
    # has a frontline task, her lane).
    assert f'href="/agent/cases/{first["id"]}"' in html


def test_the_workspace_is_not_found_for_cases_an_agent_has_no_part_in(app, api):
    case = api.file()
    assert browser(app, api, "rita").get(f"/agent/cases/{case['id']}").status_code == 404
    assert browser(app, api, "ann").get("/agent/cases/999999").status_code == 404
    assert browser(app, api, "sue").get(f"/agent/cases/{case['id']}").status_code == 200


def test_the_pages_read_naturally_in_chinese(app, api, clock):
    case = api.file(**THEFT)
    page = browser(app, api, "ann", language="zh-CN")
    inbox = page.get("/agent/").text
    assert "待办" in inbox and "认领" in inbox and "紧急" in inbox
    item = task_id(api, "ann", case["id"], "contact")
    claim(page, item)
    task = page.get(f"/agent/tasks/{item}").text
    assert "处理指引" in task and "完成任务" in task and "已联系上客户" in task
    # The diagram's instructions in Chinese, with the case's data, and not their English half.
    assert f"案件 {case['reference']}：" in task and "投诉内容：My card was stolen and money taken" in task
    assert "办理时限：自受理起 15 分钟内。" in task and "Deadline:" not in task and "--- 中文 ---" not in task
    workspace = page.get(f"/agent/cases/{case['id']}").text
    assert "截止时间" in workspace and "客户" in workspace
    fresh_case = page.get(f"/agent/cases/{case['id']}")
    assert fresh_case.status_code == 200
    assert Case  # imported for the reader: the workspace reads the case row
