"""A draft's save history: every save kept as a revision (who, when, which content each file had).

A revision lists its files by SHA-256; each content is stored once per draft (``DraftBlob``), so a hundred
saves of a diagram whose forms never change keep the forms once. Restoring a revision is an ordinary save
(``drafts.restore``) of the files it lists: it becomes the newest revision, and nothing after it is lost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import Draft, DraftBlob, DraftRevision

CREATED, SAVED, RESTORED = "created", "saved", "restored"


def record(
    session: Session,
    draft: Draft,
    *,
    revision: int,
    actor: str,
    now: datetime,
    action: str,
    restored_from: int | None = None,
) -> None:
    """Keep ``draft``'s files (loaded with their content) as ``revision``; call inside the save's transaction."""
    stored = set(session.scalars(select(DraftBlob.sha256).where(DraftBlob.draft_id == draft.id)))
    for file in draft.files:
        if file.sha256 not in stored:
            stored.add(file.sha256)
            session.add(DraftBlob(draft_id=draft.id, sha256=file.sha256, content=file.content))
    session.add(
        DraftRevision(
            draft_id=draft.id,
            revision=revision,
            saved_by=actor,
            saved_at=now,
            action=action,
            restored_from=restored_from,
            files={f.name: f.sha256 for f in draft.files},
        )
    )


def revisions(session: Session, draft_id: int) -> list[DraftRevision]:
    """The draft's revisions, newest first."""
    return list(
        session.scalars(
            select(DraftRevision)
            .where(DraftRevision.draft_id == draft_id)
            .order_by(DraftRevision.revision.desc())
        )
    )


def files_at(session: Session, draft_id: int, revision: int) -> dict[str, bytes]:
    """The files the draft had at ``revision``, by name."""
    kept = session.scalar(
        select(DraftRevision).where(DraftRevision.draft_id == draft_id, DraftRevision.revision == revision)
    )
    if kept is None:
        raise NotFound(f"draft {draft_id} has no revision {revision}")
    digests = set(kept.files.values())
    contents = dict(
        session.execute(
            select(DraftBlob.sha256, DraftBlob.content).where(
                DraftBlob.draft_id == draft_id, DraftBlob.sha256.in_(digests)
            )
        ).all()
    )
    return {name: contents[digest] for name, digest in kept.files.items()}


def forget(session: Session, draft_id: int) -> None:
    """Remove the draft's history (when the draft itself is discarded)."""
    session.execute(delete(DraftRevision).where(DraftRevision.draft_id == draft_id))
    session.execute(delete(DraftBlob).where(DraftBlob.draft_id == draft_id))


def changes(kept: list[DraftRevision]) -> dict[int, dict[str, list[str]]]:
    """For each of ``kept`` (newest first, as ``revisions`` gives them): the files it added, changed and removed
    compared with the revision before it (the first revision of a draft changes nothing)."""
    found: dict[int, dict[str, list[str]]] = {}
    for newer, older in zip(kept, [*kept[1:], None], strict=True):
        before = older.files if older is not None else newer.files
        after = newer.files
        found[newer.revision] = {
            "added": sorted(set(after) - set(before)),
            "changed": sorted(n for n in after if n in before and after[n] != before[n]),
            "removed": sorted(set(before) - set(after)),
        }
    return found
