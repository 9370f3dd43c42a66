"""What the studio lists: deployed versions with their use, the files of a version, the handler registry."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import Case, CaseStatus, Deployment, DeploymentFile, ProcessVersion
from handlers import HandlerRegistry


@dataclass
class VersionRow:
    version: ProcessVersion
    deployment: Deployment
    cases: int  # every case that started on it
    open_cases: int  # those still running (open or in incident)


def versions(session: Session) -> list[VersionRow]:
    """Every deployed version, newest first within each process, with how many cases run on it."""
    counts = (
        select(
            Case.process_version_id,
            func.count().label("cases"),
            func.sum(when((Case.status.in_((CaseStatus.OPEN, CaseStatus.INCIDENT)), 1), else_=0)).label(
                "open"
            ),
        )
        .group_by(Case.process_version_id)
        .subquery()
    )
    rows = session.execute(
        select(ProcessVersion, Deployment, counts.c.cases, counts.c.open)
        .join(Deployment, Deployment.id == ProcessVersion.deployment_id)
        .outerjoin(counts, counts.c.process_version_id == ProcessVersion.id)
        .order_by(ProcessVersion.process_key, ProcessVersion.version.desc())
    ).all()
    return [VersionRow(v, d, int(c or 0), int(o or 0)) for v, d, c, o in rows]


def version(session: Session, version_id: int) -> ProcessVersion:
    found = session.get(ProcessVersion, version_id)
    if found is None:
        raise NotFound(f"process version {version_id} does not exist")
    return found


def files_of_version(session: Session, version_id: int) -> list[tuple[str, bytes]]:
    """The files deployed with a version (the whole bundle it came in)."""
    deployment_id = version(session, version_id).deployment_id
    return [
        tuple(row)
        for row in session.execute(
            select(DeploymentFile.name, DeploymentFile.content)
            .where(DeploymentFile.deployment_id == deployment_id)
            .order_by(DeploymentFile.name)
        )
    ]


def handlers(registry: HandlerRegistry) -> list[dict]:
    """Each registered handler with its parameters (what a service task passes), for the editor's picker."""
    found = []
    for name in sorted(registry.names()):
        function = registry.get(name)
        parameters = [
            {
                "name": p.name,
                "required": p.default is inspect.Parameter.empty,
            }
            for p in list(inspect.signature(function).parameters.values())[1:]  # the first is the context
            if p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
        ]
        doc = (inspect.getdoc(function) or "").split("\n", 1)[0]
        found.append({"name": name, "description": doc, "parameters": parameters})
    return found
