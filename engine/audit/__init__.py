"""The hash-chained audit log: append in the step's transaction, verify the whole chain.

Each event's hash is SHA-256 over the previous event's hash and a canonical JSON encoding of the event
(sequence number, time, actor, kind, case, payload). Changing, removing or reordering any row breaks the
chain from that row on, and anyone holding the rows can recompute it without this code: the encoding is
``json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` in UTF-8.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from engine.models import AuditEvent

GENESIS = "0" * 64
# Any constant will do; it names the one advisory lock that serialises appends on PostgreSQL.
CHAIN_LOCK_KEY = 0x61756474


_TABLE = AuditEvent.__table__
_INSERT = _TABLE.insert()
_HEAD = select(_TABLE.c.seq, _TABLE.c.hash).order_by(_TABLE.c.seq.desc()).limit(1)


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def normalise(payload: dict[str, Any]) -> dict[str, Any]:
    """Return ``payload`` as plain JSON values, exactly as the database will give them back."""
    return json.loads(json.dumps(payload, default=_encode, ensure_ascii=False))


def event_hash(
    prev_hash: str,
    seq: int,
    occurred_at: datetime,
    actor: str,
    kind: str,
    case_id: int | None,
    payload: dict[str, Any],
) -> str:
    body = json.dumps(
        {
            "seq": seq,
            "occurred_at": occurred_at.isoformat(),
            "actor": actor,
            "kind": kind,
            "case_id": case_id,
            "payload": payload,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@dataclass
class PendingEvent:
    occurred_at: datetime
    actor: str
    kind: str
    case_id: int | None
    payload: dict[str, Any]


def append(session: Session, events: Iterable[PendingEvent]) -> int:
    """Chain ``events`` onto the log inside the session's transaction (call it last, just before commit).

    Returns the sequence number of the last event written (0 when there was nothing to write).
    """
    events = list(events)
    if not events:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        # Held until commit: concurrent steps on other nodes queue here, so the chain never forks.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK_KEY})
    # Plain Core on the connection: the ORM layer adds nothing here and costs a third of the step.
    connection = session.connection()
    head = connection.execute(_HEAD).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    rows: list[dict[str, Any]] = []
    for event in events:
        seq += 1
        payload = normalise(event.payload)
        digest = event_hash(prev, seq, event.occurred_at, event.actor, event.kind, event.case_id, payload)
        rows.append(
            {
                "seq": seq,
                "occurred_at": event.occurred_at,
                "actor": event.actor,
                "kind": event.kind,
                "case_id": event.case_id,
                "payload": payload,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    # One multi-row INSERT outside the ORM's unit of work: audit rows are never read back in the step.
    connection.execute(_INSERT, rows)
    return seq


@dataclass
class Verification:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.checked} events verified"
        return (
            f"audit chain broken at event {self.broken_seq}: {self.reason} "
            f"({self.checked} events before it are intact)"
        )


def verify(session: Session, batch: int = 2000) -> Verification:
    """Walk the whole chain in order and report the first broken link."""
    # Plain rows, not ORM objects: building an object per event tripled the time of a walk.
    columns = [_TABLE.c[name] for name in ("seq", "occurred_at", "actor", "kind", "case_id", "payload")]
    statement = select(*columns, _TABLE.c.prev_hash, _TABLE.c.hash).order_by(_TABLE.c.seq)
    rows = session.execute(statement.execution_options(yield_per=batch))
    try:
        return _walk(rows)
    finally:
        rows.close()  # a server-side cursor on PostgreSQL: release it even when we stop early


def _walk(events: Iterable[Any]) -> Verification:
    prev, expected_seq, checked = GENESIS, 1, 0
    for event in events:
        if event.seq != expected_seq:
            return Verification(
                False, checked, expected_seq, f"event {expected_seq} is missing (next is {event.seq})"
            )
        if event.prev_hash != prev:
            return Verification(False, checked, event.seq, "it does not point at the previous event's hash")
        digest = event_hash(
            prev, event.seq, event.occurred_at, event.actor, event.kind, event.case_id, event.payload
        )
        if digest != event.hash:
            return Verification(False, checked, event.seq, "its content does not match its hash (altered)")
        prev, expected_seq, checked = digest, expected_seq + 1, checked + 1
    return Verification(True, checked)
