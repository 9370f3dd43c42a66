"""Uploading and listing process definitions through the API: validated as one bundle, all or nothing."""

from __future__ import annotations

import io
import json

import pytest

from engine.deploy import deployment
from tests.functional.test_api_support import PREFIX, PROCESSES, start
from tests.paths import DATA

URL = f"{PREFIX}/processes"
KEYS = ["advisory_path", "complaint", "general_path", "result_and_follow_up", "urgent_path"]


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock, deploy=False)


def upload(api, files: list[tuple[str, bytes]], who: str = "pete", **fields):
    data = {"files": [(io.BytesIO(content), name) for name, content in files], **fields}
    return api.post(URL, who, data=data, content_type="multipart/form-data")


def listed(api) -> list[tuple[str, int, str]]:
    return [(v["key"], v["version"], v["deployed_by"]) for v in api.get(URL, "aud").get_json()["items"]]


def test_a_bundle_is_deployed_once_and_unchanged_files_deploy_nothing(api):
    files = deployment.read_paths([PROCESSES])
    first = upload(api, files)
    assert first.status_code == 201
    assert (
        sorted(v["key"] for v in first.get_json()["deployed"]) == KEYS and first.get_json()["unchanged"] == []
    )
    again = upload(api, files, who="adam")
    assert again.status_code == 200
    assert again.get_json()["deployed"] == [] and len(again.get_json()["unchanged"]) == 5
    assert listed(api) == [(key, 1, "pete") for key in KEYS]


def test_a_changed_form_deploys_a_new_version_of_the_process_using_it(api):
    files = deployment.read_paths([PROCESSES])
    upload(api, files)
    changed = []
    for name, content in files:
        if name == "intake.schema.json":
            form = json.loads(content)
            form["properties"]["complaint"]["properties"]["description"]["maxLength"] = 5000
            content = json.dumps(form).encode()
        changed.append((name, content))
    response = upload(api, changed)
    assert response.status_code == 201
    assert [(v["key"], v["version"]) for v in response.get_json()["deployed"]] == [("complaint", 2)]
    assert ("complaint", 2, "pete") in listed(api)


@pytest.mark.parametrize("name", ["link_event.bpmn", "complex_gateway.bpmn", "script_import_os.bpmn"])
def test_a_refused_bundle_names_file_element_and_reason_and_deploys_nothing(api, name):
    files = [*deployment.read_paths([PROCESSES]), (name, (DATA / "validation" / name).read_bytes())]
    response = upload(api, files)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "deployment_rejected"
    assert body["problems"] and all(p["file"] and p["message"] for p in body["problems"])
    assert any(p["file"] == name and p["element"] for p in body["problems"])
    assert listed(api) == []


def test_an_xml_entity_attack_is_refused(api):
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</definitions>'
    )
    response = upload(api, [("evil.bpmn", evil)])
    assert response.status_code == 422
    assert "passwd" not in json.dumps(response.get_json()).replace("file:///etc/passwd", "")


def test_client_folders_in_file_names_are_dropped(api):
    files = [
        (f"processes/forms/{name}" if n % 2 else f"../../{name}", content)
        for n, (name, content) in enumerate(deployment.read_paths([PROCESSES]))
    ]
    assert upload(api, files).status_code == 201
    assert {v["source_file"] for v in api.get(URL, "pete").get_json()["items"]} == {
        "advisory.bpmn",
        "complaint.bpmn",
        "general.bpmn",
        "follow_up.bpmn",
        "urgent.bpmn",
    }


def test_bad_uploads_are_refused_before_anything_is_read(api, app):
    as_json = api.post(URL, "pete", json={"files": []})
    assert as_json.status_code == 400 and as_json.get_json()["code"] == "unsupported_content_type"
    empty = api.post(URL, "pete", data={"note": "x"}, content_type="multipart/form-data")
    assert empty.status_code == 422
    assert set(empty.get_json()["errors"]) == {"files", "note"}
    app.config["PROCESS_UPLOAD_MAX_BYTES"] = 10_000
    big = upload(api, [("big.bpmn", b"<x/>" * 5000)])
    assert big.status_code == 413 and big.get_json()["code"] == "payload_too_large"


def test_only_process_owners_and_administrators_deploy(api):
    files = deployment.read_paths([PROCESSES])
    for who in ("ann", "sue", "aud"):
        assert upload(api, files, who=who).status_code == 403
    assert api.get(URL, "ann").status_code == 403
    assert listed(api) == []


def test_a_layout_error_deploys_and_comes_back_as_a_warning(api):
    files = deployment.read_paths([PROCESSES])
    broken = []
    for name, content in files:
        if name == "advisory.bpmn":
            text = content.decode()
            start = text.index("<dc:Bounds")
            content = (text[:start] + text[start:].replace('width="', 'width="wide', 1)).encode()
        broken.append((name, content))
    response = upload(api, broken)
    assert response.status_code == 201
    (warning,) = response.get_json()["warnings"]
    assert warning["file"] == "advisory.bpmn" and "layout error" in warning["message"] and warning["element"]
