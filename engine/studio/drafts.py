"""Drafts: a deployed version's bundle copied, edited and saved by process owners, then deployed on request.

A draft is stored, downloaded, checked and tried, never run. Saves are optimistic: each names the revision it
was made on, and a save on an older revision is refused (``Conflict``), so two owners editing the same draft
never overwrite each other's work silently.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload, undefer

from engine import audit
from engine.clock import Clock, as_utc
from engine.deploy import deployment
from engine.deploy.files import MAX_BUNDLE_BYTES, MAX_FILES
from engine.deploy.xmlsafe import MAX_BYTES
from engine.errors import Conflict, InvalidState, NotFound, ValidationFailed
from engine.models import DeploymentFile, Draft, DraftFile, ProcessVersion
from engine.store.db import begin_write

MAX_NAME = 120
MAX_REASON = 500


def create(session: Session, clock: Clock, *, version_id: int, actor: str, title: str = "") -> Draft:
    """Start a draft from a deployed version: a copy of every file deployed with it."""
    begin_write(session)
    version = session.get(ProcessVersion, version_id)
    if version is None:
        session.rollback()
        raise NotFound(f"process version {version_id} does not exist")
    now = as_utc(clock())
    rows = session.execute(
        select(DeploymentFile.name, DeploymentFile.content).where(
            DeploymentFile.deployment_id == version.deployment_id
        )
    ).all()
    draft = Draft(
        process_key=version.process_key,
        base_version_id=version.id,
        main_file=version.source_file,
        title=(title or f"{version.label} draft")[:255],
        revision=1,
        created_by=actor,
        created_at=now,
        saved_by=actor,
        saved_at=now,
        files=[DraftFile(name=name, sha256=_digest(content), content=content) for name, content in rows],
    )
    session.add(draft)
    session.flush()
    audit.append(
        session,
        [audit.PendingEvent(now, actor, "draft.created", None, {"draft": draft.id, "from": version.label})],
    )
    session.commit()
    return draft


def get(session: Session, draft_id: int, *, with_content: bool = False) -> Draft:
    query = select(Draft).where(Draft.id == draft_id)
    if with_content:
        query = query.options(selectinload(Draft.files).options(undefer(DraftFile.content)))
    draft = session.scalar(query.execution_options(populate_existing=True))
    if draft is None:
        raise NotFound(f"draft {draft_id} does not exist")
    return draft


def files_of(draft: Draft) -> list[tuple[str, bytes]]:
    return [(f.name, f.content) for f in draft.files]


def list_open(session: Session, process_key: str | None = None) -> list[Draft]:
    """Drafts not yet deployed, most recently saved first."""
    query = select(Draft).where(Draft.deployed_at.is_(None)).order_by(Draft.saved_at.desc(), Draft.id.desc())
    if process_key is not None:
        query = query.where(Draft.process_key == process_key)
    return list(session.scalars(query))


def save(
    session: Session,
    clock: Clock,
    draft_id: int,
    *,
    revision: int,
    files: dict[str, bytes],
    deleted: list[str] = (),
    actor: str,
) -> Draft:
    """Write changed and new files and remove deleted ones, if ``revision`` is still the draft's revision."""
    _check_names(files, deleted)
    begin_write(session)
    try:
        draft = get(session, draft_id, with_content=True)
        if draft.deployed_at is not None:
            raise InvalidState(f"draft {draft_id} was deployed; start a new draft from the deployed version")
        if draft.revision != revision:
            raise Conflict(
                f"draft {draft_id} was saved by {draft.saved_by} at {draft.saved_at:%Y-%m-%d %H:%M} UTC "
                f"(revision {draft.revision}) after you opened it (revision {revision}); reload it, then "
                "make your change again"
            )
        current = {f.name: f for f in draft.files}
        missing = sorted(set(deleted) - set(current))
        if missing:
            raise ValidationFailed(
                "cannot delete files the draft does not have", {"deleted": ", ".join(missing)}
            )
        after = {name: f.content for name, f in current.items() if name not in deleted}
        after.update(files)
        _check_bundle(after)
        now = as_utc(clock())
        # Optimistic: the revision is checked again by the UPDATE itself, so a save that raced this one since
        # the read above (on PostgreSQL, which does not hold a write lock here) cannot both succeed.
        bumped = session.execute(
            update(Draft)
            .where(Draft.id == draft_id, Draft.revision == revision)
            .values(revision=revision + 1, saved_by=actor, saved_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if bumped != 1:
            raise Conflict(f"draft {draft_id} was saved by someone else at the same moment; reload it")
        for name in deleted:
            session.delete(current[name])
        for name, content in files.items():
            if name in current:
                current[name].content, current[name].sha256 = content, _digest(content)
            else:
                draft.files.append(DraftFile(name=name, sha256=_digest(content), content=content))
        session.flush()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return get(session, draft_id)


def discard(session: Session, clock: Clock, draft_id: int, *, actor: str) -> None:
    begin_write(session)
    try:
        draft = get(session, draft_id)
        if draft.deployed_at is not None:
            raise InvalidState(f"draft {draft_id} was deployed; it is kept as the record of that deployment")
        session.delete(draft)
        session.flush()
        audit.append(
            session,
            [audit.PendingEvent(as_utc(clock()), actor, "draft.discarded", None, {"draft": draft_id})],
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise


def deploy(
    session: Session, clock: Clock, draft_id: int, *, revision: int, reason: str, actor: str, **kwargs
) -> deployment.DeployResult:
    """Deploy the draft as it was saved at ``revision``, with the owner's reason in the audit events.

    The deployment is ``deployment.deploy`` itself (the same validation, all or nothing). The draft is then
    marked deployed, in a transaction of its own: if that second write failed, the deployment stands and the
    draft simply stays open.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("say why you deploy this version", {"reason": "is required"})
    if len(reason) > MAX_REASON:
        raise ValidationFailed("the reason is too long", {"reason": f"at most {MAX_REASON} characters"})
    draft = get(session, draft_id, with_content=True)
    if draft.deployed_at is not None:
        raise InvalidState(f"draft {draft_id} was already deployed")
    if draft.revision != revision:
        raise Conflict(
            f"draft {draft_id} changed since you checked it (now revision {draft.revision}); reload"
        )
    files = files_of(draft)
    session.rollback()
    result = deployment.deploy(session, files, actor=actor, clock=clock, reason=reason, **kwargs)
    if result.deployed:
        _mark_deployed(session, draft_id, revision, actor, as_utc(clock()))
    return result


def _mark_deployed(session: Session, draft_id: int, revision: int, actor: str, now: datetime) -> None:
    begin_write(session)
    session.execute(
        update(Draft)
        .where(Draft.id == draft_id, Draft.revision == revision)
        .values(deployed_at=now, deployed_by=actor)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def archive(draft: Draft) -> bytes:
    """The draft's files as a zip, to download (and to deploy with the CLI or another tool)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, content in files_of(draft):
            bundle.writestr(name, content)
    return buffer.getvalue()


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _check_names(files: dict[str, bytes], deleted) -> None:
    errors: dict[str, str] = {}
    for name in [*files, *deleted]:
        path = PurePosixPath(name)
        if not name or len(name) > MAX_NAME or path.name != name or name.startswith("."):
            errors[name or "(empty)"] = f"must be a bare file name of at most {MAX_NAME} characters"
        elif path.suffix.lower() not in deployment.DEPLOYABLE_SUFFIXES:
            errors[name] = "must end in .bpmn, .dmn or .json"
    for name, content in files.items():
        if len(content) > MAX_BYTES:
            errors[name] = f"is {len(content):,} bytes; a file may have at most {MAX_BYTES:,}"
    if errors:
        raise ValidationFailed("some files cannot be part of a draft", errors)


def _check_bundle(after: dict[str, bytes]) -> None:
    if not any(PurePosixPath(n).suffix.lower() == ".bpmn" for n in after):
        raise ValidationFailed("a draft needs at least one .bpmn file", {"deleted": "would leave no diagram"})
    if len(after) > MAX_FILES:
        raise ValidationFailed("the draft has too many files", {"files": f"at most {MAX_FILES}"})
    if sum(len(c) for c in after.values()) > MAX_BUNDLE_BYTES:
        raise ValidationFailed("the draft is too large", {"files": f"at most {MAX_BUNDLE_BYTES:,} bytes"})
