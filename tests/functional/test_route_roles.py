"""Every route × every role: allowed, 403, or sent to sign in (401 for the API) — from the tables in routes/.

A route that is in the app but in no table fails here, so a new page cannot ship without saying who may use it.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from tests.functional import routes as tables
from tests.functional.pages_support import Browser
from tests.functional.routes import Route
from tests.functional.test_api_support import start

ROLES = (
    None,
    "agent",
    "supervisor",
    "process_owner",
    "auditor",
    "admin",
    "department_head",
    "senior_manager",
    "manager",
)
# The person of tests/functional/test_api_support.PEOPLE who plays each role.
PLAYER = {
    "agent": "ann",
    "supervisor": "sue",
    "process_owner": "pete",
    "auditor": "aud",
    "admin": "adam",
    "department_head": "dora",
    "senior_manager": "max",
    "manager": "mia",
}


def all_routes() -> list[Route]:
    found = []
    for module in pkgutil.iter_modules(tables.__path__):
        found += importlib.import_module(f"{tables.__name__}.{module.name}").ROUTES
    return found


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_in_exactly_one_table(app):
    listed = [(r.method, r.rule) for r in all_routes()]
    duplicates = {entry for entry in listed if listed.count(entry) > 1}
    assert not duplicates, f"listed twice: {sorted(duplicates)}"
    missing = app_routes(app) - set(listed)
    assert not missing, f"routes with no entry in tests/functional/routes/: {sorted(missing)}"
    stale = set(listed) - app_routes(app)
    assert not stale, f"table entries for routes that do not exist: {sorted(stale)}"


@pytest.fixture
def world(app, session, clock):
    """The people of every role and one filed complaint with a frontline task, to fill the paths with."""
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own tests; here only authorization is under test
    api = start(app, session, clock)
    case = api.file()
    [task] = api.tasks("ann", case_id=case["id"])
    values = {
        "case": case["id"],
        "task": task["id"],
        "code": case["tracking_code"],
        "user": api.users["ann"].id,
        "process": "complaint",
    }
    return api, values


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_each_role_reaches_exactly_the_routes_the_tables_allow(app, world, role):
    api, values = world
    wrong = []
    for route in all_routes():
        path = (route.path or route.rule).format(**values)
        answer = _request(app, api, role, route, path)
        expected = "allowed" if route.may(role) else "signin" if role is None else "forbidden"
        if answer != expected:
            wrong.append(f"{route.method} {path}: expected {expected}, got {answer}")
    assert not wrong, "\n".join(wrong)


def _request(app, api, role: str | None, route: Route, path: str) -> str:
    is_api = path.startswith("/api/")
    if is_api:
        headers = {"X-Requested-With": "test", **(api.auth(PLAYER[role]) if role else {})}
        client = app.test_client()
        body = route.data.get("json")
        response = client.open(path, method=route.method, headers=headers, json=body)
    else:
        browser = Browser(app)
        if role:
            browser.as_user(api.users[PLAYER[role]].id)
        response = browser.client.open(path, method=route.method, data=route.data, headers=browser.headers)
    status, location = response.status_code, response.headers.get("Location", "")
    response.close()  # static files are streamed
    if status == 401 or (status in (302, 303) and location.startswith("/signin?next=")):
        return "signin"
    if status == 403:
        return "forbidden"
    assert status < 500, f"{route.method} {path} as {role}: {status}"
    return "allowed"
