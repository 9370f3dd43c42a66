"""Housekeeping (engine/store/housekeeping.py): stored Idempotency-Key answers are deleted after their retention."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.models import IdempotencyRecord
from engine.store.housekeeping import purge_idempotency_keys
from tests.conftest import fresh


def store(session, user, key: str, at) -> None:
    session.add(
        IdempotencyRecord(
            user_id=user.id,
            key=key,
            method="POST",
            path="/api/v1/complaints",
            request_hash="0" * 64,
            status_code=201,
            response={"id": 1},
            created_at=at,
        )
    )


def keys(session) -> list[str]:
    fresh(session)
    return sorted(session.scalars(select(IdempotencyRecord.key)))


def test_answers_older_than_the_retention_go_in_batches_and_newer_ones_stay(db, session, clock, make_user):
    user = make_user("channel")
    now = clock()
    for hours in (25, 30, 48, 100, 24 * 30):
        store(session, user, f"old-{hours}", now - timedelta(hours=hours))
    store(session, user, "recent", now - timedelta(hours=1))
    store(session, user, "edge", now - timedelta(hours=23, minutes=59))
    session.commit()
    assert purge_idempotency_keys(db.session, clock, {}, batch=2) == 5
    assert keys(session) == ["edge", "recent"]
    assert purge_idempotency_keys(db.session, clock, {}) == 0
    assert purge_idempotency_keys(db.session, clock, {"IDEMPOTENCY_KEEP_HOURS": 0.5}) == 2
    assert keys(session) == []
