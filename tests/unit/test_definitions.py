"""Deploying bundles: numbered, hashed, immutable versions; refusals change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.errors import DeploymentRejected
from engine.models import AuditEvent, Deployment, DeploymentFile, ProcessVersion
from tests.paths import CORPUS, DATA

FIVE = (DATA / "engine/five_tasks.bpmn").read_bytes()


def deploy_bytes(session, clock, *files):
    return deployment.deploy(session, list(files), actor="owner.huang", clock=clock)


def test_versions_are_numbered_per_key_hashed_and_unchanged_bundles_add_nothing(session, clock):
    first = deploy_bytes(session, clock, ("five_tasks.bpmn", FIVE))
    again = deploy_bytes(session, clock, ("five_tasks.bpmn", FIVE))
    changed = deploy_bytes(session, clock, ("five_tasks.bpmn", FIVE.replace(b"Step one", b"First step")))

    assert [(v.process_key, v.version) for v in first.deployed] == [("five_tasks", 1)]
    assert again.deployed == [] and [v.version for v in again.unchanged] == [1]
    assert [v.version for v in changed.deployed] == [2]
    v1, v2 = session.scalars(select(ProcessVersion).order_by(ProcessVersion.version)).all()
    assert len(v1.sha256) == 64 and v1.sha256 != v2.sha256
    assert session.scalar(select(func.count()).select_from(Deployment)) == 2
    stored = session.scalars(select(DeploymentFile).order_by(DeploymentFile.id)).first()
    assert stored.content == FIVE
    deployed = session.scalars(select(AuditEvent).where(AuditEvent.kind == "process.deployed")).all()
    assert [(e.actor, e.payload["version"]) for e in deployed] == [("owner.huang", 1), ("owner.huang", 2)]


def test_a_refused_bundle_changes_nothing_and_the_previous_version_keeps_serving(session, clock):
    deploy_bytes(session, clock, ("five_tasks.bpmn", FIVE))
    hostile = FIVE.replace(
        b'<bpmn:userTask id="t2" name="Step two">',
        b'<bpmn:scriptTask id="t2" name="Step two"><bpmn:script>import os</bpmn:script>',
    ).replace(
        b'</bpmn:userTask>\n    <bpmn:userTask id="t3"', b'</bpmn:scriptTask>\n    <bpmn:userTask id="t3"'
    )

    with pytest.raises(DeploymentRejected) as refused:
        deploy_bytes(session, clock, ("five_tasks.bpmn", hostile), ("other.bpmn", b"<broken"))

    messages = " | ".join(str(p) for p in refused.value.problems)
    assert "t2" in messages and "import" in messages and "other.bpmn" in messages
    assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 1
    case = CaseEngine(session, clock).start_case("five_tasks", {}, actor="channel")
    assert case.process_version.version == 1


def test_two_files_with_the_same_name_are_refused(session, clock, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "five_tasks.bpmn").write_bytes(FIVE)
    files = deployment.read_paths([tmp_path])
    with pytest.raises(DeploymentRejected, match="two files in the bundle have this name"):
        deploy_bytes(session, clock, *files)


def test_missing_paths_are_named(tmp_path):
    with pytest.raises(DeploymentRejected, match="nowhere: no such file or folder"):
        deployment.read_paths([tmp_path / "nowhere"])


def corpus_files():
    root = CORPUS / "bpmn"
    return sorted(root.rglob("*.bpmn")) if root.is_dir() else []


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_diagram_is_deployed_or_refused_with_a_readable_reason(path, session, clock, corpus):
    try:
        result = deploy_bytes(session, clock, (path.name, path.read_bytes()))
    except DeploymentRejected as refused:
        assert refused.problems
        for problem in refused.problems:
            assert problem.file and problem.message and "Traceback" not in problem.message
    else:
        assert result.deployed, f"{path.name} was accepted but nothing was deployed"
        version = result.deployed[0]
        # A deployed corpus process must also start (or stop on a recorded incident), never crash.
        case = CaseEngine(session, clock).start_case(version.process_key, {}, actor="corpus")
        assert case.status in {"open", "completed", "incident"}
