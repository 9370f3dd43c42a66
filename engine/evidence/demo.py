"""Demo evidence: the customer's screenshot and the agent's transfer record on the demo's unauthorised-transfer
case, drawn here (no files shipped), attached through the same checks as any upload. Once only."""

from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.engine import CaseEngine
from engine.clock import Clock
from engine.evidence import attachments
from engine.evidence.store import EvidenceStore
from engine.models import Attachment, Case, Customer

DEMO_CUSTOMER = "C10002"  # the demo complaint about unauthorised transfers (engine/cases/demo.py)


def _picture(lines: list[str], size=(480, 220)) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (250, 250, 247))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0], 36), fill=(22, 72, 140))
    for n, line in enumerate(lines):
        draw.text(
            (16, 10 + n * 34 + (12 if n else 0)), line, fill=(255, 255, 255) if n == 0 else (30, 30, 30)
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _statement_pdf() -> bytes:
    from PIL import Image

    page = _picture(
        [
            "Account statement (extract)",
            "2026-03-02 06:41  Transfer out  -2,000.00",
            "2026-03-02 06:43  Transfer out  -3,000.00",
        ],
        size=(595, 300),
    )
    out = io.BytesIO()
    Image.open(io.BytesIO(page)).convert("RGB").save(out, format="PDF")
    return out.getvalue()


def seed_evidence(session: Session, clock: Clock, store: EvidenceStore) -> int:
    """Attach the demo files to the demo's unauthorised-transfer case (not when it has files); returns how many."""
    case = session.scalars(
        select(Case)
        .join(Customer, Customer.id == Case.customer_id)
        .where(Customer.external_id == DEMO_CUSTOMER)
        .order_by(Case.id)
        .limit(1)
    ).first()
    if case is None or session.scalar(select(Attachment.id).where(Attachment.case_id == case.id).limit(1)):
        return 0
    engine = CaseEngine(session, clock)
    screenshot = _picture(["Bank SMS", "Transfer out 2,000.00 CNY 06:41", "Transfer out 3,000.00 CNY 06:43"])
    attachments.attach(
        engine,
        case.id,
        filename="sms-screenshot.png",
        data=screenshot,
        actor="customer",
        source=attachments.CUSTOMER,
        store=store,
    )
    attachments.attach(
        engine,
        case.id,
        filename="statement-extract.pdf",
        data=_statement_pdf(),
        actor="agent.wang",
        source=attachments.STAFF,
        store=store,
    )
    return 2
