"""The advisory knowledge base as versioned data: each deployment is a whole, immutable, numbered version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from engine.models.base import Base, JSONValue, intpk


class KnowledgeVersion(Base):
    __tablename__ = "knowledge_versions"

    id: Mapped[intpk]
    version: Mapped[int] = mapped_column(unique=True)
    # SHA-256 of the entries' canonical JSON: deploying the same entries again makes no new version.
    sha256: Mapped[str] = mapped_column(String(64))
    # [{"id", "language", "keywords": [...], "question", "answer"}, ...] in the order they were given.
    entries: Mapped[list[dict[str, Any]]] = deferred(mapped_column(JSONValue, nullable=False))
    entry_count: Mapped[int]
    deployed_by: Mapped[str] = mapped_column(String(150))
    deployed_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(255), default="")  # a file name, or "editor"
