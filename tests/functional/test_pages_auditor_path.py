"""The path's JSON and the deployed diagrams behind the auditor's diagram page, through the Flask test client
(the drawing itself: tests/e2e/test_auditor_path.py)."""

from __future__ import annotations

from engine.cases import demo
from engine.deploy import deployment
from engine.reports.demo import CUSTOMER, seed_closed_case
from tests.functional.pages_support import Browser
from tests.paths import PROCESSES


def closed_case(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="demo", clock=clock)
    demo.seed(session, clock)
    return seed_closed_case(session, clock)


def auditor(app, session) -> Browser:
    from sqlalchemy import select

    from engine.models import User

    return Browser(app).as_user(session.scalar(select(User.id).where(User.username == "auditor.xu")))


def test_the_path_json_names_the_diagrams_and_masks_the_customer(app, session, clock):
    case = closed_case(session, clock)
    browser = auditor(app, session)
    answer = browser.get(f"/auditor/cases/{case.id}/path")
    assert answer.status_code == 200
    path = answer.get_json()
    assert path["case"] == {
        "id": case.id,
        "reference": case.reference,
        "status": "completed",
        "tier": "urgent",
        "process": "complaint",
    }
    urgent = path["processes"]["urgent_path"]
    assert urgent["diagram"] == "/auditor/diagrams/urgent_path/1"
    assert path["processes"]["complaint"]["calls"]["run_urgent_path"] == "urgent_path"
    golden = urgent["elements"]["apply_safeguards_deadline"]
    assert golden["fired"] and golden["attached_to"] == "apply_safeguards" and golden["escalations"]
    [item] = urgent["elements"]["apply_safeguards"]["items"]
    assert (item["completed_by"], item["late_by_seconds"]) == ("ops.chen", 15 * 60)
    # The customer's phone and ID never leave the server unmasked (as on the trace).
    assert CUSTOMER not in answer.text and "13800010013" not in answer.text

    diagram = browser.get(urgent["diagram"])
    assert diagram.status_code == 200 and diagram.mimetype == "application/xml"
    assert b'id="apply_safeguards_deadline"' in diagram.data


def test_unknown_cases_and_versions_are_a_clear_404(app, session, clock):
    closed_case(session, clock)
    browser = auditor(app, session)
    for address in (
        "/auditor/cases/999999/path",
        "/auditor/cases/999999/diagram",
        "/auditor/diagrams/urgent_path/9",
        "/auditor/diagrams/nothing_like_it/1",
    ):
        answer = browser.get(address)
        assert answer.status_code == 404, address


def test_the_heatmap_page_refuses_bad_filters_field_by_field(app, session, clock):
    closed_case(session, clock)
    browser = auditor(app, session)
    for query, field in (
        ("process=nothing_like_it", "process"),
        ("process=general_path&version=7", "version"),
        ("process=general_path&received_from=2026-13-01", "received_from"),
        ("process=general_path&received_from=2026-03-02&received_to=2026-03-01", "received_to"),
        ("process=general_path&tier=platinum", "tier"),
        ("process=general_path&channel=<script>", "channel"),
    ):
        answer = browser.get(f"/auditor/heatmap?{query}")
        assert answer.status_code == 422, query
        assert f'id="error-{field}"' in answer.text and 'id="heatmap"' not in answer.text, query
    shown = browser.get("/auditor/heatmap?process=urgent_path&tier=urgent")
    assert shown.status_code == 200
    assert 'data-element="apply_safeguards"' in shown.text and 'id="heatmap"' in shown.text
    assert browser.get("/auditor/heatmap").status_code == 200  # nothing chosen yet: the form alone


def events_of(session, kind: str) -> list:
    from sqlalchemy import select

    from engine.models import AuditEvent

    session.rollback()
    return session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)).all()


def test_an_auditor_exports_a_record_with_a_reason_and_the_export_is_audited(app, session, clock):
    case = closed_case(session, clock)
    browser = auditor(app, session)
    assert browser.get(f"/auditor/cases/{case.id}").text.count(f"/auditor/cases/{case.id}/export") == 1
    form = browser.get(f"/auditor/cases/{case.id}/export")
    assert form.status_code == 200 and 'name="reason"' in form.text

    answer = browser.post(
        f"/auditor/cases/{case.id}/export", {"format": "json", "reason": "CBIRC request 2026-118"}
    )
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="case-{case.reference}.json"'
    record = answer.get_json()
    assert record["case"]["reference"] == case.reference and record["proof"]["intact"]
    assert record["exported_by"] == "auditor.xu"
    pdf = browser.post(f"/auditor/cases/{case.id}/export", {"format": "pdf", "reason": "The same, on paper"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    exported = events_of(session, "case.exported")
    assert [(e.case_id, e.actor, e.payload["format"], e.payload["reason"]) for e in exported] == [
        (case.id, "auditor.xu", "json", "CBIRC request 2026-118"),
        (case.id, "auditor.xu", "pdf", "The same, on paper"),
    ]


def test_an_export_without_a_good_reason_or_format_is_refused_and_not_audited(app, session, clock):
    case = closed_case(session, clock)
    browser = auditor(app, session)
    for form, field in (
        ({"format": "pdf", "reason": "   "}, "reason"),
        ({"format": "pdf", "reason": "x" * 501}, "reason"),
        ({"format": "pdf", "reason": "bell\x07"}, "reason"),
        ({"format": "docx", "reason": "a request"}, "format"),
    ):
        answer = browser.post(f"/auditor/cases/{case.id}/export", form)
        assert answer.status_code == 422 and f'id="{field}-error"' in answer.text, form
    assert browser.post("/auditor/cases/999999/export", {"format": "pdf", "reason": "r"}).status_code == 404
    assert events_of(session, "case.exported") == []


def test_a_message_that_arrived_is_done_and_not_a_fired_timer(app, session, clock):
    from sqlalchemy import select

    from engine.models import Case

    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="demo", clock=clock)
    demo.seed(session, clock)
    demo.seed_complaints(session, clock)  # the ninth demo customer accepts the knowledge-base answer
    accepted = session.scalar(select(Case).where(Case.description.like("%周末营业%")))
    path = auditor(app, session).get(f"/auditor/cases/{accepted.id}/path").get_json()
    advisory = path["processes"]["advisory_path"]["elements"]
    assert advisory["answer_accepted"]["completed"] == 1 and not advisory["answer_accepted"]["fired"]
    assert "no_reply" not in advisory or not advisory["no_reply"]["fired"]
