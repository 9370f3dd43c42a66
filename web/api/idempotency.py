"""``Idempotency-Key``: a retried intake or task completion is answered with the first answer, not done twice.

The first successful answer is stored per (user, key, method, path) in the same transaction as the change it
reports (the engine's unit of work is re-entrant: the intake or completion joins it), so there is no window in
which the change is committed and the key is not. Two requests racing with one key both run, but only one can
commit: the other's insert of the key fails, its whole transaction rolls back, and it answers with the stored
response. Refused requests (4xx) are not stored: they changed nothing, and a retry is simply judged again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from flask import jsonify, request
from sqlalchemy.exc import IntegrityError

from engine.cases.engine import CaseEngine
from engine.models import IdempotencyRecord, User
from web.api.inputs import ApiError, canonical, idempotency_key

REPLAYED = "Idempotent-Replayed"


def once(
    engine: CaseEngine,
    user: User,
    body: Any,
    produce: Callable[[Any], tuple[int, dict]],
    prepare: Callable[[], Any] = lambda: None,
):
    """Answer with ``produce(prepare())`` (status, body), or with the stored answer when the key was seen.

    ``prepare`` is the part of the work that writes nothing (intake runs the new case's first steps there): it
    runs before the write transaction, and not at all for a replay.
    """
    key = idempotency_key()
    if key is None:
        status, payload = produce(prepare())
        return jsonify(payload), status
    digest = hashlib.sha256(canonical(body)).hexdigest()
    stored = _stored(engine, user, key)
    if stored is not None:
        return _replay(stored, digest)
    prepared = prepare()
    try:
        with engine.unit(user.username):
            status, payload = produce(prepared)
            if 200 <= status < 300:
                engine.session.add(
                    IdempotencyRecord(
                        user_id=user.id,
                        key=key,
                        method=request.method,
                        path=request.path,
                        request_hash=digest,
                        status_code=status,
                        response=payload,
                        created_at=engine.now(),
                    )
                )
    except IntegrityError:
        # A request with the same key committed first; ours was rolled back whole.
        stored = _stored(engine, user, key)
        if stored is None:
            raise
        return _replay(stored, digest)
    return jsonify(payload), status


def _stored(engine: CaseEngine, user: User, key: str) -> IdempotencyRecord | None:
    engine.session.commit()  # end any read snapshot (nothing is pending): see what is committed now
    return engine.session.scalar(IdempotencyRecord.lookup(user.id, key, request.method, request.path))


def _replay(stored: IdempotencyRecord, digest: str):
    if stored.request_hash != digest:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request; use a new key for a new request",
        )
    response = jsonify(stored.response)
    response.headers[REPLAYED] = "true"
    return response, stored.status_code
