"""Department heads and senior managers: created by an administrator, working as supervisors do, and a warning
on the users page while a department has nobody to escalate to at the head rung."""

from __future__ import annotations

import pytest

from engine import accounts
from engine.models import User
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import start


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def test_the_users_page_warns_of_departments_without_a_head_until_one_is_given(app, api, session, clock):
    admin = Browser(app).as_user(api.users["adam"].id)
    page = admin.get("/admin/users")
    assert 'id="unreached-heads"' in page.text
    # The shared people head frontline and supervisor (sue, dora, max); nobody heads the others.
    assert "risk, operations, product, compliance" in page.text
    accounts.create_user(
        session,
        clock,
        username="hal",
        role="department_head",
        departments=["risk", "operations", "product", "compliance"],
    )
    session.commit()
    assert 'id="unreached-heads"' not in admin.get("/admin/users").text


def test_an_admin_makes_a_department_head_who_lands_on_the_escalations(app, api, session):
    admin = Browser(app).as_user(api.users["adam"].id)
    form = admin.get("/admin/users/new").text
    assert '<option value="department_head"' in form and '<option value="senior_manager"' in form
    dora = Browser(app).as_user(api.users["dora"].id)
    assert dora.get("/supervisor/").status_code == 200
    assert dora.get("/agent/").status_code == 200
    assert session.get(User, api.users["dora"].id).has_role("supervisor")


def test_the_role_names_read_in_chinese(app, api):
    page = Browser(app, language="zh-CN").as_user(api.users["adam"].id).get("/admin/users")
    assert "部门负责人" in page.text and "高级管理人员" in page.text
