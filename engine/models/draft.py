"""Drafts: bundles a process owner is editing in the studio. Stored, never run, deployed only on request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from engine.models.base import Base, BigId, JSONValue, intpk


class Draft(Base):
    """A bundle (diagrams, decision tables, forms) copied from a deployed version and edited.

    ``revision`` grows by one with every save; a save names the revision it was made on, so two owners saving
    the same draft cannot overwrite each other (the second is told, 409).
    """

    __tablename__ = "drafts"

    id: Mapped[intpk]
    process_key: Mapped[str] = mapped_column(String(255), index=True)
    # The deployed version the draft started from: compared with, and its cases tried against.
    base_version_id: Mapped[int] = mapped_column(BigId, ForeignKey("process_versions.id"))
    # The file the editor opens first (the base version's BPMN file).
    main_file: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    revision: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime]
    saved_by: Mapped[str] = mapped_column(String(150))
    saved_at: Mapped[datetime]
    # Set when the draft was deployed from the studio (it is kept, read-only, as the record of what was).
    deployed_at: Mapped[datetime | None]
    deployed_by: Mapped[str | None] = mapped_column(String(150))
    files: Mapped[list[DraftFile]] = relationship(
        back_populates="draft", order_by="DraftFile.name", cascade="all, delete-orphan"
    )


class DraftFile(Base):
    __tablename__ = "draft_files"
    __table_args__ = (UniqueConstraint("draft_id", "name"),)

    id: Mapped[intpk]
    draft_id: Mapped[int] = mapped_column(BigId, ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    draft: Mapped[Draft] = relationship(back_populates="files")


class DraftRevision(Base):
    """One save of a draft, kept: who saved it, when, and which content each file had (by SHA-256).

    The contents themselves are ``DraftBlob`` rows, stored once per draft however many revisions share them,
    so restoring an earlier revision is a save of the files that revision lists.
    """

    __tablename__ = "draft_revisions"
    __table_args__ = (UniqueConstraint("draft_id", "revision"),)

    id: Mapped[intpk]
    draft_id: Mapped[int] = mapped_column(BigId, ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    saved_by: Mapped[str] = mapped_column(String(150))
    saved_at: Mapped[datetime]
    # What the save did, in a word the page translates: created, saved, restored.
    action: Mapped[str] = mapped_column(String(20))
    # The revision a restore went back to (none for the other actions).
    restored_from: Mapped[int | None]
    # File name -> SHA-256 of its content at this revision.
    files: Mapped[dict[str, Any]] = mapped_column(JSONValue)


class DraftBlob(Base):
    """A file content some revision of a draft had, once per draft and digest."""

    __tablename__ = "draft_blobs"
    __table_args__ = (UniqueConstraint("draft_id", "sha256"),)

    id: Mapped[intpk]
    draft_id: Mapped[int] = mapped_column(BigId, ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
