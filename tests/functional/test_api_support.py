"""What the API tests share (no tests here): people with tokens, the real processes deployed, and a test client
that checks every API response it receives against the OpenAPI document the app serves.

That check is half of holding the code to its document: every status and body any API test provokes — errors
included — must be one the document declares, with a body its schema accepts (response schemas forbid
undocumented fields). ``test_api_contract.py`` adds the other half: every route is documented, the document is
valid OpenAPI 3.1, and schemathesis generates requests from it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from functools import cached_property

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select
from sqlalchemy.orm import undefer

from engine import accounts
from engine.deploy import deployment
from engine.models import ApiToken, Department, Deployment, DeploymentFile, ProcessVersion, User
from tests.paths import PROCESSES

PREFIX = "/api/v1"
DOCUMENT_URI = "urn:complaints-api"

# name: (role, departments, display name)
PEOPLE = {
    "ann": ("agent", ["frontline"], "Ann Lee"),
    "bob": ("agent", ["frontline"], "Bob Stone"),
    "rita": ("agent", ["risk"], "Rita Moreno"),
    "otto": ("agent", ["operations"], "Otto Brandt"),
    "pia": ("agent", ["product"], "Pia Kurz"),
    "sue": ("supervisor", ["supervisor", "frontline"], "Sue Park"),
    "dora": ("department_head", ["supervisor", "frontline"], "Dora Hu"),
    "max": ("senior_manager", ["supervisor", "frontline"], "Max Wu"),
    "aud": ("auditor", [], "Audrey Hall"),
    "pete": ("process_owner", [], "Pete Ives"),
    "adam": ("admin", [], "Adam Admin"),
    "mia": ("manager", [], "Mia Chen"),
    "app": ("agent", [], "Mobile app channel"),  # a channel system: intake only, no lane
}

COMPLAINT = {
    "channel": "phone",
    "business_type": "bank_card",
    "category": "fee_dispute",
    "description": "I was charged an annual fee twice",
    "amount": 120,
}
CUSTOMER = {"id": "C-001", "name": "Zhang San", "phone": "13812345678"}


def submission(description: str = COMPLAINT["description"], customer: str = "C-001", **complaint) -> dict:
    return {
        "complaint": {**COMPLAINT, "description": description, **complaint},
        "customer": {**CUSTOMER, "id": customer},
    }


class Contract:
    """The app's OpenAPI document, and a check of one response against it."""

    def __init__(self, document: dict):
        self.document = document
        self.registry = Registry().with_resource(
            DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012)
        )
        self.templates = [
            (re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"), path) for path in document["paths"]
        ]

    def operation(self, method: str, path: str) -> dict | None:
        relative = path.removeprefix(PREFIX)
        for pattern, template in self.templates:
            if pattern.match(relative):
                return self.document["paths"][template].get(method.lower())
        return None

    def schema_for(self, method: str, path: str, status: int) -> dict:
        operation = self.operation(method, path)
        if operation is None:  # no such route: the app's JSON error
            return {"$ref": "#/components/schemas/Error"}
        response = operation["responses"].get(str(status))
        assert response is not None, f"{method} {path} answered {status}, which the document does not declare"
        if "$ref" in response:
            response = self.resolve(response["$ref"])
        return response["content"]["application/json"]["schema"]

    def media_types(self, method: str, path: str, status: int) -> list[str]:
        """The content types documented for this answer (none when the route or status is not documented)."""
        operation = self.operation(method, path)
        response = (operation or {}).get("responses", {}).get(str(status))
        if response is None or "$ref" in response:
            return []
        return list(response.get("content", {}))

    def resolve(self, pointer: str) -> dict:
        node = self.document
        for part in pointer.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def check(self, method: str, path: str, status: int, mimetype: str, body) -> None:
        schema = self.schema_for(method, path, status)
        assert mimetype == "application/json", f"{method} {path} answered {mimetype}, not JSON"
        if "$ref" in schema:
            schema = {"$ref": DOCUMENT_URI + schema["$ref"]}
        validator = Draft202012Validator(
            schema, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        problems = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)
        ]
        assert not problems, f"{method} {path} {status} does not match the document: {problems}"


