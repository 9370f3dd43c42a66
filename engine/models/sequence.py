"""Counters for ids handed out before their row is written (SQLite has no sequences; PostgreSQL uses its own)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class IdSequence(Base):
    """The last id handed out for a table (``name``); see ``engine/store/ids.py``."""

    __tablename__ = "id_sequences"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
