"""The agent's pages: the inbox, claiming, a task with its form, completing it, the case workspace."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, WorkItem
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import start

THEFT = {"description": "My card was stolen and money taken", "category": "card_theft", "amount": 800}


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def browser(app, api, who: str, language: str = "en") -> Browser:
    return Browser(app, language).as_user(api.users[who].id)


def task_id(api, who: str, case_id: int, name_part: str) -> int:
    return api.task_named(who, case_id, name_part)["id"]


def rows(html: str) -> list[str]:
    """The task names of the inbox table, in order."""
    body = html.split('id="inbox-tasks"', 1)[1]
    return re.findall(r'<td><a href="/agent/tasks/\d+">([^<]+)</a></td>', body)


def claim(page: Browser, item: int):
    return page.post(f"/agent/tasks/{item}/claim")


# ------------------------------------------------------------------ inbox


def test_the_inbox_lists_the_ready_tasks_of_my_lanes_with_time_left_and_a_claim_button(app, api, clock):
    case = api.file()
    page = browser(app, api, "ann").get("/agent/")
    assert page.status_code == 200
    assert rows(page.text) == ["Tell the customer the handling direction"]
    assert case["reference"] in page.text
    assert 'data-autorefresh="30"' in page.text
    assert "4 hours left" in page.text and "due-ok" in page.text
    assert f'action="/agent/tasks/{task_id(api, "ann", case["id"], "direction")}/claim"' in page.text
    # Risk has nothing of this case; a colleague's claimed task leaves the others' inboxes.
    assert rows(browser(app, api, "rita").get("/agent/").text) == []
    claim(browser(app, api, "bob"), task_id(api, "ann", case["id"], "direction"))
    assert rows(browser(app, api, "ann").get("/agent/").text) == []
    mine = browser(app, api, "bob").get("/agent/").text
    assert rows(mine) == ["Tell the customer the handling direction"] and "<strong>You</strong>" in mine


def test_the_inbox_shows_overdue_tasks_in_red_with_words(app, api, clock):
    api.file()
    clock.advance(hours=5)
    page = browser(app, api, "ann").get("/agent/").text
    assert "due-overdue" in page and "overdue by 60 minutes" in page


def test_the_inbox_filters_by_tier_lane_overdue_and_mine(app, api, clock):
    urgent = api.file(customer="C-1", **THEFT)
    general = api.file(customer="C-2")
    sue = browser(app, api, "sue")  # supervisor lane and frontline
    everything = rows(sue.get("/agent/").text)
    assert "Contact the customer and form the task force" in everything
    assert "Tell the customer the handling direction" in everything
    assert rows(sue.get("/agent/?tier=urgent").text) == ["Contact the customer and form the task force"]
    assert rows(sue.get("/agent/?tier=general").text) == ["Tell the customer the handling direction"]
    assert rows(sue.get("/agent/?tier=advisory").text) == []
    assert rows(sue.get("/agent/?lane=supervisor").text) == []
    assert rows(sue.get("/agent/?lane=frontline").text) == everything

    clock.advance(minutes=20)  # the urgent contact (15 minutes) is late, the direction (4 hours) is not
    assert rows(sue.get("/agent/?overdue=1").text) == ["Contact the customer and form the task force"]

    ann = browser(app, api, "ann")
    assert rows(ann.get("/agent/?mine=1").text) == []
    claim(ann, task_id(api, "ann", general["id"], "direction"))
    assert rows(ann.get("/agent/?mine=1").text) == ["Tell the customer the handling direction"]
    assert urgent["reference"] not in ann.get("/agent/?mine=1").text


def test_the_inbox_sorts_by_due_time_newest_or_tier(app, api, clock):
    general = api.file(customer="C-1")  # due in 4 hours
    clock.advance(minutes=1)
    urgent = api.file(customer="C-2", **THEFT)  # due in 15 minutes
    ann = browser(app, api, "ann")
    refs = lambda html: re.findall(r'href="/agent/cases/\d+">(C\d+)</a>', html)  # noqa: E731
    assert refs(ann.get("/agent/").text) == [urgent["reference"], general["reference"]]
    assert refs(ann.get("/agent/?sort=newest").text) == [urgent["reference"], general["reference"]]
    assert refs(ann.get("/agent/?sort=tier").text) == [urgent["reference"], general["reference"]]
    clock.advance(minutes=1)
    later = api.file(customer="C-3")
    # The newest first within a priority: the later general case (P3) before the earlier one, after the P1.
    assert refs(ann.get("/agent/?sort=newest").text) == [
        urgent["reference"],
        later["reference"],
        general["reference"],
    ]
    assert refs(ann.get("/agent/?sort=tier").text) == [
        urgent["reference"],
        general["reference"],
        later["reference"],
    ]


def test_the_inbox_pages_by_keyset_and_keeps_its_filters(app, api, clock):
    app.config["INBOX_PAGE_SIZE"] = 2
    made = []
    for n in range(5):
        clock.advance(minutes=1)
        made.append(api.file(customer=f"C-{n}")["reference"])
    for sort in ("due", "newest", "tier"):
        ann, seen, url = browser(app, api, "ann"), [], f"/agent/?sort={sort}"
        while url:
            html = ann.get(url).text
            seen += re.findall(r'href="/agent/cases/\d+">(C\d+)</a>', html)
            found = re.search(r'href="([^"]+)" rel="next"', html)
            url = found.group(1).replace("&amp;", "&") if found else None
            if url:
                assert f"sort={sort}" in url or sort == "due"
        assert sorted(seen) == sorted(made) and len(seen) == 5, sort


def test_the_inbox_ignores_unknown_filter_values_and_mangled_cursors(app, api):
    api.file()
    ann = browser(app, api, "ann")
    for query in (
        "lane=risk",
        "lane=nowhere",
        "tier=<script>",
        "sort=sideways",
        "after=%%%",
        "after=W10",
        "overdue=yes",
    ):
        page = ann.get(f"/agent/?{query}")
        assert page.status_code == 200, query
        assert rows(page.text) == ["Tell the customer the handling direction"], query
        assert "<script>" not in page.text.split("</header>", 1)[1].split("app.js")[-1]


def test_the_inbox_is_for_agents_and_supervisors(app, api):
    for who, status in (("aud", 403), ("pete", 403), ("adam", 403), ("ann", 200), ("sue", 200)):
        assert browser(app, api, who).get("/agent/").status_code == status, who
    anonymous = Browser(app).get("/agent/")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/signin")


# ------------------------------------------------------------------ claim


def test_claiming_takes_the_task_and_opens_its_form(app, api, session):
    case = api.file()
    item = task_id(api, "ann", case["id"], "direction")
    ann = browser(app, api, "ann")
    answer = claim(ann, item)
    assert answer.status_code == 302 and answer.headers["Location"] == f"/agent/tasks/{item}"
    page = ann.get(f"/agent/tasks/{item}").text
    assert "You claimed" in page and 'name="direction"' in page
    fresh(session)
    row = session.get(WorkItem, item)
    assert (row.state, row.assignee_id) == ("claimed", api.users["ann"].id)


def test_claiming_a_task_someone_else_took_first_says_so_and_goes_back_to_the_inbox(app, api, session):
    case = api.file()
    item = task_id(api, "ann", case["id"], "direction")
    claim(browser(app, api, "bob"), item)
    ann = browser(app, api, "ann")
    answer = claim(ann, item)
    assert answer.status_code == 302 and answer.headers["Location"] == "/agent/"
    assert "Someone else claimed" in ann.get("/agent/").text
    fresh(session)
    assert session.get(WorkItem, item).assignee_id == api.users["bob"].id


def test_claiming_twice_is_harmless_and_foreign_or_unknown_tasks_are_not_found(app, api):
    case = api.file(**THEFT)
    contact = task_id(api, "ann", case["id"], "contact")
    ann = browser(app, api, "ann")
    assert claim(ann, contact).headers["Location"] == f"/agent/tasks/{contact}"
    assert claim(ann, contact).headers["Location"] == f"/agent/tasks/{contact}"
    trace = task_id(api, "rita", case["id"], "join the task force (risk)")
    assert claim(ann, trace).status_code == 404  # risk's task: not ann's business
    assert claim(ann, 987654).status_code == 404
    assert ann.post("/agent/tasks/99999999999999999999/claim").status_code == 404


def test_a_claim_without_the_csrf_token_is_refused(app, api, session):
    case = api.file()
    item = task_id(api, "ann", case["id"], "direction")
    answer = browser(app, api, "ann").post(f"/agent/tasks/{item}/claim", csrf=False)
    assert answer.status_code == 400
    fresh(session)
    assert session.get(WorkItem, item).state == "ready"


def test_completed_events_are_audited(app, api, session):
    case = api.file()
    item = task_id(api, "ann", case["id"], "direction")
    ann = browser(app, api, "ann")
    claim(ann, item)
    ann.post(f"/agent/tasks/{item}", {"direction": "We check the fee and call you back tomorrow."})
    fresh(session)
    kinds = session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == case["id"])).all()
    assert "task.claimed" in kinds and "task.completed" in kinds
