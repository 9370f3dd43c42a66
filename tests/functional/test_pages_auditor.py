"""The auditor's case search: by reference, customer, received days, tier and status, a keyset page at a time."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from engine.models import AuditEvent, Case
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import start, submission
from web.auditor.queries import _successor, normalise_phone

SEARCH = "/auditor/"


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def file(api, customer: str, phone: str, name: str = "Zhang San", **complaint) -> dict:
    body = submission(customer=customer, **complaint)
    body["customer"].update(phone=phone, name=name)
    return api.file(body=body)


def auditor(app, api, language: str = "en") -> Browser:
    return Browser(app, language=language).as_user(api.users["aud"].id)


def references(html: str) -> list[str]:
    return re.findall(r'href="/auditor/cases/\d+"><code>(\w+)</code>', html)


def test_the_latest_cases_come_first_with_the_customer_masked_and_a_link_to_each_trace(app, api):
    first = file(api, "C-100", "13800001111", name="Li Lei")
    second = file(api, "C-200", "13900002222", name="Han Meimei", category="service_attitude")

    page = auditor(app, api).get(SEARCH)

    assert page.status_code == 200
    assert references(page.text) == [second["reference"], first["reference"]]
    assert f'href="/auditor/cases/{first["id"]}"' in page.text
    assert "Li Lei" in page.text and "138****1111" in page.text and "139****2222" in page.text
    assert "13800001111" not in page.text and "C-100" not in page.text
    assert "Latest cases" in page.text and "Audit log verification" in page.text


def test_a_reference_finds_its_case_whole_or_by_its_beginning(app, api, clock):
    one = file(api, "C-1", "13800000001")
    clock.advance(days=1)
    two = file(api, "C-2", "13800000002")
    browser = auditor(app, api)

    assert references(browser.get(SEARCH, query_string={"reference": one["reference"]}).text) == [
        one["reference"]
    ]
    # Typed in lower case with spaces, the start of the second day's references finds only that day's case.
    prefix = " " + two["reference"][:9].lower() + " "
    assert references(browser.get(SEARCH, query_string={"reference": prefix}).text) == [two["reference"]]
    assert references(browser.get(SEARCH, query_string={"reference": "C2026"}).text) == [
        two["reference"],
        one["reference"],
    ]
    missing = browser.get(SEARCH, query_string={"reference": "C1999"})
    assert missing.status_code == 200 and "No case matches this search." in missing.text


@pytest.mark.parametrize(
    "query",
    ["C-300", "13812340000", "138 1234 0000", "+86 138-1234-0000", "wang", "Wang Wu"],
    ids=["external-id", "phone", "phone-spaced", "phone-country-code", "name-start", "name"],
)
def test_a_customer_is_found_by_id_phone_or_the_start_of_their_name(app, api, query):
    wanted = file(api, "C-300", "13812340000", name="Wang Wu")
    file(api, "C-301", "13812349999", name="Zhao Liu")

    page = auditor(app, api).get(SEARCH, query_string={"customer": query})

    assert references(page.text) == [wanted["reference"]]
    results = page.text[page.text.index('id="results-heading"') :]  # what was typed stays in the form
    assert "138****0000" in results and "13812340000" not in results


def test_a_phone_number_must_be_whole(app, api):
    file(api, "C-300", "13812340000")
    page = auditor(app, api).get(SEARCH, query_string={"customer": "1381234"})
    assert references(page.text) == [] and "No case matches this search." in page.text


def test_received_days_are_the_banks_days(app, api, clock):
    # 2026-03-02 01:00 UTC is 09:00 in Shanghai; 15:30 UTC is 23:30 there, still 2 March; 16:30 UTC is 3 March.
    morning = file(api, "C-1", "13800000001")
    clock.advance(hours=14, minutes=30)
    late_evening = file(api, "C-2", "13800000002")
    clock.advance(hours=1)
    next_day = file(api, "C-3", "13800000003")
    browser = auditor(app, api)

    def found(**query):
        return references(browser.get(SEARCH, query_string=query).text)

    assert found(received_from="2026-03-02", received_to="2026-03-02") == [
        late_evening["reference"],
        morning["reference"],
    ]
    assert found(received_from="2026-03-03") == [next_day["reference"]]
    assert found(received_to="2026-03-01") == []


def test_tier_and_status_narrow_the_list(app, api, session):
    general = file(api, "C-1", "13800000001")
    urgent = file(api, "C-2", "13800000002", description="My card was stolen", category="card_theft")
    session.execute(Case.__table__.update().where(Case.id == general["id"]).values(status="completed"))
    session.commit()
    browser = auditor(app, api)

    def found(**query):
        return references(browser.get(SEARCH, query_string=query).text)

    assert found(tier="urgent") == [urgent["reference"]]
    assert found(status="completed") == [general["reference"]]
    assert found(tier="urgent", status="completed") == []
    assert found(tier="general", customer="C-1") == [general["reference"]]


def test_pages_follow_the_case_ids_both_ways_without_offset(app, api, db):
    filed = [file(api, f"C-{n}", f"138000000{n:02d}")["reference"] for n in range(28)]
    newest_first = filed[::-1]
    browser = auditor(app, api)
    statements = []

    def remember(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    engine = app.extensions["database"].engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        first = browser.get(SEARCH)
        older = re.search(r'href="(/auditor/\?before=\d+)" rel="next"', first.text).group(1)
        second = browser.get(older)
        newer = re.search(r'href="(/auditor/\?after=\d+)" rel="prev"', second.text).group(1)
        back = browser.get(newer)
    finally:
        event.remove(engine, "before_cursor_execute", remember)

    assert references(first.text) == newest_first[:25] and 'rel="prev"' not in first.text
    assert references(second.text) == newest_first[25:] and 'rel="next"' not in second.text
    assert references(back.text) == newest_first[:25]
    # SQLite's dialect always writes "OFFSET ?"; it must be 0 (PostgreSQL's writes none when there is none).
    offsets = [params[-1] for sql, params in statements if "OFFSET" in sql.upper()]
    assert set(offsets) <= {0}


def test_the_filters_stay_on_the_page_links(app, api):
    for n in range(27):
        file(api, f"C-{n}", f"138000000{n:02d}", category="fee_dispute")
    page = auditor(app, api).get(SEARCH, query_string={"tier": "general", "reference": "C2026"})
    link = re.search(r'href="(/auditor/\?[^"]+)" rel="next"', page.text).group(1).replace("&amp;", "&")
    assert "tier=general" in link and "reference=C2026" in link and "before=" in link


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"received_from": "02/03/2026"}, "received_from", "Enter a date like 2026-03-02."),
        ({"received_to": "2026-02-30"}, "received_to", "Enter a date like 2026-03-02."),
        ({"received_from": "0001-01-01"}, "received_from", "Enter a date like 2026-03-02."),
        (
            {"received_from": "2026-03-05", "received_to": "2026-03-01"},
            "received_to",
            "The last day comes before the first day.",
        ),
        ({"tier": "platinum"}, "tier", "Choose one of the options."),
        ({"status": "closed; DROP TABLE cases"}, "status", "Choose one of the options."),
        ({"reference": "C2026%"}, "reference", "A case reference has only letters and digits"),
        ({"reference": "C" * 33}, "reference", "Use at most 32 characters."),
        ({"customer": "x" * 201}, "customer", "Use at most 200 characters."),
        ({"before": "abc"}, None, "This page link is not valid."),
        ({"after": "-5"}, None, "This page link is not valid."),
        ({"before": "9" * 40}, None, "This page link is not valid."),
    ],
)
def test_bad_input_is_refused_by_field_and_the_form_shown_again(app, api, query, field, message):
    file(api, "C-1", "13800000001")
    page = auditor(app, api).get(SEARCH, query_string=query)
    assert page.status_code == 422
    assert "Please correct the fields marked below." in page.text and message in page.text
    if field is not None:
        assert f'class="field has-error"><label for="{field}">' in page.text.replace("\n    ", "")
    assert references(page.text) == []  # no results under a form with errors
    assert 'name="reference"' in page.text  # the form is there to correct


def test_a_bad_value_is_shown_back_escaped(app, api):
    page = auditor(app, api).get(SEARCH, query_string={"customer": '<script>alert("x")</script>'})
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text


def test_supervisors_search_too_but_are_not_offered_the_audit_log(app, api):
    wanted = file(api, "C-1", "13800000001")
    page = Browser(app).as_user(api.users["sue"].id).get(SEARCH)
    assert page.status_code == 200 and references(page.text) == [wanted["reference"]]
    assert "/auditor/chain" not in page.text


def test_searching_changes_nothing(app, api, session):
    file(api, "C-1", "13800000001")
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    browser = auditor(app, api)
    browser.get(SEARCH, query_string={"customer": "C-1"})
    browser.get(SEARCH, query_string={"tier": "nonsense"})
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_search_page_reads_in_chinese(app, api):
    file(api, "C-1", "13800000001")
    page = auditor(app, api, language="zh_CN").get(SEARCH)
    assert "查找案件" in page.text and "最新案件" in page.text and "一般" in page.text
    bad = auditor(app, api, language="zh_CN").get(SEARCH, query_string={"received_from": "x"})
    assert "请输入日期，格式如 2026-03-02。" in bad.text


def test_an_empty_system_says_so(app, api):
    page = auditor(app, api).get(SEARCH)
    assert page.status_code == 200 and "There are no cases yet." in page.text


@pytest.mark.parametrize(
    ("prefix", "after"),
    [("C2026", "C2027"), ("C2029", "C202A"), ("C20Z", "C21"), ("ZZ", None), ("C", "D")],
)
def test_a_reference_prefix_ends_where_its_letters_and_digits_do(prefix, after):
    assert _successor(prefix) == after


def test_phone_numbers_are_compared_as_the_bank_keeps_them():
    assert normalise_phone("+86 138-1234-0000") == "13812340000"
    assert normalise_phone("0086 13812340000") == "13812340000"
    assert normalise_phone("(021) 5555 1234") == "02155551234"
