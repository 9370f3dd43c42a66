"""API token scopes: a read-only token changes nothing, a monitoring token reaches the metrics and no case;
issued from the CLI and the administrator's page, recorded in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import accounts
from engine.errors import ValidationFailed
from engine.models import ApiToken, AuditEvent
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import PREFIX, start


@pytest.fixture
def api(app, session, clock):
    api = start(app, session, clock)
    api.file()
    return api


def token(session, clock, username: str, scope: str) -> dict:
    raw = accounts.create_token(session, clock, username, actor="tests", scope=scope)
    return {"Authorization": f"Bearer {raw}"}


def test_a_monitoring_token_reads_the_metrics_and_no_case(api, session, clock):
    monitor = token(session, clock, "sue", "metrics")  # a supervisor's role could read every case
    assert api.client.get("/metrics", headers=monitor).status_code == 200
    assert api.client.get("/metrics/sla", headers=monitor).status_code == 200
    for path in ("/tasks", "/complaints/1", "/complaints/1/trace"):
        refused = api.client.get(PREFIX + path, headers=monitor)
        assert refused.status_code == 403, path
        assert "only read the monitoring metrics" in refused.get_json()["message"]
    assert api.client.get(f"{PREFIX}/tasks", headers=api.auth("sue")).status_code == 200  # her full token


def test_a_read_only_token_reads_and_changes_nothing(api, session, clock):
    reader = token(session, clock, "ann", "read")
    [task] = api.client.get(f"{PREFIX}/tasks", headers=reader).get_json()["items"]
    refused = api.client.post(f"{PREFIX}/tasks/{task['id']}/claim", headers=reader, json={})
    assert refused.status_code == 403 and refused.get_json()["message"] == "this token is read-only"
    fresh(session)
    assert api.client.get(f"{PREFIX}/tasks/{task['id']}", headers=reader).get_json()["state"] == "ready"


def test_an_unknown_scope_is_refused_and_tokens_are_full_by_default(api, session, clock):
    with pytest.raises(ValidationFailed):
        accounts.create_token(session, clock, "ann", scope="admin")
    accounts.create_token(session, clock, "ann")
    fresh(session)
    newest = session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert newest.scope == "full"
    event = session.scalars(select(AuditEvent).where(AuditEvent.kind == "token.created")).all()[-1]
    assert event.payload["scope"] == "full"


def test_the_cli_issues_a_scoped_token(app, api, session):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "sue", "--scope", "metrics"])
    assert result.exit_code == 0 and result.output.startswith("metrics token for sue")
    raw = result.output.strip().splitlines()[-1]
    assert api.client.get("/metrics", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert api.client.get(f"{PREFIX}/tasks", headers={"Authorization": f"Bearer {raw}"}).status_code == 403
    bad = app.test_cli_runner().invoke(args=["tokens", "create", "sue", "--scope", "root"])
    assert bad.exit_code == 2


def test_the_administrator_issues_a_scoped_token_on_the_page(app, api, session):
    browser = Browser(app).as_user(api.users["adam"].id)
    browser.get("/admin/tokens")
    issued = browser.post("/admin/tokens", {"user": str(api.users["sue"].id), "scope": "read"})
    assert issued.status_code == 200
    fresh(session)
    newest = session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert (newest.user.username, newest.scope) == ("sue", "read")
    assert "read only" in browser.get("/admin/tokens").text
    refused = browser.post("/admin/tokens", {"user": str(api.users["sue"].id), "scope": "root"})
    assert refused.status_code == 422
