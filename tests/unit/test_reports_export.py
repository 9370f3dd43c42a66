"""A case's record for a regulator (engine/reports/export*.py): everything in it, the chain's proof that holds
for untouched events and names a tampered one, and the same record as a PDF."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import datetime

import pytest
from sqlalchemy import update

from engine import audit
from engine.cases import demo
from engine.deploy import deployment
from engine.models import AuditEvent
from engine.reports.demo import CUSTOMER, seed_closed_case
from engine.reports.export import case_record
from engine.reports.export_pdf import record_pdf
from tests.paths import PROCESSES


@pytest.fixture
def closed(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="demo", clock=clock)
    demo.seed(session, clock)
    return seed_closed_case(session, clock)


def test_the_record_holds_the_case_path_tasks_data_notices_and_every_event(session, clock, closed):
    record = case_record(session, closed.id, now=clock(), exported_by="auditor.xu")
    assert record["case"]["reference"] == closed.reference and record["case"]["status"] == "completed"
    assert record["customer"]["external_id"] == CUSTOMER  # in full: a regulator gets the numbers
    assert record["path"]["urgent_path"]["elements"]["apply_safeguards_deadline"]["completed"] == 1
    assert "general_path" not in record["path"]  # never reached
    assert [t["element"] for t in record["tasks"]][:3] == [
        "contact_customer",
        "join_operations",
        "join_risk",
    ]
    late = next(t for t in record["tasks"] if t["element"] == "apply_safeguards")
    assert (late["completed_by"], late["late_by_seconds"]) == ("ops.chen", 15 * 60)
    assert record["data"]["account"] == "6222020200114455" and record["data"]["satisfaction"] == 5
    assert {(n["channel"], n["template"]) for n in record["notices"]} >= {("sms", "result_notice")}
    assert any(e["step"] for e in record["escalations"])
    kinds = [e["kind"] for e in record["events"]]
    assert kinds[0] == "case.started" and "timer.fired" in kinds and kinds[-1] == "case.completed"
    assert [e["seq"] for e in record["events"]] == sorted(e["seq"] for e in record["events"])
    proof = record["proof"]
    assert proof["intact"] and proof["broken"] == [] and proof["events"] == len(record["events"])
    assert proof["log_head"]["seq"] >= record["events"][-1]["seq"]
    # The proof can be checked from the record alone: each hash from the event and the hash it links to.
    first = record["events"][0]
    payload = audit.normalise(first["payload"])
    at = datetime.fromisoformat(first["occurred_at"])
    assert (
        audit.event_hash(
            first["prev_hash"], first["seq"], at, first["actor"], first["kind"], closed.id, payload
        )
        == (first["hash"])
    )


def test_a_tampered_event_is_named_in_the_proof(session, clock, closed):
    record = case_record(session, closed.id, now=clock(), exported_by="auditor.xu")
    victim = next(e for e in record["events"] if e["kind"] == "task.completed")
    session.execute(
        update(AuditEvent)
        .where(AuditEvent.seq == victim["seq"])
        .values(payload={"changes": {}, "task": "forged"})
    )
    session.commit()
    again = case_record(session, closed.id, now=clock(), exported_by="auditor.xu")
    assert not again["proof"]["intact"] and again["proof"]["broken"] == [victim["seq"]]


def pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages: every content stream inflated, every string shown decoded."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = stream.strip()
        data = zlib.decompress(base64.a85decode(data[:-2] if data.endswith(b"~>") else data))
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data, re.S):
            raw = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), literal)
            raw = re.sub(rb"\\(.)", rb"\1", raw)
            shown.append(
                raw.decode("utf-16-be", errors="replace")
                if raw[:1] == b"\x00" or len(raw) % 2 == 0
                else raw.decode("latin-1")
            )
    return "".join(shown)


def test_the_pdf_shows_the_case_its_events_and_their_hashes(session, clock, closed):
    record = case_record(session, closed.id, now=clock(), exported_by="auditor.xu")
    pdf = record_pdf(record)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = pdf_text(pdf)
    assert closed.reference in text and "案件记录" in text
    assert "apply_safeguards_deadline" in text
    compact = text.replace(" ", "")
    for event in record["events"]:
        assert event["hash"] in compact, event["seq"]
