"""The inbox, a task with its form, claiming and completing, through the API with the shipped processes."""

from __future__ import annotations

import base64
import json

import pytest

from engine.runtime.step import Step
from engine.store.db import in_write
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import PREFIX, start

TASKS = f"{PREFIX}/tasks"
DIRECTION = {"direction": "We will review the fee and reply within 3 days"}


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


@pytest.fixture
def urgent(api):
    """A card theft: tasks for frontline, operations and risk at once."""
    return api.file(description="My card was stolen and money taken", category="card_theft", amount=800)


def lanes(api, who: str, **query) -> list[str]:
    return sorted(t["lane"] for t in api.tasks(who, **query))


def test_agents_see_only_their_lanes_and_supervisors_and_auditors_see_all(api, urgent):
    assert lanes(api, "ann") == ["frontline"]
    assert lanes(api, "otto") == ["operations"]
    assert lanes(api, "rita") == ["risk"]
    assert lanes(api, "pia") == [] and lanes(api, "app") == []
    assert lanes(api, "sue") == lanes(api, "aud") == ["frontline", "operations", "risk"]
    assert lanes(api, "sue", lane="risk") == ["risk"]
    assert lanes(api, "otto", lane="risk") == []  # a filter never widens what one may see
    assert lanes(api, "sue", lane="nowhere") == []


def test_filters_by_state_case_and_overdue(api, urgent, clock):
    contact = api.task_named("ann", urgent["id"], "contact")
    api.post(f"{TASKS}/{contact['id']}/claim", "ann")
    other = api.file(customer="C-2")

    assert [t["state"] for t in api.tasks("ann", state="claimed")] == ["claimed"]
    assert [t["id"] for t in api.tasks("ann", assignee="me")] == [contact["id"]]
    assert [t["id"] for t in api.tasks("bob", state="ready")] == [
        api.tasks("bob", case_id=other["id"])[0]["id"]
    ]
    assert {t["case_id"] for t in api.tasks("sue", case_id=urgent["id"])} == {urgent["id"]}

    api.join_task_force("otto", urgent["id"], "operations")
    api.join_task_force("rita", urgent["id"], "risk")
    clock.advance(minutes=20)  # past the 15 minutes to contact the customer, within the other limits
    overdue = api.tasks("sue", overdue="true")
    assert [(t["id"], t["overdue"]) for t in overdue] == [(contact["id"], True)]

    api.post(f"{TASKS}/{contact['id']}/complete", "ann", json={"data": {"reached": True, "note": "Called"}})
    assert [t["id"] for t in api.tasks("ann", state="completed")] == [contact["id"]]


