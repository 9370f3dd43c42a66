"""The deployed process versions and uploading a bundle through the page: all or nothing, problems named."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from engine.models import ProcessVersion
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import PROCESSES, start
from tests.paths import DATA


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def versions(session) -> int:
    fresh(session)
    return session.scalar(select(func.count()).select_from(ProcessVersion))


def upload(browser: Browser, files: list[tuple[str, bytes]]):
    return browser.post(
        "/admin/processes",
        {"files": [(io.BytesIO(content), name) for name, content in files]},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("who", ["adam", "pete"])
def test_admins_and_process_owners_see_every_deployed_version(app, api, who):
    page = Browser(app).as_user(api.users[who].id).get("/admin/processes")
    assert page.status_code == 200
    assert "<code>complaint</code>" in page.text and "v1" in page.text and "current" in page.text


def test_a_refused_bundle_names_file_and_element_and_deploys_nothing(app, api, session):
    before = versions(session)
    browser = Browser(app).as_user(api.users["pete"].id)
    answer = upload(browser, [("bad_timers.bpmn", (DATA / "validation" / "bad_timers.bpmn").read_bytes())])
    assert answer.status_code == 422
    assert "Nothing was deployed." in answer.text and "<code>bad_timers.bpmn</code>" in answer.text
    assert versions(session) == before


def test_a_good_bundle_is_deployed_and_listed(app, session, clock):
    api = start(app, session, clock, deploy=False)
    browser = Browser(app).as_user(api.users["pete"].id)
    assert "No process is deployed yet." in browser.get("/admin/processes").text
    files = [
        (p.name, p.read_bytes())
        for p in sorted(PROCESSES.rglob("*"))
        if p.suffix in (".bpmn", ".dmn", ".json")
    ]
    assert upload(browser, files).status_code == 302
    page = browser.get("/admin/processes").text
    assert "Deployed " in page and "running cases stay on their version" in page
    assert "<code>complaint</code>" in page and "<td>pete</td>" in page
    assert versions(session) > 0


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([], "Choose one or more .bpmn, .dmn or .json files."),
        ([("notes.txt", b"hello")], "notes.txt is not a .bpmn, .dmn or .json file."),
    ],
)
def test_an_upload_without_diagram_files_is_refused(app, api, session, files, message):
    before = versions(session)
    answer = upload(Browser(app).as_user(api.users["adam"].id), files)
    assert answer.status_code == 422 and message in answer.text
    assert versions(session) == before


def test_an_oversized_upload_is_refused(app, api, session):
    app.config["PROCESS_UPLOAD_MAX_BYTES"] = 1000
    answer = upload(Browser(app).as_user(api.users["adam"].id), [("big.bpmn", b"<x/>" * 1000)])
    assert answer.status_code == 413 and "too large" in answer.text
