"""Staff notifications in the app: who sees which notice, unread counts in the navigation, paging, Chinese."""

from __future__ import annotations

import re

import pytest

from engine.models import OutboxMessage
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import start


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def browser(app, api, who: str, language: str = "en") -> Browser:
    return Browser(app, language).as_user(api.users[who].id)


def nav_badge(html: str) -> str | None:
    found = re.search(r'href="/agent/notices"[^>]*>[^<]*<span class="count"[^>]*>([^<]+)</span>', html)
    return found.group(1) if found else None


def sentences(html: str) -> list[str]:
    items = re.findall(r"<li[^>]*>\s*<p>(.*?)</p>", html.split('<ol class="notices">', 1)[-1], re.S)
    return [re.sub(r"<[^>]+>", "", item).replace("New ", "").strip() for item in items]


def notice(session, clock, recipient: str, template: str, case_id=None, **payload) -> None:
    session.add(
        OutboxMessage(
            case_id=case_id,
            channel="inbox",
            recipient=recipient,
            template=template,
            payload=payload,
            created_at=clock(),
            next_attempt_at=clock(),
        )
    )
    session.commit()


def test_the_owner_is_told_of_a_repeat_complaint_and_the_badge_clears_once_seen(app, api):
    case = api.file()
    direction = api.task_named("ann", case["id"], "direction")["id"]
    assert browser(app, api, "ann").post(f"/agent/tasks/{direction}/claim").status_code in (
        302,
        303,
    )  # owner now
    api.file()  # the same complaint again: it joins Ann's case
    page = browser(app, api, "ann")
    inbox = page.get("/agent/").text
    assert nav_badge(inbox) == "1"
    notices = page.get("/agent/notices")
    assert notices.status_code == 200
    assert sentences(notices.text) == ["A repeat complaint came in by Phone and was joined to this case."]
    assert 'class="is-unread"' in notices.text
    assert f'href="/agent/cases/{case["id"]}">Case {case["reference"]}</a>' in notices.text
    again = page.get("/agent/notices").text
    assert "is-unread" not in again and nav_badge(again) is None
    assert nav_badge(page.get("/agent/").text) is None
    # Bob works the same lane but the notice was Ann's alone.
    assert "No notifications yet." in browser(app, api, "bob").get("/agent/notices").text


def test_lane_role_and_head_addresses_reach_the_people_they_name_and_nobody_else(app, api, session, clock):
    notice(session, clock, "lane:risk", "lane_result", task="Trace the funds 资金追踪", lane="risk")
    notice(
        session,
        clock,
        "role:supervisor",
        "task_overdue",
        task="Tell the direction 告知方向",
        lane="frontline",
    )
    notice(session, clock, "head:frontline", "regulatory_breach", due_at="2026-03-20T09:00:00+00:00")
    notice(session, clock, f"user:{api.users['bob'].id}", "customer_survey")
    seen = {
        who: sentences(browser(app, api, who).get("/agent/notices").text) for who in ("rita", "sue", "ann")
    }
    assert seen["rita"] == ["Risk finished “Trace the funds”."]
    assert seen["sue"] == [  # newest first; Sue supervises and heads the frontline
        "The regulatory decision date has passed (2026-03-20 17:00).",
        "“Tell the direction” (Frontline) is overdue.",
    ]
    assert seen["ann"] == []


def test_notices_page_thirty_at_a_time_newest_first(app, api, session, clock):
    for n in range(35):
        notice(session, clock, f"user:{api.users['ann'].id}", "customer_information", preview=f"note {n}")
    page = browser(app, api, "ann")
    assert nav_badge(page.get("/agent/").text) == "35"
    first = page.get("/agent/notices").text
    shown = sentences(first)
    assert len(shown) == 30 and shown[0].endswith("note 34") and shown[-1].endswith("note 5")
    older = re.search(r'href="(/agent/notices\?before=\d+)"', first).group(1)
    rest = page.get(older).text
    assert [s.rsplit(" ", 1)[-1] for s in sentences(rest)] == ["4", "3", "2", "1", "0"]
    assert 'href="/agent/notices">Newest notifications</a>' in rest and "Older notifications" not in rest
    assert page.get("/agent/notices?before=-3").status_code == 200  # a mangled link starts from the newest


def test_the_unread_count_stops_at_99_plus(app, api, session, clock):
    for _ in range(120):
        notice(session, clock, "lane:frontline", "customer_survey")
    assert nav_badge(browser(app, api, "ann").get("/agent/").text) == "99+"


def test_notices_read_in_chinese(app, api, session, clock):
    notice(
        session,
        clock,
        f"user:{api.users['ann'].id}",
        "task_reassigned",
        task="Tell the direction 告知方向",
        by="sue",
        reason="Ann is on leave",
    )
    page = browser(app, api, "ann", language="zh_CN").get("/agent/notices").text
    assert "通知" in page and "sue 将“告知方向”转派给您。原因：Ann is on leave" in page