def test_the_inbox_pages_by_due_time_then_id_with_undated_tasks_last(api, clock):
    cases = [api.file(customer="C-1"), api.file(customer="C-2")]  # the same due time: the id breaks the tie
    for n in (3, 4, 5):
        clock.advance(minutes=1)
        cases.append(api.file(customer=f"C-{n}"))
    for case in cases[3:]:  # worked up to the rework of an unresolved complaint, a task without a deadline
        for name, data in (
            ("direction", DIRECTION),
            ("propose", {"compensation_amount": 0, "apology": "Sorry"}),
            ("send the result", {"cause": "c", "solution": "s", "advice": "a"}),
            ("call the customer", {"reached": True}),
            ("follow-up", {"resolved": False}),
        ):
            task = api.claimed("ann", case["id"], name)
            answer = api.post(f"{TASKS}/{task['id']}/complete", "ann", json={"data": data})
            assert answer.status_code == 200, answer.get_json()
    expected = [t["id"] for t in api.tasks("ann", limit=100)]
    everything = api.tasks("ann", limit=100)
    assert [t["due_at"] is None for t in everything] == [False, False, False, True, True]
    assert [t["due_at"] for t in everything[:3]] == sorted(t["due_at"] for t in everything[:3])

    for limit in (1, 2, 3):
        seen, cursor, pages = [], None, 0
        while True:
            query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            page = api.get(TASKS, "ann", query_string=query).get_json()
            seen += [t["id"] for t in page["items"]]
            pages += 1
            cursor = page["next"]
            if cursor is None:
                break
        assert seen == expected, limit
        assert pages == -(-len(expected) // limit)


def test_a_supervisor_pages_through_every_lane(api, clock):
    for n in range(3):
        clock.advance(minutes=1)
        api.file(
            description="My card was stolen and money taken",
            category="card_theft",
            amount=800,
            customer=f"C-{n}",
        )
    everything = [t["id"] for t in api.tasks("sue", limit=100)]
    assert len(everything) == 9
    first = api.get(TASKS, "sue", query_string={"limit": 4}).get_json()
    second = api.get(TASKS, "sue", query_string={"limit": 4, "cursor": first["next"]}).get_json()
    third = api.get(TASKS, "sue", query_string={"limit": 4, "cursor": second["next"]}).get_json()
    assert [t["id"] for t in first["items"] + second["items"] + third["items"]] == everything
    assert third["next"] is None


@pytest.mark.parametrize(
    ("query", "bad"),
    [
        ({"state": "done"}, "state"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"case_id": "-1"}, "case_id"),
        ({"assignee": "bob"}, "assignee"),
        ({"overdue": "yes"}, "overdue"),
        ({"lane": "risk\x00"}, "lane"),
        ({"sort": "due"}, "sort"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WzEsMl0"}, "cursor"),  # base64 of [1,2]: well-formed, but no cursor of ours
    ],
)
def test_bad_inbox_parameters_are_400_naming_them(api, query, bad):
    response = api.get(TASKS, "ann", query_string=query)
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == [bad]


def test_a_task_comes_with_its_form_and_is_hidden_from_other_lanes(api):
    case = api.file()
    direction = api.task_named("ann", case["id"], "direction")
    body = api.get(f"{TASKS}/{direction['id']}", "ann").get_json()
    assert body["case_id"] == case["id"] and body["lane"] == "frontline" and body["state"] == "ready"
    assert body["form"]["required"] == ["direction"]
    assert api.get(f"{TASKS}/{direction['id']}", "rita").status_code == 404
    assert api.get(f"{TASKS}/{direction['id']}", "aud").status_code == 200
    assert api.get(f"{TASKS}/987654", "ann").status_code == 404


def test_claiming_takes_the_task_and_a_second_claim_conflicts(api):
    case = api.file()
    direction = api.task_named("ann", case["id"], "direction")
    claimed = api.post(f"{TASKS}/{direction['id']}/claim", "ann")
    assert claimed.status_code == 200
    assert (claimed.get_json()["state"], claimed.get_json()["assignee"]["username"]) == ("claimed", "ann")
    assert api.post(f"{TASKS}/{direction['id']}/claim", "ann").status_code == 200  # her own: harmless
    taken = api.post(f"{TASKS}/{direction['id']}/claim", "bob")
    assert taken.status_code == 409 and taken.get_json()["code"] == "conflict"
    assert api.post(f"{TASKS}/{direction['id']}/claim", "rita").status_code == 404
    assert api.post(f"{TASKS}/{direction['id']}/claim", "aud").status_code == 403


def test_completing_someone_elses_claimed_task_is_403(api):
    case = api.file()
    direction = api.task_named("ann", case["id"], "direction")
    api.post(f"{TASKS}/{direction['id']}/claim", "ann")
    response = api.post(f"{TASKS}/{direction['id']}/complete", "bob", json={"data": DIRECTION})
    assert response.status_code == 403 and response.get_json()["code"] == "forbidden"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"data": {}}, {"direction": "is required"}),
        ({"data": {"direction": 42}}, {"direction": "..."}),
        ({"data": {**DIRECTION, "secret": 1}}, {"secret": "is not a field of this form"}),
        ({"data": [DIRECTION]}, {"data": "must be an object"}),
        ({}, {"data": "is required"}),
        ({"data": DIRECTION, "comment": "x"}, {"comment": "is not a known field"}),
    ],
)
def test_completing_with_bad_data_is_422_by_field(api, body, errors):
    case = api.file()
    direction = api.claimed("ann", case["id"], "direction")
    response = api.post(f"{TASKS}/{direction['id']}/complete", "ann", json=body)
    assert response.status_code == 422
    found = response.get_json()["errors"]
    assert set(found) == set(errors) and all(found[k] == v for k, v in errors.items() if v != "...")
    assert api.get(f"{TASKS}/{direction['id']}", "ann").get_json()["state"] == "claimed"  # as before the try


