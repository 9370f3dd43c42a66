"""The studio's pictures for the README (called by ``screenshots.py`` with its browser and demo database).

A draft of the general path gets a shorter direction deadline and loses a flow's condition, so the editor shows
a failing check drawn on the flow (in English and in Chinese); the condition is put back for the compare,
history and try pictures; the draft is then deployed so that the move of the waiting cases can be checked.
"""

from __future__ import annotations

from sqlalchemy import select

from engine.models import ProcessVersion
from engine.studio import drafts

CONDITION = (
    b'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">route == "none"</bpmn:conditionExpression>'
)


def shoot_studio(base: str, app, page_for, capture, out, saved: list) -> None:
    clock = app.config["CLOCK"]
    with app.extensions["database"].session() as session:
        general = session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "general_path"))
        complaint_v1 = session.scalar(
            select(ProcessVersion.id).where(ProcessVersion.process_key == "complaint")
        )
        draft = drafts.create(
            session,
            clock,
            version_id=general.id,
            actor="owner.huang",
            title="General: direction within 8 hours",
        )
        original = dict(drafts.files_of(drafts.get(session, draft.id, with_content=True)))["general.bpmn"]
        # Longer than the 4 hours of v1: the cases v1 escalated after 4 hours would not be escalated yet.
        shorter = original.replace(b'"PT4H"', b'"PT8H"')
        drafts.save(
            session,
            clock,
            draft.id,
            revision=1,
            files={"general.bpmn": shorter.replace(CONDITION, b"")},
            actor="owner.huang",
        )

    owner_zh = page_for("zh-CN", "owner.huang")
    capture(owner_zh, "/owner/", "owner-studio-zh")
    owner = page_for("en-US", "owner.huang")
    owner.goto(f"{base}/owner/drafts/{draft.id}?file=general.bpmn&element=flow_which_route_to_settled")
    owner.wait_for_selector("#studio[data-ready=true]")
    owner.locator(".bio-properties-panel-group-header", has_text="What the engine reads").click()
    owner.wait_for_timeout(600)  # bpmnlint runs after a short pause
    _save(owner, out / "owner-editor-en.png", saved)
    # The same in Chinese: the modelers' words, the check and bpmnlint's advice in the page's language.
    owner_zh.goto(f"{base}/owner/drafts/{draft.id}?file=general.bpmn&element=flow_which_route_to_settled")
    owner_zh.wait_for_selector("#studio[data-ready=true]")
    owner_zh.locator(".bio-properties-panel-group-header", has_text="引擎读取的属性").click()
    owner_zh.wait_for_timeout(600)
    _save(owner_zh, out / "owner-editor-zh.png", saved)

    with app.extensions["database"].session() as session:
        drafts.save(
            session, clock, draft.id, revision=2, files={"general.bpmn": shorter}, actor="owner.huang"
        )
    capture(owner, f"/owner/drafts/{draft.id}/compare", "owner-compare-en")
    capture(owner, f"/owner/drafts/{draft.id}/history", "owner-history-en")
    owner.goto(f"{base}/owner/drafts/{draft.id}/try")
    owner.locator("#try").click()
    owner.wait_for_selector("#try-report")
    _save(owner, out / "owner-try-en.png", saved)
    owner.goto(f"{base}/owner/drafts/{draft.id}/run")
    owner.locator("#run-start").click()
    owner.locator("button[data-task=tell_direction]").click()
    owner.wait_for_selector("#run-state")
    _save(owner, out / "owner-run-en.png", saved)

    with app.extensions["database"].session() as session:
        drafts.deploy(
            session, clock, draft.id, revision=3, reason="Direction within 8 hours", actor="owner.huang"
        )
    owner_zh.goto(f"{base}/owner/versions/{complaint_v1}/migrate")
    owner_zh.locator("#dry-run").click()
    owner_zh.wait_for_selector("#migration")
    _save(owner_zh, out / "owner-migrate-zh.png", saved)


def _save(page, target, saved: list) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(target), full_page=True)
    saved.append(target)
