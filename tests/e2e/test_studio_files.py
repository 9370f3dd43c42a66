"""The studio in a real browser, beyond the main journey: the editor in Chinese (the modelers' own words, the
deploy checks and bpmnlint's advice), a draft's files added, renamed and deleted, its history restored, and a
stale save refused while the unsaved-changes guard and Ctrl+S do their part.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from engine.models import Draft
from engine.studio import drafts
from tests.conftest import fresh
from tests.e2e.test_studio_journey import recorded, sign_in  # noqa: F401  (the fixture)

CONDITION_FIELD = "#bio-properties-panel-studio-condition"


def open_draft(page) -> str:
    """Open the shipped general path as a draft; the editor's address."""
    page.locator("tr[data-process=general_path] form button").first.click()
    page.wait_for_selector("#studio[data-ready=true]")
    return page.url.split("?")[0]


def select_element(page, editor: str, element: str, group: str) -> None:
    page.goto(f"{editor}?file=general.bpmn&element={element}")
    page.wait_for_selector("#studio[data-ready=true]")
    page.locator(".bio-properties-panel-group-header", has_text=group).click()


def test_the_editor_speaks_chinese_modeler_checks_and_advice(live_server, new_page, recorded):  # noqa: F811
    page = new_page("zh-CN")
    sign_in(page, live_server)
    editor = open_draft(page)
    # bpmn-js's palette and the properties panel, in our own Chinese words.
    expect(page.locator(".djs-palette .entry[aria-label='创建开始事件']")).to_have_count(1)
    expect(page.locator(".djs-palette .entry[aria-label='启用抓手工具']")).to_have_count(1)
    select_element(page, editor, "flow_which_route_to_settled", "引擎读取的属性")
    expect(page.locator(".bio-properties-panel-group-header", has_text="一般")).to_have_count(1)
    expect(page.locator(".bio-properties-panel-header-type")).to_have_text("顺序流")
    # A flow without a condition: the deploy check and bpmnlint both say so in Chinese, on that flow.
    page.locator(CONDITION_FIELD).fill("")
    expect(page.locator("#save")).to_be_enabled()
    page.locator("#save").click()
    expect(page.locator("#status")).to_have_text(re.compile("^已保存"))
    problem = page.locator("#problems li[data-element=flow_which_route_to_settled]")
    expect(problem).to_contain_text("没有条件")
    expect(problem).to_contain_text("排他网关")
    advice = page.locator("#lint li[data-element=flow_which_route_to_settled]")
    expect(advice).to_contain_text("从此网关或任务流出的连线需要条件。")
    expect(page.locator("#lint h3")).to_have_text("建模建议（bpmnlint）")


