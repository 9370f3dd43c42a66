"""Stored answers to requests that carried an ``Idempotency-Key``, so that a retried request is answered, not redone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base, BigId, JSONValue, intpk


class IdempotencyRecord(Base):
    """The first successful answer to (user, key, method, path), written in the same transaction as its effect.

    ``request_hash`` is the SHA-256 of the canonical request body: the same key sent with another body is a
    client error, never a silent replay of a different request.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", "method", "path"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(512))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    # Indexed so that a purge of old keys reads only the rows it deletes.
    created_at: Mapped[datetime] = mapped_column(index=True)

    @staticmethod
    def lookup(user_id: int, key: str, method: str, path: str):
        return select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id,
            IdempotencyRecord.key == key,
            IdempotencyRecord.method == method,
            IdempotencyRecord.path == path,
        )
