"""Housekeeping: rows kept only for a while. Today the stored answers to ``Idempotency-Key`` requests.

A channel system retries a request within seconds or minutes, not weeks, and each stored answer holds a whole
response body, so the table would otherwise grow by one row per intake for ever. Answers older than
``IDEMPOTENCY_KEEP_HOURS`` (24 by default) are deleted in small batches, each its own short write transaction,
so that a large backlog never holds SQLite's write lock for long. A key sent again after that is a new request.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.clock import Clock, as_utc
from engine.models import IdempotencyRecord
from engine.store.db import drain_batches

DEFAULT_KEEP_HOURS = 24
BATCH = 500


def purge_idempotency_keys(
    sessions: Callable[[], Session], clock: Clock, settings: dict[str, Any], *, batch: int = BATCH
) -> int:
    """Delete the stored answers older than the retention; returns how many."""
    keep = timedelta(hours=float(settings.get("IDEMPOTENCY_KEEP_HOURS", DEFAULT_KEEP_HOURS)))

    def expired(now):
        return (
            select(IdempotencyRecord.id)
            .where(IdempotencyRecord.created_at < as_utc(now) - keep)
            .order_by(IdempotencyRecord.created_at)
        )

    def delete_them(session: Session, rows, _now) -> None:
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_([r.id for r in rows])))
        session.commit()

    return drain_batches(sessions, clock, expired, delete_them, limit=sys.maxsize, size=batch)
