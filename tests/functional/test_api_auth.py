"""Who may call what: tokens, the browser session, and a route × role table that every new route must join."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine.models import ApiToken, User
from tests.conftest import fresh
from tests.functional.pages_support import signed_in
from tests.functional.test_api_support import PREFIX, start

PUBLIC = "public"
AGENT, SUPERVISOR, OWNER, AUDITOR, ADMIN = "agent", "supervisor", "process_owner", "auditor", "admin"
# One person per role (see PEOPLE in test_api_support).
BY_ROLE = {AGENT: "ann", SUPERVISOR: "sue", OWNER: "pete", AUDITOR: "aud", ADMIN: "adam"}

# Every API route and the roles allowed to call it. A route missing here fails the last test of this file.
ROUTES = {
    ("POST", "/complaints"): {AGENT, SUPERVISOR},
    ("GET", "/complaints/form"): {AGENT, SUPERVISOR},
    ("GET", "/complaints/{case_id}"): {AGENT, SUPERVISOR, AUDITOR},
    ("GET", "/complaints/{case_id}/trace"): {SUPERVISOR, AUDITOR},
    ("GET", "/tasks"): {AGENT, SUPERVISOR, AUDITOR},
    ("GET", "/tasks/{task_id}"): {AGENT, SUPERVISOR, AUDITOR},
    ("POST", "/tasks/{task_id}/claim"): {AGENT, SUPERVISOR},
    ("POST", "/tasks/{task_id}/complete"): {AGENT, SUPERVISOR},
    ("POST", "/processes"): {OWNER, ADMIN},
    ("GET", "/processes"): {OWNER, ADMIN, SUPERVISOR, AUDITOR},
    ("GET", "/track/{tracking_code}"): PUBLIC,
    ("POST", "/track/{tracking_code}/reply"): PUBLIC,
    ("GET", "/track/{tracking_code}/survey"): PUBLIC,
    ("POST", "/track/{tracking_code}/survey"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    # The process owner's studio (web/api/studio.py).
    ("GET", "/studio/versions"): {OWNER, ADMIN},
    ("GET", "/studio/handlers"): {OWNER, ADMIN},
    ("GET", "/studio/versions/{version_id}/compare/{other_id}"): {OWNER, ADMIN},
    ("GET", "/drafts"): {OWNER, ADMIN},
    ("POST", "/drafts"): {OWNER, ADMIN},
    ("GET", "/drafts/{draft_id}"): {OWNER, ADMIN},
    ("PUT", "/drafts/{draft_id}"): {OWNER, ADMIN},
    ("DELETE", "/drafts/{draft_id}"): {OWNER, ADMIN},
    ("GET", "/drafts/{draft_id}/files/{name}"): {OWNER, ADMIN},
    ("GET", "/drafts/{draft_id}/checks"): {OWNER, ADMIN},
    ("GET", "/drafts/{draft_id}/compare"): {OWNER, ADMIN},
    ("POST", "/drafts/{draft_id}/try"): {OWNER, ADMIN},
    ("POST", "/drafts/{draft_id}/run"): {OWNER, ADMIN},
    ("POST", "/drafts/{draft_id}/deploy"): {OWNER, ADMIN},
    ("GET", "/drafts/{draft_id}/revisions"): {OWNER, ADMIN},
    ("POST", "/drafts/{draft_id}/revisions/{number}/restore"): {OWNER, ADMIN},
    ("POST", "/migrations"): {OWNER, ADMIN},
    # Evidence on cases (web/api/evidence.py).
    ("GET", "/complaints/{case_id}/evidence"): {AGENT, SUPERVISOR, AUDITOR},
    ("POST", "/complaints/{case_id}/evidence"): {AGENT, SUPERVISOR},
    ("GET", "/complaints/{case_id}/evidence/{attachment_id}"): {AGENT, SUPERVISOR, AUDITOR},
    ("POST", "/track/{tracking_code}/evidence"): PUBLIC,
}
# Ids that exist nowhere: an allowed caller gets past authorization and is told so (404), or is refused for
# the (empty) body; never 401 or 403.
VALUES = {
    "case_id": "987654",
    "task_id": "987654",
    "tracking_code": "no-such-code-0000000000000",
    "draft_id": "987654",
    "version_id": "987654",
    "other_id": "987655",
    "name": "general.bpmn",
    "attachment_id": "987654",
    "number": "1",
}


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock, deploy=False)


def url(template: str) -> str:
    return PREFIX + re.sub(r"\{(\w+)\}", lambda m: VALUES[m.group(1)], template)


def call(api, method: str, template: str, headers: dict):
    kwargs = {"json": {}} if method == "POST" else {}
    return api.client.open(url(template), method=method, headers=headers, **kwargs)


@pytest.mark.parametrize(("method", "template"), sorted(ROUTES))
def test_each_route_admits_exactly_its_roles(api, method, template):
    allowed = ROUTES[(method, template)]
    for role, person in BY_ROLE.items():
        status = call(api, method, template, api.auth(person)).status_code
        if allowed == PUBLIC or role in allowed:
            assert status not in (401, 403), (role, status)
        else:
            assert status == 403, (role, status)
    anonymous = call(api, method, template, {}).status_code
    assert (anonymous != 401) if allowed == PUBLIC else (anonymous == 401)


def test_every_api_route_is_in_the_role_table(app):
    routes = {
        (method, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX)))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(ROUTES)


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Bearer cpl_not-a-token", "Basic YW5uOnB3", "cpl_no-scheme"],
)
def test_a_missing_or_invalid_token_is_401_with_a_challenge(api, header):
    response = api.client.get(f"{PREFIX}/tasks", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_or_a_disabled_user_is_refused(api, session, clock):
    assert api.get(f"{PREFIX}/tasks", "ann").status_code == 200
    session.execute(
        update(ApiToken).where(ApiToken.prefix == api.tokens["ann"][:12]).values(revoked_at=clock())
    )
    session.execute(update(User).where(User.username == "bob").values(active=False))
    session.commit()
    assert api.get(f"{PREFIX}/tasks", "ann").status_code == 401
    assert api.get(f"{PREFIX}/tasks", "bob").status_code == 401


def test_using_a_token_records_when_it_was_last_used_at_minute_precision(api, session, clock):
    def last_used():
        fresh(session)
        return session.scalar(select(ApiToken.last_used_at).where(ApiToken.prefix == api.tokens["ann"][:12]))

    assert last_used() is None
    api.get(f"{PREFIX}/tasks", "ann")
    assert last_used() == clock()
    first = clock()
    clock.advance(seconds=30)
    api.get(f"{PREFIX}/tasks", "ann")
    assert last_used() == first  # not rewritten on every request
    clock.advance(seconds=31)
    api.get(f"{PREFIX}/tasks", "ann")
    assert last_used() == first + timedelta(seconds=61)


def test_the_browser_session_is_accepted_and_its_changes_need_x_requested_with(api):
    with api.client.session_transaction() as browser:
        browser.update(signed_in(api.client.application, api.users["ann"].id))
    assert api.client.get(f"{PREFIX}/tasks").status_code == 200
    # A cookie alone must not change anything: another site could make the browser send it.
    refused = api.client.post(f"{PREFIX}/tasks/987654/claim")
    assert refused.status_code == 403
    assert "X-Requested-With" in refused.get_json()["message"]
    assert (
        api.client.post(f"{PREFIX}/tasks/987654/claim", headers={"X-Requested-With": "fetch"}).status_code
        == 404
    )


def test_a_bad_token_is_refused_even_beside_a_valid_session(api):
    with api.client.session_transaction() as browser:
        browser.update(signed_in(api.client.application, api.users["sue"].id))
    response = api.client.get(f"{PREFIX}/tasks", headers={"Authorization": "Bearer cpl_wrong"})
    assert response.status_code == 401


def test_a_session_of_a_user_who_no_longer_exists_is_anonymous(api):
    with api.client.session_transaction() as browser:
        browser.update(signed_in(api.client.application, 987654))
    assert api.client.get(f"{PREFIX}/tasks").status_code == 401


def test_unknown_api_paths_and_methods_answer_json(api):
    missing = api.get(f"{PREFIX}/nothing-here", "ann")
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"
    wrong = api.client.delete(f"{PREFIX}/tasks", headers=api.auth("ann"))
    assert wrong.status_code == 405 and wrong.get_json()["code"] == "method_not_allowed"
    huge = api.get(f"{PREFIX}/complaints/99999999999999999999", "sue")
    assert huge.status_code == 404
