"""Deploying diagram bundles as immutable, numbered, hashed process versions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit
from engine.clock import Clock, as_utc
from engine.deploy.bundle import load_bundle
from engine.errors import Conflict, DeploymentRejected, Problem
from engine.forms import form_name
from engine.models import Deployment, DeploymentFile, ProcessVersion
from engine.store.db import begin_write
from engine.store.serialization import SERIALIZER
from handlers import HandlerRegistry
from handlers import registry as default_registry

DEPLOYABLE_SUFFIXES = (".bpmn", ".dmn", ".json")


@dataclass
class DeployResult:
    deployed: list[ProcessVersion] = field(default_factory=list)
    unchanged: list[ProcessVersion] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # deployed anyway (diagram layout errors)


def read_paths(paths: list[str | Path]) -> list[tuple[str, bytes]]:
    """Collect deployable files from files and folders (recursively).

    Files are named by their bare file name, which is how diagrams refer to forms; two files with the same
    name in different sub-folders are refused by ``deploy``.
    """
    files: list[tuple[str, bytes]] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in DEPLOYABLE_SUFFIXES:
                    files.append((child.name, child.read_bytes()))
        elif path.is_file():
            files.append((path.name, path.read_bytes()))
        else:
            problems.append(Problem(str(raw), "no such file or folder", code="file.not_found"))
    if problems:
        raise DeploymentRejected(problems)
    return files


def deploy(
    session: Session,
    files: list[tuple[str, bytes]],
    *,
    actor: str,
    clock: Clock,
    handlers: HandlerRegistry = default_registry,
    reason: str | None = None,
) -> DeployResult:
    """Validate ``files`` as one bundle and deploy a new version of every process whose content changed.

    All or nothing: a refused bundle raises ``DeploymentRejected`` and leaves every deployed version as it was.
    ``reason`` (the studio asks for one) is recorded in each ``process.deployed`` audit event.
    """
    names = [name for name, _ in files]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        same = "two files in the bundle have this name"
        raise DeploymentRejected([Problem(n, same, code="file.same_name") for n in duplicates])
    begin_write(session)
    bundle = load_bundle(files, handler_names=handlers.names(), library=_library(session))
    now = as_utc(clock())
    result = DeployResult(warnings=list(bundle.warnings))
    deployment = Deployment(deployed_at=now, deployed_by=actor)
    events: list[audit.PendingEvent] = []
    for pid in bundle.process_ids:
        spec, subprocess_specs = bundle.specs[pid]
        try:
            spec_json = SERIALIZER.dump_spec(spec, subprocess_specs)
        except RecursionError:
            raise DeploymentRejected(
                [
                    Problem(
                        spec.file or pid,
                        "the process is too deeply nested to store; split it into sub-processes",
                        pid,
                        code="process.too_deep",
                    )
                ]
            ) from None
        all_specs = [spec, *subprocess_specs.values()]
        forms = {
            name: bundle.forms[name]
            for s in all_specs
            for t in s.task_specs.values()
            if (name := form_name(t)) and name in bundle.forms
        }
        digest = hashlib.sha256((spec_json + json.dumps(forms, sort_keys=True)).encode()).hexdigest()
        latest = session.scalars(ProcessVersion.latest(pid)).first()
        if latest is not None and latest.sha256 == digest:
            result.unchanged.append(latest)
            continue
        version = ProcessVersion(
            process_key=pid,
            version=(latest.version + 1) if latest else 1,
            name=spec.description or pid,
            sha256=digest,
            deployment=deployment,
            source_file=spec.file or "",
            spec_json=spec_json,
            forms=forms,
            lanes=sorted(
                {t.lane for s in all_specs for t in s.task_specs.values() if getattr(t, "lane", None)}
            ),
            created_at=now,
        )
        result.deployed.append(version)
        events.append(
            audit.PendingEvent(
                now,
                actor,
                "process.deployed",
                None,
                {"process": pid, "version": version.version, "sha256": digest, "files": names}
                | ({"reason": reason} if reason else {}),
            )
        )
    if not result.deployed:
        session.commit()  # nothing to write; end the write transaction
        return result
    for name, content in files:
        deployment.files.append(
            DeploymentFile(name=name, sha256=hashlib.sha256(content).hexdigest(), content=content)
        )
    session.add(deployment)
    try:
        session.flush()
        audit.append(session, events)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("another deployment of the same process finished first; deploy again") from None
    return result


def deployed_library(session: Session) -> dict[str, bytes]:
    """What ``deploy`` resolves call activities against: for checking a bundle the same way (the studio)."""
    return _library(session)


def _library(session: Session) -> dict[str, bytes]:
    """The BPMN sources of the latest version of every deployed process, for call activities to resolve."""
    rows = session.execute(
        select(ProcessVersion.process_key, ProcessVersion.deployment_id, ProcessVersion.source_file).order_by(
            ProcessVersion.process_key, ProcessVersion.version.desc()
        )
    ).all()
    library: dict[str, bytes] = {}
    seen: set[str] = set()
    for key, deployment_id, source_file in rows:
        if key in seen:
            continue
        seen.add(key)
        content = session.scalar(
            select(DeploymentFile.content).where(
                DeploymentFile.deployment_id == deployment_id, DeploymentFile.name == source_file
            )
        )
        if content is not None:
            library.setdefault(source_file, content)
    return library


def latest_versions(session: Session) -> Sequence[tuple[ProcessVersion, Deployment]]:
    """The newest version of every process key, with the deployment that brought it."""
    newest = (
        select(ProcessVersion.process_key, func.max(ProcessVersion.version).label("version"))
        .group_by(ProcessVersion.process_key)
        .subquery()
    )
    return session.execute(
        select(ProcessVersion, Deployment)
        .join(
            newest,
            and_(
                newest.c.process_key == ProcessVersion.process_key,
                newest.c.version == ProcessVersion.version,
            ),
        )
        .join(Deployment, Deployment.id == ProcessVersion.deployment_id)
        .order_by(ProcessVersion.process_key)
    ).all()