def test_files_are_added_renamed_deleted_and_the_history_brings_them_back(
    live_server,
    new_page,
    recorded,  # noqa: F811
    session,
):
    page = new_page("en-US")
    page.on("dialog", lambda dialog: dialog.accept())  # the delete confirmation
    sign_in(page, live_server)
    editor = open_draft(page)

    page.locator("#file-actions summary").click()
    page.fill("#new-file-name", "notes")
    page.select_option("#new-file-kind", "form")
    page.locator("#add-file button[type=submit]").click()
    page.wait_for_selector("#studio[data-ready=true]")
    assert "file=notes.json" in page.url
    expect(page.locator(".flash")).to_contain_text("Added notes.json.")
    expect(page.locator("#json-text")).to_have_value(re.compile('"type": "object"'))

    page.locator("#file-actions summary").click()
    page.fill("#rename-to", "remarks.json")
    page.locator("#rename-file button[type=submit]").click()
    page.wait_for_selector("#studio[data-ready=true]")
    expect(page.locator(".file-tabs a[aria-current=page]")).to_have_text("remarks.json")

    page.locator("#file-actions summary").click()
    page.locator("#delete-file button[type=submit]").click()
    page.wait_for_selector("#studio[data-ready=true]")
    expect(page.locator(".file-tabs a", has_text="remarks.json")).to_have_count(0)

    page.get_by_role("link", name="History").click()
    rows = page.locator("#revisions tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("owner.huang")
    page.locator("#revisions tr[data-revision='3'] button", has_text="Restore").click()
    expect(page.locator(".flash")).to_contain_text("Revision 3 restored as a new save.")
    expect(page.locator("#revisions tr[data-revision='5']")).to_contain_text("restored revision 3")
    page.goto(editor)
    expect(page.locator(".file-tabs a", has_text="remarks.json")).to_have_count(1)
    fresh(session)
    draft = session.scalar(select(Draft).order_by(Draft.id.desc()))
    assert "remarks.json" in [f.name for f in draft.files] and draft.revision == 5


def test_a_stale_save_is_refused_with_a_message_after_the_guard_kept_the_unsaved_change(
    live_server,
    new_page,
    recorded,  # noqa: F811
    session,
    clock,
):
    page = new_page("en-US")
    sign_in(page, live_server)
    editor = open_draft(page)
    select_element(page, editor, "flow_which_route_to_settled", "What the engine reads")
    page.locator(CONDITION_FIELD).fill('route == "none" or route == ""')
    expect(page.locator("#save")).to_be_enabled()
    expect(page.locator("#status")).to_have_text("Unsaved changes")

    # Leaving the page with unsaved changes asks first; staying keeps the change.
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_role("link", name="Compare", exact=True).click()
    expect(page.locator("#studio[data-ready=true]")).to_have_count(1)
    assert asked == ["beforeunload"]
    assert page.url.startswith(editor)

    # Meanwhile another owner saves the same draft.
    fresh(session)
    draft = session.scalar(select(Draft).order_by(Draft.id.desc()))
    drafts.save(session, clock, draft.id, revision=draft.revision, files={"x.json": b"{}"}, actor="olga")

    # Ctrl+S saves: refused, with a message; the other owner's save stands.
    page.keyboard.press("Control+s")
    expect(page.locator("#status")).to_have_text(re.compile("^Someone else saved this draft first"))
    # The owner's own version can be downloaded before reloading: nothing typed is lost.
    with page.expect_download() as download:
        page.locator("#keep-mine").click()
    assert download.value.suggested_filename == "general.bpmn"
    assert 'route == ""' in Path(download.value.path()).read_text()
    fresh(session)
    kept = drafts.get(session, draft.id, with_content=True)
    assert kept.saved_by == "olga" and "x.json" in [f.name for f in kept.files]
    assert b'route == ""' not in dict(drafts.files_of(kept))["general.bpmn"]


def test_a_decision_table_problem_is_drawn_on_its_cell(live_server, new_page, recorded, session, clock):  # noqa: F811
    page = new_page("en-US")
    sign_in(page, live_server)
    editor = open_draft(page)
    fresh(session)
    draft = session.scalar(select(Draft).order_by(Draft.id.desc()))
    table = dict(drafts.files_of(drafts.get(session, draft.id, with_content=True)))["triage.dmn"]
    broken = table.replace(
        b'<outputEntry id="rule_risk_words_tier"><text>"urgent"</text>',
        b'<outputEntry id="rule_risk_words_tier"><text>open("/etc/passwd").read()</text>',
    )
    assert broken != table
    drafts.save(session, clock, draft.id, revision=draft.revision, files={"triage.dmn": broken}, actor="olga")

    page.goto(f"{editor}?file=triage.dmn")
    page.wait_for_selector("#studio[data-ready=true]")
    cell = page.locator("td[data-element-id=rule_risk_words_tier]")
    expect(cell).to_have_class(re.compile("studio-marker-problem"))
    assert "cannot run" in cell.get_attribute("title")
    entry = page.locator("#problems li[data-element=rule_risk_words_tier]")
    expect(entry.locator("button")).to_have_count(1)  # on this table: a button that shows the cell
    expect(page.locator("td.studio-marker-problem")).to_have_count(1)


def test_the_decision_table_editor_speaks_chinese(live_server, new_page, recorded):  # noqa: F811
    page = new_page("zh-CN")
    sign_in(page, live_server)
    editor = open_draft(page)
    page.goto(f"{editor}?file=triage.dmn")
    page.wait_for_selector("#studio[data-ready=true]")
    table = page.locator("#canvas")
    expect(table).to_contain_text("命中策略：")
    expect(table).to_contain_text("查看决策需求图")
    expect(page.locator("#canvas th", has_text="当")).not_to_have_count(0)
    assert "Hit policy" not in table.inner_text()


def saved_task(session, task_id: str) -> bytes:
    """The user task as the newest draft's general.bpmn holds it after a save."""
    fresh(session)
    draft = session.scalar(select(Draft).order_by(Draft.id.desc()))
    [diagram] = [content for name, content in drafts.files_of(draft) if name == "general.bpmn"]
    return re.search(rb'<bpmn:userTask id="%s".*?</bpmn:userTask>' % task_id.encode(), diagram, re.S).group(0)


def test_the_panel_sets_the_form_variant_the_task_force_and_who_gets_the_task(
    live_server,
    new_page,
    recorded,  # noqa: F811
    session,
):
    page = new_page("en-US")
    sign_in(page, live_server)
    editor = open_draft(page)
    select_element(page, editor, "tell_direction", "What the engine reads")
    given_to = page.locator("#bio-properties-panel-studio-assign")
    assert given_to.input_value() == "owner"
    given_to.select_option("task_force")
    page.locator("#bio-properties-panel-studio-form-variant").select_option("tier")
    page.locator("#bio-properties-panel-studio-task-force").select_option("join")
    expect(page.locator("#save")).to_be_enabled()
    page.locator("#save").click()
    expect(page.locator("#status")).to_have_text(re.compile("^Saved"))

    task = saved_task(session, "tell_direction")
    for name, value in ((b"assignTo", b"task_force"), (b"formVariant", b"tier"), (b"taskForce", b"join")):
        assert re.search(rb'name="%s" value="%s"' % (name, value), task), name

    # Back to the lane's queue and one form for all: the properties are removed, not left empty.
    select_element(page, editor, "tell_direction", "What the engine reads")
    page.locator("#bio-properties-panel-studio-assign").select_option("")
    page.locator("#bio-properties-panel-studio-form-variant").select_option("")
    page.locator("#bio-properties-panel-studio-task-force").select_option("")
    page.locator("#save").click()
    expect(page.locator("#status")).to_have_text(re.compile("^Saved"))
    task = saved_task(session, "tell_direction")
    assert b'name="assignTo"' not in task and b'name="formVariant"' not in task and b"taskForce" not in task
