"""Evidence over the API, every answer held to the OpenAPI document: staff attach, list and download; auditors
list and download; a customer attaches with the tracking code; refused files are 422 naming the field."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from engine.models import Attachment, Case, CaseStatus
from tests.conftest import fresh
from tests.functional.test_api_support import PREFIX, start
from tests.unit.test_evidence import jpeg_with_location, pdf, png


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


@pytest.fixture
def case(api):
    return api.file()


def send(api, url: str, who: str | None, data: bytes, name: str = "receipt.jpg"):
    headers = api.auth(who) if who else {}
    return api.client.post(url, headers=headers, data={"file": (io.BytesIO(data), name)})


def test_staff_attach_list_and_download_evidence(api, case):
    url = f"{PREFIX}/complaints/{case['id']}/evidence"
    created = send(api, url, "ann", jpeg_with_location())
    assert created.status_code == 201
    attached = created.get_json()
    assert (attached["filename"], attached["content_type"], attached["source"]) == (
        "receipt.jpg",
        "image/jpeg",
        "staff",
    )
    listed = api.get(url, "aud").get_json()["items"]
    assert [a["id"] for a in listed] == [attached["id"]]
    got = api.get(f"{url}/{attached['id']}", "aud")
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(got.data).hexdigest() == attached["sha256"]
    assert b"SpyCam" not in got.data


def test_who_may_not_attach_or_see(api, case):
    url = f"{PREFIX}/complaints/{case['id']}/evidence"
    assert send(api, url, "aud", png()).status_code == 403  # auditors only read
    assert send(api, url, "rita", png()).status_code == 404  # risk has nothing of this case
    assert api.get(url, "rita").status_code == 404
    assert send(api, url, None, png()).status_code == 401
    attached = send(api, url, "ann", png()).get_json()
    other = api.file(customer="C-2", description="Another fee charged twice")
    wrong = f"{PREFIX}/complaints/{other['id']}/evidence/{attached['id']}"
    assert api.get(wrong, "sue").status_code == 404


def test_refused_files_are_422_naming_the_file_and_nothing_is_kept(api, case, session):
    url = f"{PREFIX}/complaints/{case['id']}/evidence"
    for data, words in ((b"<svg onload=alert(1)>", "not accepted"), (pdf("embedded"), "active content")):
        refused = send(api, url, "ann", data, "x.pdf")
        assert refused.status_code == 422
        assert words in refused.get_json()["errors"]["file"]
    missing = api.client.post(url, headers=api.auth("ann"), data={})
    assert missing.status_code == 422 and missing.get_json()["errors"]["file"] == "no file was sent"
    fresh(session)
    assert session.scalars(select(Attachment)).all() == []


def test_the_customer_attaches_with_the_tracking_code(api, case, session):
    url = f"{PREFIX}/track/{case['tracking_code']}/evidence"
    created = send(api, url, None, pdf(), "statement.pdf")
    assert created.status_code == 201
    assert created.get_json()["filename"] == "statement.pdf"
    assert send(api, f"{PREFIX}/track/nonsense/evidence", None, pdf()).status_code == 404
    fresh(session)
    [row] = session.scalars(select(Attachment)).all()
    assert (row.source, row.uploaded_by) == ("customer", "customer")
    session.get(Case, case["id"]).status = CaseStatus.COMPLETED
    session.commit()
    assert send(api, url, None, pdf(), "late.pdf").status_code == 409


def test_a_body_over_the_limit_is_413_before_it_is_read(app, api, case, session):
    app.config["ATTACHMENT_MAX_BYTES"] = 100 * 1024
    for url, who in (
        (f"{PREFIX}/complaints/{case['id']}/evidence", "ann"),
        (f"{PREFIX}/track/{case['tracking_code']}/evidence", None),
    ):
        answer = send(api, url, who, png() + b"\0" * 300_000)
        assert answer.status_code == 413 and answer.get_json()["code"] == "payload_too_large"
    fresh(session)
    assert session.scalars(select(Attachment)).all() == []
