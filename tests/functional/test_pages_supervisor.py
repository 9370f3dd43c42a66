"""The supervisor's escalation inbox and reassigning work, through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, Case, Escalation, OutboxMessage, WorkItem
from engine.timers import ladder
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import start

URGENT = "Unauthorized transactions on my card, 12,800 CNY stolen"


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def as_(app, api, who: str, language: str = "en") -> Browser:
    return Browser(app, language).as_user(api.users[who].id)


def events(session, kind: str) -> list[dict]:
    fresh(session)
    return [e.payload for e in session.scalars(select(AuditEvent).where(AuditEvent.kind == kind))]


def task_in_lane(session, case_id: int, lane: str) -> WorkItem:
    fresh(session)
    return session.scalars(select(WorkItem).where(WorkItem.case_id == case_id, WorkItem.lane == lane)).first()


def test_the_inbox_lists_overdue_work_worst_first_in_words_and_colour(app, api, clock):
    late = api.file(description="Charged twice for the annual fee", customer="C-1")
    clock.advance(hours=1)
    later = api.file(description="The branch was rude to me", category="service_attitude", customer="C-2")
    clock.advance(hours=4, minutes=30)  # the first is 90 minutes late, the second 30

    page = as_(app, api, "sue").get("/supervisor/")

    assert page.status_code == 200
    text = page.text
    assert text.index(late["reference"]) < text.index(later["reference"])
    assert "overdue by 1.5 hours" in text or "overdue by 2 hours" in text
    assert "due-overdue" in text and 'data-autorefresh="60"' in text
    assert "Tell the customer the handling direction" in text


def test_the_inbox_reads_in_chinese(app, api, clock):
    api.file()
    clock.advance(hours=5)
    page = as_(app, api, "sue", "zh_CN").get("/supervisor/")
    assert "已超时及即将超时的任务" in page.text and "超时" in page.text


def test_filters_narrow_the_list_and_unknown_values_are_said_not_matched(app, api, clock):
    case = api.file()
    clock.advance(hours=5)
    browser = as_(app, api, "sue")
    assert case["reference"] not in browser.get("/supervisor/?tier=urgent").text
    assert case["reference"] in browser.get("/supervisor/?tier=general&lane=frontline&due=overdue").text
    refused = browser.get("/supervisor/?lane=nowhere&tier=platinum&due=forever")
    assert refused.status_code == 422
    assert "There is no lane called “nowhere”" in refused.text
    assert "There is no tier called “platinum”" in refused.text
    assert case["reference"] in refused.text  # shown unfiltered rather than an empty list


def test_agents_and_admins_cannot_open_the_inbox(app, api):
    assert as_(app, api, "ann").get("/supervisor/").status_code == 403
    assert as_(app, api, "adam").get("/supervisor/").status_code == 403


def test_a_task_is_reassigned_to_someone_of_its_lane_with_a_reason(app, api, session, make_user):
    olga = make_user("olga", departments=("operations",))
    case = api.file(description=URGENT)
    item = task_in_lane(session, case["id"], "operations")
    browser = as_(app, api, "sue")
    form = browser.get(f"/supervisor/tasks/{item.id}/reassign")
    assert "Otto Brandt" in form.text and "olga" in form.text and "Ann Lee" not in form.text

    done = browser.post(
        f"/supervisor/tasks/{item.id}/reassign",
        {"assignee": str(olga.id), "reason": "Otto is at the branch today", "next": "/supervisor/"},
    )

    assert done.status_code == 302 and done.headers["Location"] == "/supervisor/"
    fresh(session)
    assert session.get(WorkItem, item.id).assignee_id == olga.id
    [event] = events(session, "task.reassigned")
    assert (event["to"], event["reason"], event["actor"]) == ("olga", "Otto is at the branch today", "sue")
    assert session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.recipient == f"user:{olga.id}", OutboxMessage.template == "task_reassigned"
        )
    )
    assert "now lies with olga" in browser.get("/supervisor/").text


@pytest.mark.parametrize(
    ("form", "field_message"),
    [
        ({"reason": "busy"}, "Choose a person."),
        ({"assignee": "ann", "reason": "busy"}, "Choose one of the people listed."),
        ({"assignee": "99999999999999999999", "reason": "busy"}, "Choose one of the people listed."),
        ({"assignee": "OTTO", "reason": ""}, "Give a reason"),
        ({"assignee": "OTTO", "reason": "x" * 2001}, "Keep the reason under 2000 characters."),
    ],
)
def test_bad_reassignments_are_refused_by_field_and_change_nothing(app, api, session, form, field_message):
    case = api.file(description=URGENT)
    item = task_in_lane(session, case["id"], "operations")
    form = {k: str(api.users["otto"].id) if v == "OTTO" else v for k, v in form.items()}
    if form.get("assignee") == "ann":
        form["assignee"] = str(api.users["ann"].id)  # a real user, but not of the operations lane
    answer = as_(app, api, "sue").post(f"/supervisor/tasks/{item.id}/reassign", form)
    assert answer.status_code == 422
    assert field_message in answer.text
    assert events(session, "task.reassigned") == []


def test_a_missing_or_closed_task_is_not_reassigned(app, api, session):
    browser = as_(app, api, "sue")
    assert browser.get("/supervisor/tasks/999999/reassign").status_code == 404
    assert browser.get("/supervisor/tasks/99999999999999999999/reassign").status_code == 404
    case = api.file(description=URGENT)
    item = task_in_lane(session, case["id"], "operations")
    item.state = "completed"
    session.commit()
    answer = browser.post(
        f"/supervisor/tasks/{item.id}/reassign", {"assignee": str(api.users["otto"].id), "reason": "r"}
    )
    assert answer.status_code == 302
    assert "already closed" in browser.get(answer.headers["Location"]).text
    assert events(session, "task.reassigned") == []


def test_a_customer_facing_task_moves_only_with_the_owner(app, api, session):
    case = api.file()
    [task] = api.tasks("ann", case_id=case["id"])
    api.post(f"/api/v1/tasks/{task['id']}/claim", "ann")  # Ann takes it: she owns the case
    browser = as_(app, api, "sue")

    page = browser.get(f"/supervisor/tasks/{task['id']}/reassign")
    assert "change the owner of the whole case" in page.text

    missing = browser.post(f"/supervisor/cases/{case['id']}/owner", {"owner": str(api.users["bob"].id)})
    assert missing.status_code == 422 and "Give a reason" in missing.text
    done = browser.post(
        f"/supervisor/cases/{case['id']}/owner",
        {"owner": str(api.users["bob"].id), "reason": "Ann moved teams"},
    )
    assert done.status_code == 302
    fresh(session)
    assert session.get(Case, case["id"]).owner_id == api.users["bob"].id
    assert session.get(WorkItem, task["id"]).assignee_id == api.users["bob"].id
    [event] = [e for e in events(session, "owner.changed") if e["reason"] == "Ann moved teams"]
    assert event["owner_username"] == "bob"
    # Bob already owns it: he is no longer offered.
    assert f'value="{api.users["bob"].id}"' not in browser.get(f"/supervisor/cases/{case['id']}/owner").text


def test_acknowledging_an_escalation_takes_it_off_the_list_once(app, api, session, clock):
    case = api.file()
    clock.advance(hours=4, minutes=31)
    ladder.sweep(app.extensions["database"].session, clock, {"ESCALATION_GRACE_MINUTES": (30, 120)})
    ladder.sweep(app.extensions["database"].session, clock, {"ESCALATION_GRACE_MINUTES": (30, 120)})
    fresh(session)
    row = session.scalars(
        select(Escalation).where(Escalation.case_id == case["id"], Escalation.level == 2)
    ).first()
    browser = as_(app, api, "sue")
    assert "Supervisors told" in browser.get("/supervisor/").text

    first = browser.post(f"/supervisor/escalations/{row.id}/acknowledge", {"next": "/supervisor/"})
    again = browser.post(f"/supervisor/escalations/{row.id}/acknowledge", {"next": "https://evil.example/"})

    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == "/supervisor/"
    assert "already acknowledged" in browser.get("/supervisor/").text
    assert len(events(session, "escalation.acknowledged")) == 1
    assert browser.post("/supervisor/escalations/999999/acknowledge").status_code == 404
