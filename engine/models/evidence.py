"""Evidence a customer or an agent attaches to a case. The row describes the file; its bytes live in the
evidence store (a folder outside the web root, or an S3-compatible bucket), under ``storage_key``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base, BigId, intpk


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    # The name the uploader gave, cleaned for display; never used as a path or to decide the type.
    filename: Mapped[str] = mapped_column(String(255))
    # Decided from the content (after re-encoding), never from the name or the browser's claim.
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigId)
    # SHA-256 of the stored bytes (what a download returns) and of the bytes as received.
    sha256: Mapped[str] = mapped_column(String(64))
    original_sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # customer | staff
    uploaded_by: Mapped[str] = mapped_column(String(150))
    uploaded_at: Mapped[datetime]