class ContractClient(FlaskClient):
    """A test client that holds every ``/api/v1`` response to the app's OpenAPI document."""

    checked = 0

    @cached_property
    def contract(self) -> Contract:
        return Contract(super().open(PREFIX + "/openapi.json").get_json())

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith(PREFIX) and request.method != "HEAD":
            kinds = self.contract.media_types(request.method, request.path, response.status_code)
            if kinds and "application/json" not in kinds:  # a file download: one of the documented types
                assert response.mimetype in kinds, f"{request.path} answered {response.mimetype}, not {kinds}"
            else:
                self.contract.check(
                    request.method, request.path, response.status_code, response.mimetype, response.get_json()
                )
            ContractClient.checked += 1
        return response


@dataclass
class Api:
    """The client, and a token per person of ``PEOPLE``."""

    client: FlaskClient
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def auth(self, who: str, **headers) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}", **headers}

    def get(self, url: str, who: str | None = None, **kwargs):
        return self.client.get(url, headers=self.auth(who) if who else {}, **kwargs)

    def post(self, url: str, who: str | None = None, json=None, headers: dict | None = None, **kwargs):
        sent = {**(self.auth(who) if who else {}), **(headers or {})}
        return self.client.post(url, headers=sent, json=json, **kwargs)

    def file(self, who: str = "app", body: dict | None = None, **kwargs):
        response = self.post(f"{PREFIX}/complaints", who, json=body or submission(**kwargs))
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    def tasks(self, who: str, **query) -> list[dict]:
        response = self.get(f"{PREFIX}/tasks", who, query_string=query)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]

    def task_named(self, who: str, case_id: int, name_part: str) -> dict:
        [task] = [t for t in self.tasks(who, case_id=case_id) if name_part in t["name"].lower()]
        return task

    def claimed(self, who: str, case_id: int, name_part: str) -> dict:
        """The task, claimed by ``who`` unless it is theirs already (a queued task is claimed before it is done)."""
        task = self.task_named(who, case_id, name_part)
        if task["state"] == "ready":
            response = self.post(f"{PREFIX}/tasks/{task['id']}/claim", who)
            assert response.status_code == 200, response.get_json()
            task = response.get_json()
        return task

    def join_task_force(self, who: str, case_id: int, lane: str) -> None:
        """``who`` joins the urgent case's task force for ``lane``: the lane's work then comes to them."""
        join = self.claimed(who, case_id, f"join the task force ({lane})")
        done = self.post(
            f"{PREFIX}/tasks/{join['id']}/complete", who, json={"data": {"reachable_at": "ext. 1"}}
        )
        assert done.status_code == 200, done.get_json()


def start(app, session, clock, *, deploy: bool = True) -> Api:
    """People with tokens and (unless told otherwise) the shipped processes deployed."""
    app.test_client_class = ContractClient
    api = Api(app.test_client())
    # Written in one transaction, not through accounts.create_user (a commit and an audit event each): the
    # people are the tests' furniture, and a hundred tests would otherwise spend seconds creating them.
    departments = {d.code: d for d in session.scalars(select(Department))}
    for name, (role, lanes, display) in PEOPLE.items():
        user = User(
            username=name,
            display_name=display,
            role=role,
            created_at=clock(),
            departments=[departments[lane] for lane in lanes],
        )
        api.tokens[name] = f"{accounts.TOKEN_PREFIX}test-{name}-{secrets.token_urlsafe(16)}"
        session.add(
            ApiToken(
                user=user,
                token_hash=accounts.token_digest(api.tokens[name]),
                prefix=api.tokens[name][:12],
                created_at=clock(),
            )
        )
        api.users[name] = user
    session.commit()
    if deploy:
        deploy_processes(session, clock)
    return api


_deployed: list[dict] = []  # the rows of the first deployment of processes/, for the tests after it


def deploy_processes(session, clock) -> None:
    """Deploy processes/ once per test session; later tests get the same rows back, without the validation.

    Validating the bundle takes longer than most API tests, and its result never changes within a run.
    """
    if not _deployed:
        deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
        for version in session.scalars(select(ProcessVersion).options(undefer("*"))):
            columns = {c.key: getattr(version, c.key) for c in ProcessVersion.__table__.columns}
            _deployed.append({k: v for k, v in columns.items() if k not in ("id", "deployment_id")})
        return
    record = Deployment(deployed_at=clock(), deployed_by="tests")
    record.versions = [ProcessVersion(**{**row, "created_at": clock()}) for row in _deployed]
    for name, content in deployment.read_paths([PROCESSES]):
        record.files.append(
            DeploymentFile(name=name, sha256=hashlib.sha256(content).hexdigest(), content=content)
        )
    session.add(record)
    session.commit()
