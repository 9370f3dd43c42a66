"""Administrators' changes to users, passwords, API tokens and departments: validated, audited, and never
locking the bank out of its own administration."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import accounts
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.models import AuditEvent, Department, User
from tests.conftest import fresh


def events(session, kind):
    fresh(session)
    return [e for e in session.scalars(select(AuditEvent).where(AuditEvent.kind == kind))]


def test_update_changes_role_departments_name_and_active_and_records_each_change(session, clock, make_user):
    ann = make_user("ann")

    accounts.update_user(
        session,
        clock,
        ann.id,
        actor="adam",
        role="supervisor",
        departments=["frontline", "supervisor"],
        display_name="  Ann Lee ",
        active=False,
    )

    fresh(session)
    user = session.get(User, ann.id)
    assert (user.role, user.lanes, user.display_name, user.active) == (
        "supervisor",
        {"frontline", "supervisor"},
        "Ann Lee",
        False,
    )
    [event] = events(session, "user.updated")
    assert event.actor == "adam"
    assert event.payload["role"] == {"from": "agent", "to": "supervisor"}
    assert event.payload["departments"] == {"from": ["frontline"], "to": ["frontline", "supervisor"]}
    assert event.payload["active"] == {"from": True, "to": False}


def test_an_update_that_changes_nothing_records_nothing(session, clock, make_user):
    ann = make_user("ann")
    accounts.update_user(session, clock, ann.id, actor="adam", role="agent", departments=["frontline"])
    assert events(session, "user.updated") == []


def test_unknown_role_or_department_is_refused_by_field(session, clock, make_user):
    ann = make_user("ann")
    with pytest.raises(ValidationFailed) as refused:
        accounts.update_user(session, clock, ann.id, actor="adam", role="boss", departments=["nowhere"])
    assert set(refused.value.errors) == {"role", "departments"}
    with pytest.raises(ValidationFailed) as refused:
        accounts.update_user(session, clock, ann.id, actor="adam", display_name="x" * 201)
    assert set(refused.value.errors) == {"display_name"}
    with pytest.raises(NotFound):
        accounts.update_user(session, clock, 999_999, actor="adam", active=False)


def test_the_last_active_administrator_cannot_be_demoted_or_disabled(session, clock, make_user):
    adam = make_user("adam", "admin", ())
    eve = make_user("eve", "admin", ())
    # Nobody demotes themself...
    with pytest.raises(ValidationFailed) as refused:
        accounts.update_user(session, clock, adam.id, actor="adam", role="agent")
    assert "yourself" in refused.value.errors["role"]
    with pytest.raises(ValidationFailed) as refused:
        accounts.update_user(session, clock, adam.id, actor="adam", active=False)
    assert "yourself" in refused.value.errors["active"]
    # ...another administrator may, while one active administrator remains.
    accounts.update_user(session, clock, eve.id, actor="adam", active=False)
    with pytest.raises(ValidationFailed) as refused:
        accounts.update_user(session, clock, adam.id, actor="system", role="auditor")
    assert "last active administrator" in refused.value.errors["role"]
    fresh(session)
    assert session.get(User, adam.id).role == "admin"


def test_a_password_reset_needs_eight_characters_and_never_records_the_password(session, clock, make_user):
    ann = make_user("ann", password="old password")
    with pytest.raises(ValidationFailed):
        accounts.reset_password(session, clock, ann.id, "short", actor="adam")

    accounts.reset_password(session, clock, ann.id, "new password", actor="adam")

    fresh(session)
    user = session.get(User, ann.id)
    assert accounts.check_password(user, "new password") and not accounts.check_password(user, "old password")
    [event] = events(session, "user.password_reset")
    assert "new password" not in str(event.payload)


def test_a_revoked_token_stops_working_at_once_and_cannot_be_revoked_twice(session, clock, make_user):
    make_user("app", departments=())
    token = accounts.create_token(session, clock, "app", actor="adam")
    [row] = accounts.list_tokens(session)
    assert accounts.user_for_token(session, token, clock) is not None

    accounts.revoke_token(session, clock, row.id, actor="adam")

    assert accounts.user_for_token(session, token, clock) is None
    with pytest.raises(Conflict):
        accounts.revoke_token(session, clock, row.id, actor="adam")
    with pytest.raises(NotFound):
        accounts.revoke_token(session, clock, 999_999, actor="adam")
    [event] = events(session, "token.revoked")
    assert event.payload == {"username": "app", "prefix": row.prefix}


def test_departments_are_created_once_with_a_lane_like_code(session, clock):
    accounts.create_department(session, clock, code="wealth", name="Wealth management", actor="adam")
    with pytest.raises(Conflict):
        accounts.create_department(session, clock, code="wealth", name="Again", actor="adam")
    with pytest.raises(ValidationFailed) as refused:
        accounts.create_department(session, clock, code="Wealth Mgmt", name="", actor="adam")
    assert set(refused.value.errors) == {"code", "name"}
    fresh(session)
    assert session.scalar(select(Department.name).where(Department.code == "wealth")) == "Wealth management"
    [event] = events(session, "department.created")
    assert event.payload == {"code": "wealth", "name": "Wealth management"}
