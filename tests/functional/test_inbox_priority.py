"""The inbox puts the highest priority first (P1 ... P4, then cases without one) and the chosen sort orders the
tasks within a priority; a re-triage of the priority moves the case's open tasks; the keyset cursor carries
the priority, and a cursor from before that gets a clear 400, on the API and on the agent's page."""

from __future__ import annotations

import base64
import json
import re

import pytest

from engine.cases import retriage
from engine.models import Case
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import PREFIX, start, submission
from web.db import case_engine

TASKS = f"{PREFIX}/tasks"


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def browser(app, api, who: str, language: str = "en") -> Browser:
    return Browser(app, language).as_user(api.users[who].id)


def refs(html: str) -> list[str]:
    body = html.split('id="inbox-tasks"', 1)[1]
    return re.findall(r'href="/agent/cases/\d+">(C\d+)</a>', body)


def task_ids(html: str) -> list[str]:
    body = html.split('id="inbox-tasks"', 1)[1]
    return re.findall(r'<td><a href="/agent/tasks/(\d+)">', body)


def file(api, customer: str, segment: str = "standard", **complaint) -> dict:
    body = submission(customer=customer, **complaint)
    body["customer"]["segment"] = segment
    return api.file(body=body)


def reprioritise(app, api, case: dict, priority: str) -> None:
    with app.test_request_context():
        engine = case_engine()
        row = engine.session.get(Case, case["id"])
        values = {"tier": row.tier, "category": row.category, "reason": "The customer is in hospital"}
        retriage.retriage(engine, case["id"], actor=api.users["sue"], priority=priority, **values)


def priority(api, case_id: int) -> str:
    return api.get(f"{PREFIX}/complaints/{case_id}", "sue").get_json()["priority"]


def old_cursor(rank: int, due: str | None, item_id: int) -> str:
    """A cursor as the inbox handed them out before it ordered by priority."""
    raw = json.dumps([rank, due, item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_higher_priority_comes_before_a_sooner_deadline_and_a_re_triage_moves_it(app, api, clock):
    plain = file(api, "C-1")  # a fee dispute: general, P3, direction due in 4 hours
    clock.advance(minutes=30)
    # The same for an elderly customer: P2, due 30 minutes later.
    elderly = file(api, "C-2", segment="elderly")
    assert [priority(api, c["id"]) for c in (plain, elderly)] == ["P3", "P2"]
    ann = browser(app, api, "ann")
    assert [t["case_id"] for t in api.tasks("ann")] == [elderly["id"], plain["id"]]
    for sort in ("due", "newest", "tier"):
        assert refs(ann.get(f"/agent/?sort={sort}").text) == [elderly["reference"], plain["reference"]], sort

    reprioritise(app, api, plain, "P1")
    assert [t["case_id"] for t in api.tasks("ann")] == [plain["id"], elderly["id"]]
    page = ann.get("/agent/").text
    assert refs(page) == [plain["reference"], elderly["reference"]]
    assert 'class="badge priority-p1">P1</span>' in page


def test_within_a_priority_the_sort_decides(app, api, clock):
    first = file(api, "C-1")  # P3, due first
    clock.advance(minutes=1)
    second = file(api, "C-2")  # P3, due a minute later, newer
    ann = browser(app, api, "ann")
    assert refs(ann.get("/agent/").text) == [first["reference"], second["reference"]]
    assert refs(ann.get("/agent/?sort=newest").text) == [second["reference"], first["reference"]]


@pytest.fixture
def mixed(api, clock):
    """Twelve cases over the priorities and tiers, deadlines not in priority order."""
    made = []
    for n in range(12):
        clock.advance(minutes=7)
        kind = n % 4
        if kind == 0:
            made.append(file(api, f"C-{n}"))  # general P3
        elif kind == 1:
            made.append(file(api, f"C-{n}", segment="high_net_worth"))  # general P2
        elif kind == 2:
            made.append(
                file(api, f"C-{n}", category="business_inquiry", description="How to raise my limit?")
            )
        else:
            made.append(file(api, f"C-{n}", category="card_theft", description="Card stolen", amount=800))
    return made


def test_paging_through_the_api_by_cursor_is_the_whole_list_in_priority_order(api, mixed):
    everything = api.tasks("sue", limit=100)
    assert len(everything) > 12
    priorities = [t["priority"] for t in everything]
    assert priorities == [priority(api, t["case_id"]) for t in everything]
    assert priorities == sorted(priorities) and {"P1", "P2", "P3"} <= set(priorities)
    for limit in (1, 2, 5):
        seen, cursor = [], None
        while True:
            query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            page = api.get(TASKS, "sue", query_string=query).get_json()
            seen += [t["id"] for t in page["items"]]
            cursor = page["next"]
            if cursor is None:
                break
        assert seen == [t["id"] for t in everything], limit


@pytest.mark.parametrize("sort", ["due", "newest", "tier"])
def test_paging_the_agent_page_keeps_the_order_of_one_long_page(app, api, mixed, sort):
    sue = browser(app, api, "sue")
    whole = task_ids(sue.get(f"/agent/?sort={sort}").text)
    app.config["INBOX_PAGE_SIZE"] = 3
    seen, url = [], f"/agent/?sort={sort}"
    while url:
        html = sue.get(url).text
        seen += task_ids(html)
        found = re.search(r'href="([^"]+)" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    # Frontline: 3 urgent contacts, 6 general directions, 3 high-net-worth tailored plans.
    assert seen == whole and len(set(seen)) == len(seen) == 12


def test_a_cursor_from_before_the_priority_order_is_a_clear_400_on_the_api(api, mixed):
    first = api.get(TASKS, "sue", query_string={"limit": 2}).get_json()
    last = first["items"][-1]
    for stale in (old_cursor(0, last["due_at"], last["id"]), old_cursor(0, None, last["id"])):
        response = api.get(TASKS, "sue", query_string={"limit": 2, "cursor": stale})
        assert response.status_code == 400
        body = response.get_json()
        assert body["errors"] == {"cursor": "outdated: ask for the first page again"}
        assert "first page" in body["message"]
    # The cursor it hands out now still works.
    assert api.get(TASKS, "sue", query_string={"limit": 2, "cursor": first["next"]}).status_code == 200


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_page_link_from_before_the_priority_order_says_so_and_shows_the_first_page(
    app, api, mixed, language
):
    sue = browser(app, api, "sue", language)
    first = sue.get("/agent/")
    stale = sue.get(f"/agent/?after={old_cursor(0, None, 5)}")
    assert stale.status_code == 400
    assert refs(stale.text) == refs(first.text)
    notice = {
        "en": "That page link was made before the inbox put the highest priority first",
        "zh": "该翻页链接生成于收件箱按优先级排序之前",
    }[language]
    assert notice in stale.text and notice not in first.text
    # A mangled link is still just the first page.
    assert sue.get("/agent/?after=W10").status_code == 200
