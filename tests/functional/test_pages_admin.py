"""The administrator's pages: users, passwords, API tokens, departments — validated by field and audited."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from sqlalchemy import select

from engine import accounts
from engine.models import AuditEvent, Department, User
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import start

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock, deploy=False)


def adam(app, api, language="en") -> Browser:
    return Browser(app, language).as_user(api.users["adam"].id)


def user(session, username) -> User | None:
    fresh(session)
    return session.scalar(User.by_username(username))


NEW = {
    "username": "li.na",
    "display_name": "Li Na",
    "role": "agent",
    "departments": ["frontline", "risk"],
    "password": "long enough",
}


def test_an_admin_creates_a_user_who_can_then_sign_in(app, api, session):
    browser = adam(app, api)
    assert "Frontline customer service" in browser.get("/admin/users/new").text
    done = browser.post("/admin/users/new", NEW)
    assert done.status_code == 302
    created = user(session, "li.na")
    assert (created.role, created.lanes, created.display_name) == ("agent", {"frontline", "risk"}, "Li Na")
    assert "Li Na can now sign in as li.na." in browser.get("/admin/users").text
    assert Browser(app).sign_in("li.na", "long enough").status_code == 302
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.kind == "user.created")).all()
    assert event.actor == "adam"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"username": ""}, "Enter a username."),
        ({"username": "li na"}, "Use 2 to 150 letters, digits or . _ @ - (no spaces)."),
        ({"username": "x" * 151}, "Use 2 to 150 letters"),
        ({"role": "boss"}, "Choose one of the roles listed."),
        ({"departments": ["frontline", "moon"]}, "Choose departments from the list."),
        ({"password": "short"}, "Use at least 8 characters."),
        ({"display_name": "n" * 201}, "Keep the name under 200 characters."),
        ({"username": "ann"}, "That username is taken."),
    ],
)
def test_bad_new_users_are_refused_by_field(app, api, session, change, message):
    answer = adam(app, api).post("/admin/users/new", {**NEW, **change})
    assert answer.status_code == 422
    assert message in answer.text
    assert user(session, "li.na") is None


def test_an_admin_changes_role_departments_and_disables_a_user(app, api, session):
    ann = api.users["ann"]
    browser = adam(app, api)
    assert browser.get(f"/admin/users/{ann.id}").status_code == 200
    done = browser.post(
        f"/admin/users/{ann.id}",
        {"display_name": "Ann Lee", "role": "supervisor", "departments": ["frontline", "supervisor"]},
    )
    assert done.status_code == 302
    changed = user(session, "ann")
    assert (changed.role, changed.lanes, changed.active) == ("supervisor", {"frontline", "supervisor"}, False)
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.kind == "user.updated")).all()
    assert event.payload["active"] == {"from": True, "to": False}
    # A disabled user's session no longer works.
    assert Browser(app).as_user(ann.id).get("/supervisor/").status_code == 302


def test_an_admin_cannot_lock_themself_or_the_bank_out(app, api, session):
    me = api.users["adam"]
    browser = adam(app, api)
    demoted = browser.post(
        f"/admin/users/{me.id}", {"role": "agent", "departments": ["frontline"], "active": "on"}
    )
    assert demoted.status_code == 422 and "ask another administrator" in demoted.text
    disabled = browser.post(f"/admin/users/{me.id}", {"role": "admin"})
    assert disabled.status_code == 422
    assert user(session, "adam").active and user(session, "adam").role == "admin"
    assert browser.get("/admin/users/999999").status_code == 404


def test_a_password_reset_needs_eight_characters_and_works_at_once(app, api, session):
    ann = api.users["ann"]
    browser = adam(app, api)
    short = browser.post(f"/admin/users/{ann.id}/password", {"new_password": "short"})
    assert short.status_code == 422 and "Use at least 8 characters." in short.text
    assert (
        browser.post(f"/admin/users/{ann.id}/password", {"new_password": "brand new pw"}).status_code == 302
    )
    assert Browser(app).sign_in("ann", "brand new pw").status_code == 302
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.kind == "user.password_reset")).all()
    assert "brand new pw" not in str(event.payload)


def test_a_token_is_shown_once_works_and_stops_when_revoked(app, api, session):
    browser = adam(app, api)
    issued = browser.post("/admin/tokens", {"user": str(api.users["ann"].id)})
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    token = re.search(r'class="secret">([^<]+)<', issued.text).group(1)
    assert token.startswith(accounts.TOKEN_PREFIX)
    assert token not in browser.get("/admin/tokens").text
    client = app.test_client()
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    row = next(t for t in accounts.list_tokens(session) if token.startswith(t.prefix))
    assert browser.post(f"/admin/tokens/{row.id}/revoke").status_code == 302
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    browser.post(f"/admin/tokens/{row.id}/revoke")
    assert "already revoked" in browser.get("/admin/tokens").text
    assert browser.post("/admin/tokens/999999/revoke").status_code == 404


@pytest.mark.parametrize("who", ["", "nobody", "999999", "99999999999999999999999"])
def test_a_token_for_an_unknown_user_is_refused(app, api, who):
    answer = adam(app, api).post("/admin/tokens", {"user": who})
    assert answer.status_code == 422 and "Choose an active user from the list." in answer.text


def test_departments_are_listed_and_created_once(app, api, session):
    browser = adam(app, api)
    assert "Frontline customer service" in browser.get("/admin/departments").text
    assert (
        browser.post("/admin/departments", {"code": "wealth", "name": "Wealth management"}).status_code == 302
    )
    again = browser.post("/admin/departments", {"code": "wealth", "name": "Again"})
    assert again.status_code == 422 and "exists already" in again.text
    bad = browser.post("/admin/departments", {"code": "Wealth Mgmt", "name": ""})
    assert bad.status_code == 422 and "starting with a letter" in bad.text and "at most 200" in bad.text
    fresh(session)
    assert session.scalar(select(Department.name).where(Department.code == "wealth")) == "Wealth management"


def test_the_users_page_reads_in_chinese(app, api):
    page = adam(app, api, "zh_CN").get("/admin/users")
    assert "新建用户" in page.text and "部门" in page.text


@pytest.mark.parametrize("area", ["supervisor", "admin"])
def test_every_string_of_the_area_has_a_chinese_translation(area):
    translated = set()
    for po in (ROOT / "web/translations/zh_CN").glob("*.po"):
        text = po.read_text(encoding="utf-8")
        for msgid, msgstr in re.findall(r'^msgid (".*")\nmsgstr (".*")$', text, re.M):
            if ast.literal_eval(msgstr):
                translated.add(ast.literal_eval(msgid))
    used = set()
    for path in [*(ROOT / "web/templates" / area).glob("*.html"), *(ROOT / "web" / area).glob("*.py")]:
        method = "jinja2" if path.suffix == ".html" else "python"
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), keywords={"_": None, "gettext": None, "lazy_gettext": None}, options=options
        ):
            used.add(message if isinstance(message, str) else message[0])
    assert sorted(used - translated) == []