def test_completing_with_a_malformed_body_is_400(api):
    case = api.file()
    direction = api.claimed("ann", case["id"], "direction")
    response = api.post(
        f"{TASKS}/{direction['id']}/complete",
        "ann",
        data="{data:",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.get_json()["code"] == "malformed_json"


def test_completing_runs_the_case_on_and_completing_twice_conflicts(api):
    case = api.file()
    direction = api.claimed("ann", case["id"], "direction")
    done = api.post(f"{TASKS}/{direction['id']}/complete", "ann", json={"data": DIRECTION})
    assert done.status_code == 200
    assert done.get_json()["task"]["state"] == "completed"
    assert done.get_json()["case"] == {"id": case["id"], "reference": case["reference"], "status": "open"}
    assert "settlement" in api.tasks("ann", assignee="me")[0]["name"].lower()
    again = api.post(f"{TASKS}/{direction['id']}/complete", "ann", json={"data": DIRECTION})
    assert again.status_code == 409 and again.get_json()["code"] == "conflict"


def test_a_completion_retried_with_its_idempotency_key_is_answered_not_redone(api):
    case = api.file()
    direction = api.claimed("ann", case["id"], "direction")
    url, key = f"{TASKS}/{direction['id']}/complete", {"Idempotency-Key": "done-1"}
    first = api.post(url, "ann", json={"data": DIRECTION}, headers=key)
    again = api.post(url, "ann", json={"data": DIRECTION}, headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    other = api.post(url, "ann", json={"data": {"direction": "Something else"}}, headers=key)
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"
    # Without the key, the second completion is what it is: too late.
    assert api.post(url, "ann", json={"data": DIRECTION}).status_code == 409


def test_a_task_in_the_queue_is_claimed_before_it_is_completed_through_the_api_as_on_the_page(api, app):
    case = api.file()
    direction = api.task_named("ann", case["id"], "direction")
    refused = api.post(f"{TASKS}/{direction['id']}/complete", "ann", json={"data": DIRECTION})
    assert refused.status_code == 409 and "claim it" in refused.get_json()["message"]
    assert api.get(f"{TASKS}/{direction['id']}", "ann").get_json()["state"] == "ready"  # nothing changed
    # The page refuses the same task with the same rule (engine/cases/access.py).
    page = Browser(app).as_user(api.users["ann"].id)
    answer = page.post(f"/agent/tasks/{direction['id']}", data={"direction": DIRECTION["direction"]})
    assert answer.status_code == 409 and "Claim this task before completing it" in answer.text
    api.post(f"{TASKS}/{direction['id']}/claim", "ann")
    assert api.post(f"{TASKS}/{direction['id']}/complete", "ann", json={"data": DIRECTION}).status_code == 200


@pytest.mark.parametrize(
    "cursor", [[0, None, 2**70], [9, None, 1], [0, None, -1], [True, None, 1], "[[[[", "x"]
)
def test_a_cursor_this_api_did_not_hand_out_is_a_clear_400(api, cursor):
    text = cursor if isinstance(cursor, str) else json.dumps(cursor)
    encoded = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    response = api.get(TASKS, "ann", query_string={"cursor": encoded})
    assert response.status_code == 400 and response.get_json()["errors"] == {"cursor": "not from this API"}


def test_a_completion_with_an_idempotency_key_runs_the_workflow_before_its_write(api, monkeypatch):
    # With the key, the stored answer commits with the completion; the workflow must still run before the
    # write transaction opens (on SQLite that transaction holds every process's one writer).
    seen = []
    original = Step.complete_human_task

    def watched(self, task, data):
        seen.append(in_write(self.unit.session))
        return original(self, task, data)

    monkeypatch.setattr(Step, "complete_human_task", watched)
    case = api.file()
    direction = api.claimed("ann", case["id"], "direction")
    url, key = f"{TASKS}/{direction['id']}/complete", {"Idempotency-Key": "done-outside"}
    done = api.post(url, "ann", json={"data": DIRECTION}, headers=key)
    assert done.status_code == 200, done.get_json()
    assert seen == [False]
    again = api.post(url, "ann", json={"data": DIRECTION}, headers=key)
    assert again.get_json() == done.get_json() and seen == [False]  # a replay runs nothing
