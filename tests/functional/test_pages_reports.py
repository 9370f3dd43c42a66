"""The figures' pages: the dashboard's numbers over real cases, the cases behind a number, who sees what."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from tests.functional.pages_support import Browser
from tests.functional.test_api_support import PREFIX, start

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def world(app, session, clock):
    api = start(app, session, clock)
    cases = [api.file(description=f"Annual fee charged twice, card {n}", customer=f"C-{n}") for n in range(3)]
    task = api.claimed("ann", cases[0]["id"], "direction")
    done = api.post(
        f"{PREFIX}/tasks/{task['id']}/complete", "ann", json={"data": {"direction": "We check the fee"}}
    )
    assert done.status_code == 200, done.get_json()
    return api, cases


def browse(app, api, who: str) -> Browser:
    return Browser(app).as_user(api.users[who].id)


def link(html: str, figure: str, column: str, group: str = "") -> str:
    """The address a number of the dashboard links to."""
    for href in re.findall(r'href="([^"]+)"', html):
        href = unescape(href)
        if f"figure={figure}&" in href and f"column={column}&" in href and f"group={group}&" in href:
            return href
    raise AssertionError(f"no link to {figure}/{column}/{group}")


def references(html: str) -> list[str]:
    return sorted(set(re.findall(r"C2026\d{11}", html)))


def test_the_dashboard_counts_the_cases_and_each_number_opens_them(app, world):
    api, cases = world
    page = browse(app, api, "sue").get("/reports/", query_string=MARCH)
    assert page.status_code == 200
    html = page.text
    assert 'data-chart="line"' in html and "build/reports.js" in html
    general = browse(app, api, "sue").get(link(html, "volume_tier", "cases", "general"))
    assert references(general.text) == sorted(c["reference"] for c in cases)
    answered = browse(app, api, "sue").get(link(html, "first_response", "within_limit", "general"))
    assert references(answered.text) == [cases[0]["reference"]]
    assert f"/auditor/cases/{cases[0]['id']}" in answered.text


def test_a_long_list_behind_a_number_comes_in_pages(app, world, monkeypatch):
    from web.reports import routes

    api, cases = world
    monkeypatch.setattr(routes, "CASES_SHOWN", 2)
    sue = browse(app, api, "sue")
    html = sue.get("/reports/", query_string=MARCH).text
    first = sue.get(link(html, "volume_tier", "cases", "general")).text
    listed = references(first)
    assert len(listed) == 2 and "Only the first 2 are listed." in first
    following = unescape(re.search(r'href="([^"]*after=[^"]*)"', first).group(1))
    rest = sue.get(following).text
    assert references(rest) == sorted(set(c["reference"] for c in cases) - set(listed))
    assert "1 more case." in rest and "The next 2 cases" in first and "The next 2 cases" not in rest


def test_a_range_with_no_complaints_shows_no_numbers_to_open(app, world):
    api, _ = world
    html = (
        browse(app, api, "aud").get("/reports/", query_string={"from": "2026-01-01", "to": "2026-01-31"}).text
    )
    assert "figure=volume_tier" not in html
    assert "Nothing in these days." in html


def test_the_manager_sees_figures_and_references_but_no_customer_data(app, world):
    api, cases = world
    manager = browse(app, api, "mia")
    html = manager.get("/reports/", query_string=MARCH).text
    listed = manager.get(link(html, "volume_tier", "cases", "general")).text
    assert references(listed) == sorted(c["reference"] for c in cases)
    for private in ("Zhang San", "13812345678", "Annual fee", "/auditor/cases/"):
        assert private not in html and private not in listed


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "f-to-error"),
        ({"from": "yesterday"}, "f-from-error"),
        ({"tier": "vip"}, "f-tier-error"),
    ],
)
def test_a_bad_filter_is_named_and_nothing_is_computed(app, world, query, field):
    api, _ = world
    page = browse(app, api, "sue").get("/reports/", query_string=query)
    assert page.status_code == 422
    assert f'id="{field}"' in page.text


def test_an_unknown_figure_is_not_found(app, world):
    api, _ = world
    sue = browse(app, api, "sue")
    assert (
        sue.get("/reports/cases", query_string={"figure": "salaries", "column": "cases"}).status_code == 404
    )
    assert sue.get("/reports/cases", query_string={"figure": "volume_tier", "column": "x"}).status_code == 404


def test_the_monthly_review_downloads_as_pdf_xlsx_and_html(app, world):
    api, _ = world
    sue = browse(app, api, "sue")
    listing = sue.get("/reports/monthly")
    assert "/reports/monthly/2026-03.pdf" in listing.text
    pdf = sue.client.get("/reports/monthly/2026-03.pdf")  # bytes: not through the page helper
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="monthly-review-2026-03.pdf"'
    book = load_workbook(io.BytesIO(sue.client.get("/reports/monthly/2026-03.xlsx").data))
    assert book["Figures"]["B2"].value == "3"  # three complaints received in March
    html = sue.get("/reports/monthly/2026-03.html").text
    assert "2026-03" in html and "<script" not in html


@pytest.mark.parametrize("path", ["/reports/monthly/2026-13.pdf", "/reports/monthly/2026-03.exe"])
def test_a_month_or_format_that_does_not_exist_is_not_found(app, world, path):
    api, _ = world
    assert browse(app, api, "sue").get(path).status_code == 404


def test_the_regulatory_tables_count_by_class_and_open_their_cases(app, world):
    api, cases = world
    sue = browse(app, api, "sue")
    html = sue.get("/reports/regulatory", query_string={**MARCH, "half": "2026-H1"}).text
    assert "JR/T 0169-2018" in html
    # every case came by phone, about a bank card, and is still waiting for its decision
    listed = sue.get(link(html, "jrt_a", "outstanding", "phone")).text
    assert references(listed) == sorted(c["reference"] for c in cases)
    received = sue.get(link(html, "fca_return", "received", "bank_card")).text
    assert references(received) == sorted(c["reference"] for c in cases)


def test_a_half_year_that_is_not_yyyy_hn_is_named(app, world):
    api, _ = world
    page = browse(app, api, "sue").get("/reports/regulatory", query_string={"half": "2026-H3"})
    assert page.status_code == 422 and 'id="f-half-error"' in page.text
