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
from engine.studio import history, references

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
    history.record(session, draft, revision=1, actor=actor, now=now, action=history.CREATED)
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
    renamed: dict[str, str] | None = None,
    actor: str,
) -> Draft:
    """Rename, then delete, then write changed and new files, if ``revision`` is still the draft's revision.

    ``renamed`` maps a file's present name to its new one (the content goes with it, and the diagrams' references
    to a renamed form follow it); ``deleted`` and ``files`` then use the names as they are after the renames. The
    save is kept as a new revision.
    """
    renamed = dict(renamed or {})
    _check_names(files, [*deleted, *renamed, *renamed.values()])

    def change(current: dict[str, bytes]) -> dict[str, bytes]:
        unknown = sorted(set(renamed) - set(current))
        if unknown:
            raise ValidationFailed(
                "the draft has no file of this name", dict.fromkeys(unknown, "no such file")
            )
        targets = list(renamed.values())
        clash = {n for n in targets if targets.count(n) > 1 or (n in current and n not in renamed)}
        if clash:
            raise ValidationFailed(
                "a file of that name exists already", dict.fromkeys(sorted(clash), "is taken")
            )
        after = {name: content for name, content in current.items() if name not in renamed}
        after.update({new: current[old] for old, new in renamed.items()})
        gone = sorted(set(deleted) - set(after))
        if gone:
            raise ValidationFailed(
                "cannot delete files the draft does not have", {"deleted": ", ".join(gone)}
            )
        for name in deleted:
            del after[name]
        after.update(files)
        # A renamed form: the diagrams' tasks that named it name it still (unless this save rewrites them).
        followed = references.follow_renamed_forms(after, renamed)
        return {name: after[name] if name in files else followed[name] for name in after}

    return _write(session, clock, draft_id, revision, change, actor, renamed=renamed)


def restore(
    session: Session, clock: Clock, draft_id: int, *, revision: int, restore: int, actor: str
) -> Draft:
    """Make the files what they were at revision ``restore``, as a new save on ``revision`` (the current one)."""
    begin_write(session)
    try:
        earlier = history.files_at(session, draft_id, restore)
    except BaseException:
        session.rollback()
        raise
    return _write(
        session,
        clock,
        draft_id,
        revision,
        lambda _current: earlier,
        actor,
        action=history.RESTORED,
        restored=restore,
    )


def revisions(session: Session, draft_id: int):
    get(session, draft_id)
    return history.revisions(session, draft_id)


def _write(
    session: Session,
    clock: Clock,
    draft_id: int,
    revision: int,
    change,
    actor: str,
    *,
    renamed: dict[str, str] | None = None,
    action: str = history.SAVED,
    restored: int | None = None,
) -> Draft:
    """Replace the draft's files by ``change(current files)`` as revision ``revision + 1``, optimistically."""
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
        after = change({name: f.content for name, f in current.items()})
        _check_bundle(after)
        now = as_utc(clock())
        # Optimistic: the revision is checked again by the UPDATE itself, so a save that raced this one since
        # the read above (on PostgreSQL, which does not hold a write lock here) cannot both succeed.
        main_file = _main_file(draft.main_file, after, renamed or {})
        bumped = session.execute(
            update(Draft)
            .where(Draft.id == draft_id, Draft.revision == revision)
            .values(revision=revision + 1, saved_by=actor, saved_at=now, main_file=main_file)
            .execution_options(synchronize_session=False)
        ).rowcount
        if bumped != 1:
            raise Conflict(f"draft {draft_id} was saved by someone else at the same moment; reload it")
        for name, row in current.items():
            if name not in after:
                draft.files.remove(row)
        session.flush()  # the removed names are free before a renamed file takes one of them
        for name, content in after.items():
            row = current.get(name)
            if row is None:
                draft.files.append(DraftFile(name=name, sha256=_digest(content), content=content))
            elif row.content != content:
                row.content, row.sha256 = content, _digest(content)
        session.flush()
        history.record(
            session, draft, revision=revision + 1, actor=actor, now=now, action=action, restored_from=restored
        )
        if action == history.RESTORED:
            event = {"draft": draft_id, "revision": revision + 1, "restored": restored}
            audit.append(session, [audit.PendingEvent(now, actor, "draft.restored", None, event)])
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return get(session, draft_id)


def _main_file(main_file: str, after: dict[str, bytes], renamed: dict[str, str]) -> str:
    """The file the editor opens first, after a save that may have renamed or removed it."""
    main_file = renamed.get(main_file, main_file)
    if main_file in after:
        return main_file
    return sorted(n for n in after if PurePosixPath(n).suffix.lower() == ".bpmn")[0]


def discard(session: Session, clock: Clock, draft_id: int, *, actor: str) -> None:
    begin_write(session)
    try:
        draft = get(session, draft_id)
        if draft.deployed_at is not None:
            raise InvalidState(f"draft {draft_id} was deployed; it is kept as the record of that deployment")
        history.forget(session, draft_id)
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
